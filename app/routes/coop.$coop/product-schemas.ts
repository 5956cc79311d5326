/**
 * Zod schemas of the portal's product forms, parsed on the server with Conform. Messages are
 * i18n keys (coop namespace) that the form components translate.
 */
import { z } from 'zod';
import { parseYuanToFen } from '~/utils/money';

// Kept in step with PRODUCT_LIMITS in products.server.ts (this file also reaches the browser).
const LIMITS = { titleMax: 80, descriptionMax: 5000, shippingNoteMax: 500, specMax: 60, priceFenMax: 10_000_000, stockMax: 1_000_000, weightGramsMax: 1_000_000 };

const text = (max: number) => z.string().trim().max(max, 'coop:errors.tooLong');
const requiredText = (max: number) => z.string({ required_error: 'coop:errors.required' }).trim().min(1, 'coop:errors.required').max(max, 'coop:errors.tooLong');
const wholeNumber = (max: number) =>
  z
    .number({ required_error: 'coop:errors.required', invalid_type_error: 'coop:errors.wholeNumber' })
    .int('coop:errors.wholeNumber')
    .min(0, 'coop:errors.wholeNumber')
    .max(max, 'coop:errors.tooLarge');

/** "129.50" yuan → 12950 fen. */
export const yuanSchema = z.string({ required_error: 'coop:errors.required' }).transform((value, ctx) => {
  const fen = parseYuanToFen(value.replace(/^[¥￥]/, ''));
  if (fen === null || fen <= 0 || fen > LIMITS.priceFenMax) {
    ctx.addIssue({ code: 'custom', message: 'coop:errors.price' });
    return z.NEVER;
  }
  return fen;
});

export const productFields = {
  title: requiredText(LIMITS.titleMax),
  titleEn: text(LIMITS.titleMax).optional(),
  categorySlug: z.string({ required_error: 'coop:errors.required' }),
  giId: z.number({ invalid_type_error: 'coop:errors.required' }).int().positive().optional(),
  originRegionCode: z.string({ required_error: 'coop:errors.required' }).trim().regex(/^\d{6}$/, 'coop:errors.regionCode'),
  description: text(LIMITS.descriptionMax).optional(),
  shippingNote: text(LIMITS.shippingNoteMax).optional(),
};

export const variantFields = {
  spec: requiredText(LIMITS.specMax),
  price: yuanSchema,
  weightGrams: wholeNumber(LIMITS.weightGramsMax).optional(),
};

export const stockField = wholeNumber(LIMITS.stockMax);

/** Units offered for stalled stock. */
export const STALLED_UNITS = ['kg', '斤', '吨', '箱', '件', '株', '尾', '只'] as const;

export const newProductSchema = z.object({
  ...productFields,
  slug: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'coop:errors.slug_invalid')
    .min(3, 'coop:errors.slug_invalid')
    .max(80, 'coop:errors.slug_invalid')
    .optional(),
  spec: variantFields.spec,
  price: variantFields.price,
  stock: stockField.optional(),
  weightGrams: variantFields.weightGrams,
});

/** The product's fields as the model takes them. */
export function toProductInput(value: {
  title: string;
  titleEn?: string;
  categorySlug: string;
  giId?: number;
  originRegionCode: string;
  description?: string;
  shippingNote?: string;
}) {
  return {
    title: value.title,
    titleEn: value.titleEn || null,
    categorySlug: value.categorySlug,
    giId: value.giId ?? null,
    originRegionCode: value.originRegionCode,
    description: value.description ?? '',
    shippingNote: value.shippingNote ?? '',
  };
}
