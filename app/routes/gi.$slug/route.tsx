import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { useGiKindLabel } from '~/components/gi-badge';
import { Pagination, ProductGrid } from '~/components/product-card';
import {
  countGiProducers,
  countGiProducts,
  getGiBySlug,
  listGiProducers,
  listGiProducts,
  pageCount,
  pageWindow,
  parsePageParam,
  toCardView,
} from '~/models/catalog.server';
import catalogStyles from '~/styles/catalog.css';
import { notFound } from '~/utils/http.server';
import { ListLink } from '~/components/list-link';

export const handle = { i18n: ['catalog'] };

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: catalogStyles }];

const PRODUCTS_PER_PAGE = 24;
const PRODUCERS_PER_PAGE = 20;

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { db, now } = context.app;
  const gi = await getGiBySlug(db, params.slug ?? '');
  if (!gi) notFound();
  const url = new URL(request.url);
  const page = parsePageParam(url.searchParams.get('page'));
  const producersPage = parsePageParam(url.searchParams.get('producers'));
  const [producers, producerTotal, productsOnPage, productTotal] = await Promise.all([
    listGiProducers(db, gi.id, pageWindow(producersPage, PRODUCERS_PER_PAGE)),
    countGiProducers(db, gi.id),
    listGiProducts(db, gi.id, pageWindow(page, PRODUCTS_PER_PAGE)),
    countGiProducts(db, gi.id),
  ]);
  return {
    gi,
    producers,
    producerTotal,
    producersPage,
    producerPageCount: pageCount(producerTotal, PRODUCERS_PER_PAGE),
    products: productsOnPage.map(toCardView),
    productTotal,
    page,
    pageCount: pageCount(productTotal, PRODUCTS_PER_PAGE),
    now: now().toISOString(),
  };
}

export const meta: MetaFunction<typeof loader> = ({ data }) => {
  if (!data) return [{ title: '页面不存在 · 地标助农' }];
  return [
    { title: `${data.gi.name} · 地理标志 · 地标助农` },
    { name: 'description', content: (data.gi.story || data.gi.name).slice(0, 150) },
    { property: 'og:title', content: `${data.gi.name} · 地标助农` },
  ];
};

export default function GiRoute() {
  const { gi, producers, producerTotal, producersPage, producerPageCount, products, productTotal, page, pageCount, now } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const kindLabel = useGiKindLabel();
  const english = i18n.language === 'en';
  return (
    <article className="gi-page">
      <header>
        <p className="eyebrow">{kindLabel(gi.kind)}</p>
        <h1>{english && gi.nameEn ? gi.nameEn : gi.name}</h1>
        {english && gi.nameEn ? <p lang="zh-CN">{gi.name}</p> : null}
      </header>
      {gi.story ? <p className="prose">{gi.story}</p> : null}

      <section className="panel" aria-labelledby="gi-facts-heading">
        <h2 id="gi-facts-heading">{t('catalog:gi.facts')}</h2>
        <dl className="facts">
          <dt>{t('catalog:giPanel.kind')}</dt>
          <dd>
            {kindLabel(gi.kind)}
            {gi.otherKinds.length > 0 ? ` ${t('catalog:giPanel.alsoKinds', { kinds: gi.otherKinds.map(kindLabel).join('、') })}` : null}
          </dd>
          <dt>{t('catalog:giPanel.registrationNumber')}</dt>
          <dd>{gi.registrationNumber ?? t('catalog:giPanel.registrationUnknown')}</dd>
          {gi.registeredOn ? (
            <>
              <dt>{t('catalog:giPanel.registeredOn')}</dt>
              <dd>{gi.registeredOn}</dd>
            </>
          ) : null}
          {gi.chinaEuList ? (
            <>
              <dt>{t('catalog:giPanel.chinaEu')}</dt>
              <dd>{t('catalog:giPanel.chinaEuList', { batch: gi.chinaEuList })}</dd>
            </>
          ) : null}
          <dt>{t('catalog:giPanel.protectedArea')}</dt>
          <dd>
            {gi.protectedArea.length > 0 ? (
              <ul className="plain-list">
                {gi.protectedArea.map((area) => (
                  <li key={area.code}>{area.path.join(' · ')}</li>
                ))}
              </ul>
            ) : (
              t('catalog:giPanel.areaUnknown')
            )}
          </dd>
        </dl>
        {gi.sourceNote ? <p className="source-note">{gi.sourceNote}</p> : null}
      </section>

      <section aria-labelledby="producers-heading" id="producers">
        <h2 id="producers-heading">
          {t('catalog:gi.producers')} <small>({producerTotal})</small>
        </h2>
        <p className="section-intro">{t('catalog:gi.producersIntro')}</p>
        {producers.length > 0 ? (
          <ul className="link-list">
            {producers.map((p) => (
              <li key={p.slug}>
                <ListLink to={`/cooperatives/${p.slug}`}>{p.legalName}</ListLink>
                <span className="muted"> · {p.provinceName === p.regionName ? p.regionName : `${p.provinceName} ${p.regionName}`}</span>
              </li>
            ))}
          </ul>
        ) : (
          <p>{producerTotal > 0 ? t('catalog:pageEmpty') : t('catalog:gi.noProducers')}</p>
        )}
        <Pagination page={producersPage} pageCount={producerPageCount} param="producers" anchor="producers" />
      </section>

      <section aria-labelledby="gi-products-heading" id="products">
        <h2 id="gi-products-heading">
          {t('catalog:gi.products')} <small>({t('zone.productCount', { count: productTotal })})</small>
        </h2>
        {products.length > 0 ? (
          <ProductGrid products={products} now={new Date(now)} eager={0} />
        ) : (
          <p>{productTotal > 0 ? t('catalog:pageEmpty') : t('catalog:gi.noProducts')}</p>
        )}
        <Pagination page={page} pageCount={pageCount} anchor="products" />
      </section>
    </article>
  );
}
