import { z } from 'zod';
import { LOGISTICS_CAUSES, MAX_ATTACHMENTS, QUANTITY_UNITS, REPORT_KINDS, REPORT_SEVERITIES } from '~/models/reports.server';

const required = (key: string) => ({ required_error: key, invalid_type_error: key });
const enumError = (key: string) => ({ errorMap: () => ({ message: key }) });
const ids = z.array(z.string().regex(/^\d{1,9}$/)).max(100).optional();
/** Mainland mobile or landline, spaces, dashes and a +86 allowed: 7 to 15 digits in all. */
const PHONE = /^\+?[\d\s()-]{7,20}$/;

/**
 * The filing form. `today` (China's date) bounds the deadline. Numbers arrive as text and are
 * coerced by Conform; repeated checkboxes arrive as arrays of ids.
 */
export function reportFormSchema(today: string) {
  const fields = z.object({
    kind: z.enum(REPORT_KINDS, enumError('reports:errors.kindRequired')),
    cause: z.enum(LOGISTICS_CAUSES, enumError('reports:errors.causeRequired')).optional(),
    regionCode: z.string(required('reports:errors.regionRequired')).regex(/^\d{6}$/, 'reports:errors.regionRequired'),
    placeDetail: z.string().trim().max(200, 'reports:errors.tooLong').optional(),
    summary: z.string(required('reports:errors.summaryRequired')).trim().min(1, 'reports:errors.summaryRequired').max(80, 'reports:errors.summaryTooLong'),
    description: z.string().trim().max(4000, 'reports:errors.tooLong').optional(),
    quantityAtRisk: z
      .number(required('reports:errors.quantityInvalid'))
      .int('reports:errors.quantityInvalid')
      .min(0, 'reports:errors.quantityInvalid')
      .max(1_000_000_000, 'reports:errors.quantityInvalid')
      .optional(),
    quantityUnit: z.enum(QUANTITY_UNITS).default('kg'),
    daysUntilLoss: z.number(required('reports:errors.daysInvalid')).int('reports:errors.daysInvalid').min(0, 'reports:errors.daysInvalid').max(365, 'reports:errors.daysInvalid').optional(),
    deadline: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'reports:errors.deadlineInvalid')
      .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'reports:errors.deadlineInvalid')
      .refine((d) => d >= today, 'reports:errors.deadlinePast')
      .optional(),
    severity: z.enum(REPORT_SEVERITIES).default('medium'),
    contactName: z.string(required('reports:errors.contactNameRequired')).trim().min(1, 'reports:errors.contactNameRequired').max(50, 'reports:errors.tooLong'),
    contactPhone: z
      .string(required('reports:errors.contactPhoneRequired'))
      .trim()
      .refine((v) => PHONE.test(v) && v.replace(/\D/g, '').length >= 7 && v.replace(/\D/g, '').length <= 15, 'reports:errors.contactPhoneInvalid'),
    filedForName: z.string().trim().max(80, 'reports:errors.tooLong').optional(),
    cooperativeIds: ids,
    productIds: ids,
    attachments: z.array(z.instanceof(File)).max(MAX_ATTACHMENTS, 'reports:errors.tooManyAttachments').optional(),
  });
  // Checked on its own so the cause is asked for even while other fields are still wrong
  // (an object's refinements run only once all its fields pass).
  const causeRule = z.object({ kind: z.string().optional(), cause: z.string().optional() }).superRefine((value, ctx) => {
    if (value.kind === 'logistics_blocked' && !value.cause) ctx.addIssue({ code: 'custom', path: ['cause'], message: 'reports:errors.causeRequired' });
  });
  return z.intersection(fields, causeRule);
}

export type ReportFormValue = z.output<ReturnType<typeof reportFormSchema>>;
