import { Form } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import type { ProductPage } from '~/models/catalog.server';
import { formatFen } from '~/utils/money';

/**
 * Spec, quantity and "add to cart". The form posts to /cart (intent=add, variantId, quantity);
 * that route comes with the cart and checkout issue, which validates stock on the server.
 */
export function PurchaseForm({ variants }: { variants: ProductPage['variants'] }) {
  const { t, i18n } = useTranslation();
  const inStock = variants.filter((v) => v.stock > 0);
  if (inStock.length === 0) {
    return <p className="form-notice form-notice--muted">{t('catalog:product.allSoldOut')}</p>;
  }
  const maxQuantity = Math.min(999, Math.max(...inStock.map((v) => v.stock)));
  return (
    <Form method="post" action="/cart" className="purchase">
      <input type="hidden" name="intent" value="add" />
      <fieldset className="variant-list">
        <legend>{t('catalog:product.chooseSpec')}</legend>
        {variants.map((v) => (
          <label key={v.id} className="variant">
            <input type="radio" name="variantId" value={v.id} defaultChecked={v.id === inStock[0]!.id} disabled={v.stock === 0} required />
            <span className="variant__spec">{v.spec}</span>
            <span className="variant__price">{formatFen(v.priceFen, i18n.language)}</span>
            <span className="variant__stock">{v.stock > 0 ? t('catalog:product.stock', { count: v.stock }) : t('product.soldOut')}</span>
          </label>
        ))}
      </fieldset>
      <div className="field field--quantity">
        <label htmlFor="quantity">{t('catalog:product.quantity')}</label>
        <input id="quantity" name="quantity" type="number" inputMode="numeric" min={1} max={maxQuantity} step={1} defaultValue={1} required />
      </div>
      <button type="submit" className="button button--wide">
        {t('catalog:product.addToCart')}
      </button>
    </Form>
  );
}
