/**
 * One search result: the storefront's product card, with the words the buyer typed marked in
 * the title. The adapter's highlighted title is read back into text runs and rendered as React
 * elements (never as HTML), and only used when it spells exactly the card's title.
 */
import { Fragment } from 'react';
import { useTranslation } from '~/utils/use-translation';
import { GiBadge } from '~/components/gi-badge';
import { StalledBadge } from '~/components/product-card';
import type { ProductCard } from '~/models/catalog.server';
import { formatFen } from '~/utils/money';
import { ListLink } from '~/components/list-link';

export interface TitleRun {
  text: string;
  marked: boolean;
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

function unescapeHtml(text: string): string {
  return text.replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity]!);
}

/** `秭归<mark>脐橙</mark>` → runs; the plain title when the markup is anything else or spells another text. */
export function titleRuns(highlighted: string | undefined, title: string): TitleRun[] {
  const plain = [{ text: title, marked: false }];
  if (!highlighted) return plain;
  const runs: TitleRun[] = [];
  let marked = false;
  for (const part of highlighted.split(/(<mark>|<\/mark>)/)) {
    if (part === '<mark>' || part === '</mark>') {
      if ((part === '<mark>') === marked) return plain;
      marked = part === '<mark>';
      continue;
    }
    if (/[<>]|&(?!(?:amp|lt|gt|quot|#39);)/.test(part)) return plain;
    if (part) runs.push({ text: unescapeHtml(part), marked });
  }
  if (marked || runs.map((r) => r.text).join('') !== title) return plain;
  return runs;
}

export function SearchHit({ product, highlighted, now, lazy }: { product: ProductCard; highlighted?: string; now: Date; lazy: boolean }) {
  const { t, i18n } = useTranslation();
  const english = i18n.language === 'en';
  // The marks belong to the Chinese title; an English title is shown as it is.
  const runs = english && product.titleEn ? [{ text: product.titleEn, marked: false }] : titleRuns(highlighted, product.title);
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
        <h3 className="product-card__title">
          {runs.map((run, i) => (run.marked ? <mark key={i}>{run.text}</mark> : <Fragment key={i}>{run.text}</Fragment>))}
        </h3>
      </ListLink>
      <p className="product-card__meta">
        {product.spec ? <span>{product.spec}</span> : null}
        <span>
          {t('product.origin')}: {product.provinceName}
          {product.originName !== product.provinceName ? ` ${product.originName}` : ''}
        </span>
        <span>{product.cooperativeName}</span>
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
