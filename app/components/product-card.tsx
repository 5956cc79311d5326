import { Link } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import type { ProductCard as Card } from '~/models/catalog.server';
import { daysUntil } from '~/utils/dates';
import { formatFen } from '~/utils/money';

export function ProductCard({ product, now, lazy = true }: { product: Card; now: Date; lazy?: boolean }) {
  const { t, i18n } = useTranslation();
  const title = i18n.language === 'en' && product.titleEn ? product.titleEn : product.title;
  const days = product.stalledSellBefore ? daysUntil(product.stalledSellBefore, now) : null;
  return (
    <article className="product-card">
      <Link to={`/products/${product.slug}`} className="product-card__link">
        <div className="product-card__image">
          {product.imagePath ? (
            <img src={`/uploads/${product.imagePath}`} alt="" width={320} height={320} loading={lazy ? 'lazy' : 'eager'} decoding="async" />
          ) : (
            <span className="product-card__placeholder" aria-hidden="true">
              {product.title.slice(0, 2)}
            </span>
          )}
        </div>
        <h3 className="product-card__title">{title}</h3>
      </Link>
      <p className="product-card__meta">
        {product.spec ? <span>{product.spec}</span> : null}
        <span>
          {t('product.origin')}: {product.provinceName} {product.originName !== product.provinceName ? product.originName : ''}
        </span>
      </p>
      <p className="product-card__badges">
        {product.giName ? <span className="badge badge--gi">{t('product.giBadge')}</span> : null}
        {days !== null ? (
          <span className="badge badge--stalled">{days >= 0 ? t('product.stalledBadge', { count: days }) : t('product.stalledOverdue')}</span>
        ) : null}
        {!product.inStock ? <span className="badge">{t('product.soldOut')}</span> : null}
      </p>
      {product.priceFen !== null ? <p className="product-card__price">{formatFen(product.priceFen)}</p> : null}
    </article>
  );
}
