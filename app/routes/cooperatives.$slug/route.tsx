import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { useGiKindLabel } from '~/components/gi-badge';
import { Pagination, ProductGrid } from '~/components/product-card';
import { countCooperativeProducts, getCooperativeShop, listCooperativeProducts, pageCount, pageWindow, parsePageParam, toCardView } from '~/models/catalog.server';
import catalogStyles from '~/styles/catalog.css';
import { getOptionalUser } from '~/utils/auth.server';
import { notFound } from '~/utils/http.server';
import { formatFen } from '~/utils/money';
import { canManageCooperative } from '~/utils/permissions.server';
import { ListLink } from '~/components/list-link';

export const handle = { i18n: ['catalog'] };

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: catalogStyles }];

const PAGE_SIZE = 24;

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { app } = context;
  const shop = await getCooperativeShop(app.db, params.slug ?? '');
  if (!shop) notFound();
  // A shop not (or no longer) verified is not open; its own members may still look at it.
  const preview = shop.verificationStatus !== 'verified';
  if (preview && !canManageCooperative(await getOptionalUser(request, app), shop.id)) notFound();
  const page = parsePageParam(new URL(request.url).searchParams.get('page'));
  const [productsOnPage, total] = await Promise.all([
    listCooperativeProducts(app.db, shop.id, pageWindow(page, PAGE_SIZE)),
    countCooperativeProducts(app.db, shop.id),
  ]);
  return { shop, preview, products: productsOnPage.map(toCardView), total, page, pageCount: pageCount(total, PAGE_SIZE), now: app.now().toISOString() };
}

export const meta: MetaFunction<typeof loader> = ({ data }) => {
  if (!data) return [{ title: '页面不存在 · 地标助农' }];
  return [
    { title: `${data.shop.legalName} · 地标助农` },
    { name: 'description', content: (data.shop.description || data.shop.businessScope).slice(0, 150) },
    ...(data.preview ? [{ name: 'robots', content: 'noindex' }] : []),
  ];
};

export default function CooperativeRoute() {
  const { shop, preview, products, total, page, pageCount, now } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const kindLabel = useGiKindLabel();
  const money = (fen: number) => formatFen(fen, i18n.language);
  return (
    <article className="shop-page">
      {preview ? (
        <p className="form-notice" role="status">
          {t('catalog:cooperative.preview')}
        </p>
      ) : null}
      <header>
        <h1>{shop.legalName}</h1>
        <p className="muted">{shop.regionPath.join(' · ')}</p>
        <p>
          <a href="#licence">{t('catalog:cooperative.licenceLink')}</a>
        </p>
      </header>
      {shop.description ? <p className="prose">{shop.description}</p> : null}

      {shop.approvedGis.length > 0 ? (
        <section aria-labelledby="shop-gis-heading">
          <h2 id="shop-gis-heading">{t('catalog:cooperative.approvedGis')}</h2>
          <ul className="chip-list">
            {shop.approvedGis.map((gi) => (
              <li key={gi.slug}>
                <ListLink to={`/gi/${gi.slug}`} className="chip" title={kindLabel(gi.kind)}>
                  {i18n.language === 'en' && gi.nameEn ? gi.nameEn : gi.name}
                </ListLink>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <section aria-labelledby="shop-products-heading" id="products">
        <h2 id="shop-products-heading">
          {t('catalog:cooperative.products')} <small>({t('zone.productCount', { count: total })})</small>
        </h2>
        <p className="muted">
          {shop.shippingFlatFeeFen === 0
            ? t('catalog:shipping.free')
            : shop.freeShippingThresholdFen !== null
              ? t('catalog:shipping.feeWithThreshold', { fee: money(shop.shippingFlatFeeFen), threshold: money(shop.freeShippingThresholdFen) })
              : t('catalog:shipping.fee', { fee: money(shop.shippingFlatFeeFen) })}
        </p>
        {products.length > 0 ? (
          <ProductGrid products={products} now={new Date(now)} />
        ) : (
          <p>{total > 0 ? t('catalog:pageEmpty') : t('catalog:cooperative.noProducts')}</p>
        )}
        <Pagination page={page} pageCount={pageCount} anchor="products" />
      </section>

      <section className="panel licence" id="licence" aria-labelledby="licence-heading">
        <h2 id="licence-heading">{t('catalog:cooperative.licence')}</h2>
        <p className="muted">{t('catalog:cooperative.licenceNote')}</p>
        <dl className="facts">
          <dt>{t('catalog:cooperative.legalName')}</dt>
          <dd>{shop.legalName}</dd>
          <dt>{t('catalog:cooperative.creditCode')}</dt>
          <dd className="mono">{shop.creditCode}</dd>
          <dt>{t('catalog:cooperative.legalRepresentative')}</dt>
          <dd>{shop.legalRepresentative || t('catalog:cooperative.notGiven')}</dd>
          <dt>{t('catalog:cooperative.address')}</dt>
          <dd>{shop.address || t('catalog:cooperative.notGiven')}</dd>
          <dt>{t('catalog:cooperative.businessScope')}</dt>
          <dd>{shop.businessScope || t('catalog:cooperative.notGiven')}</dd>
          <dt>{t('catalog:cooperative.verification')}</dt>
          <dd className={shop.verificationStatus === 'verified' ? 'status status--ok' : 'status status--warn'}>
            {t(`catalog:cooperative.status.${shop.verificationStatus}`)}
            {shop.verifiedAt && shop.verificationStatus === 'verified'
              ? ` · ${t('catalog:cooperative.verifiedOn', { date: new Date(shop.verifiedAt).toLocaleDateString(i18n.language, { timeZone: 'Asia/Shanghai' }) })}`
              : null}
          </dd>
        </dl>
      </section>
    </article>
  );
}
