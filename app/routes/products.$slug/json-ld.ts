/** schema.org Product / Offer structured data for the product page. */
import type { ProductPage } from '~/models/catalog.server';

/**
 * JSON for a `<script type="application/ld+json">`: `<`, `>` and `&` become \u escapes, so text
 * such as "</script>" in a product's description cannot end the script element.
 */
export function serializeJsonLd(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Fen as a schema.org price in yuan: 5990 → "59.90". */
export function fenToYuan(fen: number): string {
  return (fen / 100).toFixed(2);
}

export function productJsonLd(page: ProductPage, { url, origin }: { url: string; origin: string }): string {
  const { product, variants, images, gi, cooperative } = page;
  return serializeJsonLd({
    '@context': 'https://schema.org',
    '@type': 'Product',
    name: product.title,
    description: product.description || undefined,
    sku: product.slug,
    url,
    image: images.length > 0 ? images.map((image) => `${origin}/uploads/${image.path}`) : undefined,
    countryOfOrigin: { '@type': 'Country', name: 'CN' },
    // Only a GI whose badge holds is stated as the product's brand.
    brand: gi?.badge ? { '@type': 'Brand', name: gi.name } : undefined,
    manufacturer: { '@type': 'Organization', name: cooperative.legalName },
    offers: variants.map((variant) => ({
      '@type': 'Offer',
      sku: `${product.slug}-${variant.id}`,
      name: variant.spec,
      url,
      price: fenToYuan(variant.priceFen),
      priceCurrency: 'CNY',
      availability: variant.stock > 0 ? 'https://schema.org/InStock' : 'https://schema.org/OutOfStock',
      itemCondition: 'https://schema.org/NewCondition',
    })),
  });
}
