/** Zod pieces the admin forms share. Messages are i18n keys. */
import { z } from 'zod';
import { parseAccount } from '~/models/user.server';

export const regionCodeSchema = z
  .string({ required_error: 'admin:errors.regionCode' })
  .trim()
  .regex(/^\d{6}$/, 'admin:errors.regionCode');

export const slugSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(60, 'admin:errors.tooLong')
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'admin:errors.slug');

export const accountSchema = z
  .string({ required_error: 'admin:errors.account' })
  .trim()
  .refine((v) => parseAccount(v) !== null, 'admin:errors.account');

export const requiredText = (max: number, message = 'admin:errors.required') =>
  z.string({ required_error: message }).trim().min(1, message).max(max, 'admin:errors.tooLong');

export const associationSchema = z.object({
  name: requiredText(100),
  slug: slugSchema.optional(),
  regionCode: regionCodeSchema,
  description: z.string().trim().max(2000, 'admin:errors.tooLong').optional(),
});

export const ASSOCIATION_SAVE_ERRORS = { slug_taken: ['slug', 'admin:errors.slugTaken'], region_invalid: ['regionCode', 'admin:errors.regionCode'] } as const;
