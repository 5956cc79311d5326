import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { chinaDate } from '~/utils/dates';
import { useTranslation } from '~/utils/use-translation';
import { ListLink } from '~/components/list-link';
import { Pagination, ProductGrid } from '~/components/product-card';
import {
  countListedProducts,
  countProductsByProvince,
  listGisWithProducts,
  listUrgentProducts,
  listZoneProducts,
  pageCount,
  pageWindow,
  parsePageParam,
  toCardView,
} from '~/models/catalog.server';
import catalogStyles from '~/styles/catalog.css';

export const handle = { i18n: ['catalog'] };

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: catalogStyles }];

export const meta: MetaFunction = () => [
  { title: '地标助农 · 抗疫地理标志产品专区' },
  { name: 'description', content: '湖北及全国地理标志农产品抗疫专区：产销对接，帮助滞销的地标好物走出去。' },
  { property: 'og:title', content: '地标助农 · 抗疫地理标志产品专区' },
  { property: 'og:type', content: 'website' },
];

const PAGE_SIZE = 24;
const URGENT_COUNT = 8;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { db, now, catalogCache } = context.app;
  const url = new URL(request.url);
  const page = parsePageParam(url.searchParams.get('page'));
  // A province code or nothing (a malformed value is dropped). No zod here: importing it would put it in the page's browser bundle.
  const provinceValue = url.searchParams.get('province');
  const provinceCode = provinceValue && /^\d{2}0000$/.test(provinceValue) ? provinceValue : undefined;
  const today = chinaDate(now());
  const area = provinceCode ?? 'all';
  // The same for every visitor and costly at scale (counts over the whole catalog): reused for a
  // few seconds, and dropped on any catalog change (app/utils/memo.server.ts).
  const [urgent, provinces, gis, productsOnPage, total] = await Promise.all([
    catalogCache.get(`zone:urgent:${today}`, async () => (await listUrgentProducts(db, { today, limit: URGENT_COUNT })).map(toCardView)),
    catalogCache.get('zone:provinces', () => countProductsByProvince(db)),
    catalogCache.get(`zone:gis:${area}`, () => listGisWithProducts(db, { provinceCode, limit: 24 })),
    catalogCache.get(`zone:page:${area}:${page}`, async () => (await listZoneProducts(db, { ...pageWindow(page, PAGE_SIZE), provinceCode })).map(toCardView)),
    catalogCache.get(`zone:total:${area}`, () => countListedProducts(db, { provinceCode })),
  ]);
  const province = provinceCode ? { code: provinceCode, name: provinces.find((p) => p.provinceCode === provinceCode)?.provinceName ?? provinceCode } : null;
  return { urgent, provinces, province, gis, products: productsOnPage, total, page, pageCount: pageCount(total, PAGE_SIZE), now: now().toISOString() };
}

export default function Zone() {
  const { urgent, provinces, province, gis, products, total, page, pageCount, now } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const nowDate = new Date(now);
  return (
    <>
      <section className="zone-hero">
        <h1>{t('zone.title')}</h1>
        <p>{t('zone.intro')}</p>
      </section>

      {urgent.length > 0 && page === 1 && !province ? (
        <section aria-labelledby="urgent-heading" className="urgent">
          <h2 id="urgent-heading">{t('catalog:zone.urgentTitle')}</h2>
          <p className="section-intro">{t('catalog:zone.urgentIntro')}</p>
          <ProductGrid products={urgent} now={nowDate} />
          <p>
            <ListLink to="/search?stalled=1&sort=urgency">{t('catalog:zone.allStalled')}</ListLink>
          </p>
        </section>
      ) : null}

      <section aria-labelledby="provinces-heading">
        <h2 id="provinces-heading">{t('zone.byProvince')}</h2>
        <ul className="chip-list">
          <li>
            <ListLink to="/#products" className="chip" aria-current={province ? undefined : 'page'}>
              {t('catalog:zone.allProvinces')}
            </ListLink>
          </li>
          {provinces.map((p) => (
            <li key={p.provinceCode}>
              <ListLink to={`/?province=${p.provinceCode}#products`} className="chip" aria-current={province?.code === p.provinceCode ? 'page' : undefined}>
                {p.provinceName} <span className="chip__count">{p.count}</span>
              </ListLink>
            </li>
          ))}
        </ul>
      </section>

      {gis.length > 0 ? (
        <section aria-labelledby="gis-heading">
          <h2 id="gis-heading">{t('catalog:zone.byGi')}</h2>
          <ul className="chip-list">
            {gis.map((gi) => (
              <li key={gi.slug}>
                <ListLink to={`/gi/${gi.slug}`} className="chip">
                  {i18n.language === 'en' && gi.nameEn ? gi.nameEn : gi.name} <span className="chip__count">{gi.productCount}</span>
                </ListLink>
              </li>
            ))}
          </ul>
          <p>
            <ListLink to={province ? `/gi?province=${province.code}` : '/gi'}>{t('catalog:zone.allGis')}</ListLink>
          </p>
        </section>
      ) : null}

      <section aria-labelledby="products-heading" id="products">
        <h2 id="products-heading">
          {province ? t('catalog:zone.productsIn', { province: province.name }) : t('zone.allProducts')}{' '}
          <small>({t('zone.productCount', { count: total })})</small>
        </h2>
        {products.length > 0 ? (
          <ProductGrid products={products} now={nowDate} eager={urgent.length > 0 && page === 1 && !province ? 0 : 2} />
        ) : (
          <p>{total > 0 ? t('catalog:pageEmpty') : t('zone.empty')}</p>
        )}
        <Pagination page={page} pageCount={pageCount} anchor="products" />
      </section>
    </>
  );
}
