import { z } from 'zod';
import { isValidCreditCode, withCheckCharacter } from '~/utils/credit-code';

const CREDIT_CODE_SHAPE = /^[0-9A-HJ-NPQRTUWXY]{18}$/;

const required = (message: string, max: number) => z.string({ required_error: message }).trim().min(1, message).max(max, 'onboarding:errors.tooLong');

/** 统一社会信用代码: shape first, then the GB 32100-2015 check character, each with its own message. */
export const creditCodeSchema = z
  .string({ required_error: 'onboarding:errors.creditCodeRequired' })
  .trim()
  .transform((v) => v.replace(/\s+/g, '').toUpperCase())
  .superRefine((code, ctx) => {
    if (!CREDIT_CODE_SHAPE.test(code)) {
      ctx.addIssue({ code: 'custom', message: 'onboarding:errors.creditCodeFormat' });
    } else if (!isValidCreditCode(code)) {
      // Only the last character is wrong when the right one would make the code valid.
      const checksumOnly = isValidCreditCode(withCheckCharacter(code.slice(0, 17)));
      ctx.addIssue({ code: 'custom', message: checksumOnly ? 'onboarding:errors.creditCodeChecksum' : 'onboarding:errors.creditCodeFormat' });
    }
  });

export const registrationSchema = z.object({
  legalName: required('onboarding:errors.legalNameRequired', 100),
  creditCode: creditCodeSchema,
  regionCode: z.string({ required_error: 'onboarding:errors.regionRequired' }).regex(/^\d{6}$/, 'onboarding:errors.regionRequired'),
  address: required('onboarding:errors.addressRequired', 200),
  legalRepresentative: required('onboarding:errors.legalRepresentativeRequired', 40),
  businessScope: required('onboarding:errors.businessScopeRequired', 1000),
  contactName: required('onboarding:errors.contactNameRequired', 40),
  contactPhone: z
    .string({ required_error: 'onboarding:errors.contactPhoneRequired' })
    .trim()
    .regex(/^\+?[0-9][0-9\s()-]{5,19}$/, 'onboarding:errors.contactPhoneInvalid'),
  contactEmail: z.string().trim().toLowerCase().email('onboarding:errors.emailInvalid').max(254, 'onboarding:errors.tooLong').optional(),
  description: z.string().trim().max(2000, 'onboarding:errors.tooLong').optional(),
});
