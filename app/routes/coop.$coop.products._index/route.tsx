import type { LoaderFunctionArgs } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { listCooperativeProducts, type ProductStatus } from '~/models/products.server';
import { requirePortalAccess } from '~/routes/coop.$coop/access.server';
import { productPath } from '~/routes/coop.$coop/paths';
import { Notice } from '~/routes/coop.$coop/notice';
import { formatFen } from '~/utils/money';

export const handle = { i18n: ['coop'] };

// Not imported from the model: components must not read values from .server modules.
const STATUSES = ['published', 'draft', 'archived'] as const satisfies readonly ProductStatus[];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { cooperative } = await requirePortalAccess(request, context.app, params);
  const requested = new URL(request.url).searchParams.get('status');
  const status = (STATUSES as readonly string[]).includes(requested ?? '') ? (requested as ProductStatus) : undefined;
  const products = await listCooperativeProducts(context.app.db, cooperative.id, { status });
  return { slug: cooperative.slug, status: status ?? null, products };
}

export default function CooperativeProducts() {
  const { slug, status, products } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const filters = [null, ...STATUSES] as const;
  return (
    <section>
      <div className="coop-toolbar">
        <h2>{t('coop:products.title')}</h2>
        <Link to={`/coop/${slug}/products/new`} className="button">
          {t('coop:products.new')}
        </Link>
      </div>
      <Notice />
      <nav className="coop-filters" aria-label={t('coop:products.filterLabel')}>
        {filters.map((f) => (
          <Link key={f ?? 'all'} to={f ? `?status=${f}` : '.'} aria-current={f === status ? 'page' : undefined} className="chip">
            {f ? t(`coop:status.${f}`) : t('coop:products.all')}
          </Link>
        ))}
      </nav>
      {products.length === 0 ? (
        <p>{t('coop:products.empty')}</p>
      ) : (
        <ul className="coop-products">
          {products.map((p) => (
            <li key={p.id} className="coop-product">
              {p.imagePath ? <img src={`/uploads/${p.imagePath.replace(/\.webp$/, '-400w.webp')}`} alt="" width={64} height={64} loading="lazy" /> : <span className="coop-product__placeholder" aria-hidden="true" />}
              <div className="coop-product__body">
                <Link to={productPath(slug, p.id)} className="coop-product__title">
                  {p.title}
                </Link>
                <div className="coop-product__meta">
                  <span className={`badge badge--${p.status}`}>{t(`coop:status.${p.status}`)}</span>
                  {p.giName && !p.giRevokedAt ? <span className="badge badge--gi">{p.giName}</span> : null}
                  {p.giRevokedAt ? <span className="badge badge--warning">{t('coop:gi.revokedBadge')}</span> : null}
                  {p.stalledSellBefore ? <span className="badge badge--stalled">{t('coop:stalled.badge')}</span> : null}
                </div>
                <div className="coop-product__numbers">
                  {p.minPriceFen !== null ? t('coop:products.fromPrice', { price: formatFen(p.minPriceFen, i18n.language) }) : t('coop:products.noVariants')} ·{' '}
                  {t('coop:products.stock', { count: p.totalStock })}
                </div>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
