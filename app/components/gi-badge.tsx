import { useTranslation } from '~/utils/use-translation';
import type { GiKind } from '~/db/schema';

/**
 * The GI badge. Render it only from data the catalog queries computed (`giName` on a card,
 * `gi.badge` on the product page): those already require an approved authorization, an origin
 * inside the protected area and no revocation.
 */
export function GiBadge({ name, kind }: { name: string; kind?: GiKind | null }) {
  const { t } = useTranslation();
  const kindLabel = useGiKindLabel();
  return (
    <span className="badge badge--gi" title={kind === undefined ? name : `${name} · ${kindLabel(kind)}`}>
      {t('product.giBadge')}
    </span>
  );
}

/** The kind's official Chinese name (or its English gloss); a kind no source confirms says so. */
export function useGiKindLabel() {
  const { t } = useTranslation();
  return (kind: GiKind | null) => {
    switch (kind) {
      case 'protected_product':
        return t('catalog:giKind.protected_product');
      case 'certification_mark':
        return t('catalog:giKind.certification_mark');
      case 'collective_mark':
        return t('catalog:giKind.collective_mark');
      case 'agricultural_product':
        return t('catalog:giKind.agricultural_product');
      default:
        return t('catalog:giKind.unconfirmed');
    }
  };
}
