import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { ProductCard } from '~/components/product-card';
import { countListedProducts, countProductsByProvince, listZoneProducts } from '~/models/catalog.server';

export const meta: MetaFunction = () => [
  { title: '地标助农 · 抗疫地理标志产品专区' },
  { name: 'description', content: '湖北及全国地理标志农产品抗疫专区：产销对接，帮助滞销的地标好物走出去。' },
];

const PAGE_SIZE = 24;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { db, now } = context.app;
  const url = new URL(request.url);
  const page = Math.max(1, Math.min(1000, Number.parseInt(url.searchParams.get('page') ?? '1', 10) || 1));
  const [productsOnPage, total, provinces] = await Promise.all([
    listZoneProducts(db, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
    countListedProducts(db),
    countProductsByProvince(db),
  ]);
  return { products: productsOnPage, total, provinces, page, pageCount: Math.max(1, Math.ceil(total / PAGE_SIZE)), now: now().toISOString() };
}

export default function Zone() {
  const { products, total, provinces, page, pageCount, now } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const nowDate = new Date(now);
  return (
    <>
      <section className="zone-hero">
        <h1>{t('zone.title')}</h1>
        <p>{t('zone.intro')}</p>
      </section>
      <section aria-labelledby="provinces-heading">
        <h2 id="provinces-heading">{t('zone.byProvince')}</h2>
        <ul className="chip-list">
          {provinces.map((p) => (
            <li key={p.provinceCode}>
              <Link to={`/search?province=${p.provinceCode}`} className="chip">
                {p.provinceName} <span className="chip__count">{p.count}</span>
              </Link>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="all-heading">
        <h2 id="all-heading">
          {t('zone.allProducts')} <small>({t('zone.productCount', { count: total })})</small>
        </h2>
        {products.length === 0 ? (
          <p>{t('zone.empty')}</p>
        ) : (
          <div className="product-grid">
            {products.map((p, i) => (
              <ProductCard key={p.id} product={p} now={nowDate} lazy={i >= 4} />
            ))}
          </div>
        )}
        {pageCount > 1 ? (
          <nav className="pagination" aria-label={t('pagination.label')}>
            {page > 1 ? <Link to={`/?page=${page - 1}`}>{t('pagination.previous')}</Link> : null}
            <span>{t('pagination.status', { page, pageCount })}</span>
            {page < pageCount ? <Link to={`/?page=${page + 1}`}>{t('pagination.next')}</Link> : null}
          </nav>
        ) : null}
      </section>
    </>
  );
}
