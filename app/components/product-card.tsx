import { useLocation } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import type { ProductCardView as Card } from '~/models/catalog.server';
import { daysUntil } from '~/utils/dates';
import { formatFen } from '~/utils/money';
import { GiBadge } from './gi-badge';
import { ListLink } from './list-link';

/** "滞销 · 12 天内需售出", or "急需售出" on the last day and after. */
export function StalledBadge({ sellBefore, now }: { sellBefore: string; now: Date }) {
  const { t } = useTranslation();
  const days = daysUntil(sellBefore, now);
  return <span className="badge badge--stalled">{days > 0 ? t('product.stalledBadge', { count: days }) : t('product.stalledOverdue')}</span>;
}

export function ProductCard({ product, now, lazy = true }: { product: Card; now: Date; lazy?: boolean }) {
  const { t, i18n } = useTranslation();
  const english = i18n.language === 'en';
  const title = english && product.titleEn ? product.titleEn : product.title;
  return (
    <article className="product-card">
      <ListLink to={`/products/${product.slug}`} className="product-card__link">
        <div className="product-card__image">
          {product.imagePath ? (
            <img
              src={`/uploads/${product.imagePath}`}
              alt=""
              width={product.imageWidth ?? 320}
              height={product.imageHeight ?? 320}
              loading={lazy ? 'lazy' : 'eager'}
              decoding="async"
            />
          ) : (
            <span className="product-card__placeholder" aria-hidden="true">
              {product.title.slice(0, 2)}
            </span>
          )}
        </div>
        <h3 className="product-card__title">{title}</h3>
      </ListLink>
      <p className="product-card__meta">
        {product.spec ? <span>{product.spec}</span> : null}
        <span>
          {t('product.origin')}: {product.provinceName}
          {product.originName !== product.provinceName ? ` ${product.originName}` : ''}
        </span>
      </p>
      <p className="product-card__badges">
        {product.giName ? <GiBadge name={english && product.giNameEn ? product.giNameEn : product.giName} kind={product.giKind} /> : null}
        {product.stalledSellBefore ? <StalledBadge sellBefore={product.stalledSellBefore} now={now} /> : null}
        {!product.inStock ? <span className="badge">{t('product.soldOut')}</span> : null}
      </p>
      {product.priceFen !== null ? <p className="product-card__price">{formatFen(product.priceFen, i18n.language)}</p> : null}
    </article>
  );
}

/** A grid of cards; the first `eager` images load at once (above the fold on a phone), the rest lazily. */
export function ProductGrid({ products, now, eager = 2 }: { products: Card[]; now: Date; eager?: number }) {
  return (
    <div className="product-grid">
      {products.map((p, i) => (
        <ProductCard key={p.id} product={p} now={now} lazy={i >= eager} />
      ))}
    </div>
  );
}

/**
 * Previous / next links that keep the rest of the query string. `param` names the page
 * parameter, so one page can page two lists. A page past the end links back to the last one.
 */
export function Pagination({ page, pageCount, param = 'page', anchor }: { page: number; pageCount: number; param?: string; anchor?: string }) {
  const { t } = useTranslation();
  const location = useLocation();
  if (pageCount <= 1 && page <= 1) return null;
  const href = (target: number): `/${string}` => {
    const params = new URLSearchParams(location.search);
    if (target <= 1) params.delete(param);
    else params.set(param, String(target));
    const query = params.toString();
    return `/${location.pathname.slice(1)}${query ? `?${query}` : ''}${anchor ? `#${anchor}` : ''}`;
  };
  const previous = Math.min(page - 1, pageCount);
  return (
    <nav className="pagination" aria-label={t('pagination.label')}>
      {page > 1 ? (
        <ListLink to={href(previous)} rel="prev">
          {t('pagination.previous')}
        </ListLink>
      ) : null}
      <span>{t('pagination.status', { page, pageCount })}</span>
      {page < pageCount ? (
        <ListLink to={href(page + 1)} rel="next">
          {t('pagination.next')}
        </ListLink>
      ) : null}
    </nav>
  );
}
