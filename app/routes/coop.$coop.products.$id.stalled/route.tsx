import { getFormProps, getInputProps, getTextareaProps, useForm, type SubmissionResult } from '@conform-to/react';
import { parseWithZod } from '~/utils/parse-form';
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import { Field, FormErrors, TextareaField } from '~/components/forms';
import { clearStalledStock, declareStalledStock } from '~/models/products.server';
import { chinaDate } from '~/utils/dates';
import { requirePortalProduct } from '~/routes/coop.$coop/access.server';
import { productPath } from '~/routes/coop.$coop/paths';
import { replyWithRefusal } from '~/routes/coop.$coop/form-errors.server';
import { withNotice } from '~/routes/coop.$coop/notice';
import { SelectField } from '~/routes/coop.$coop/product-fields';
import { STALLED_UNITS } from '~/routes/coop.$coop/product-schemas';

export const handle = { i18n: ['coop'] };

const isoDate = z.string({ required_error: 'coop:errors.required' }).regex(/^\d{4}-\d{2}-\d{2}$/, 'coop:errors.date').refine(isCalendarDate, 'coop:errors.date');

/** A real day (not 2020-02-30), written YYYY-MM-DD. */
function isCalendarDate(d: string): boolean {
  const time = Date.parse(`${d}T00:00:00Z`);
  return /^\d{4}-\d{2}-\d{2}$/.test(d) && !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === d;
}

const stalledSchema = z.discriminatedUnion('intent', [
  z.object({
    intent: z.literal('declare'),
    quantity: z.number({ required_error: 'coop:errors.required', invalid_type_error: 'coop:errors.wholeNumber' }).int('coop:errors.wholeNumber').min(1, 'coop:errors.wholeNumber').max(100_000_000, 'coop:errors.tooLarge'),
    unit: z.enum(STALLED_UNITS, { errorMap: () => ({ message: 'coop:errors.required' }) }),
    since: isoDate,
    sellBefore: isoDate,
    reason: z.string().trim().max(500, 'coop:errors.tooLong').optional(),
  }),
  z.object({ intent: z.literal('clear') }),
]);

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { detail } = await requirePortalProduct(request, context.app, params);
  const s = detail.stalled;
  return {
    open: Boolean(s),
    today: chinaDate(context.app.now()),
    defaults: s ? { quantity: String(s.quantity), unit: s.unit, since: s.since, sellBefore: s.sellBefore, reason: s.reason } : { unit: 'kg', since: chinaDate(context.app.now()) },
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { app } = context;
  const { cooperative, ctx, productId } = await requirePortalProduct(request, app, params);
  const submission = parseWithZod(await request.formData(), { schema: stalledSchema });
  if (submission.status !== 'success') return data(submission.reply(), { status: 400 });
  const v = submission.value;
  try {
    if (v.intent === 'clear') await clearStalledStock(app.db, ctx, cooperative.id, productId);
    else await declareStalledStock(app.db, ctx, cooperative.id, productId, { quantity: v.quantity, unit: v.unit, since: v.since, sellBefore: v.sellBefore, reason: v.reason ?? '' });
  } catch (error) {
    return data(replyWithRefusal(submission, error, ['quantity', 'unit', 'since', 'sellBefore', 'reason']), { status: 400 });
  }
  return redirect(withNotice(productPath(cooperative.slug, productId, 'stalled'), v.intent === 'clear' ? 'stalledCleared' : 'stalledDeclared'));
}

export default function ProductStalledStock() {
  const { open, today, defaults } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>() as SubmissionResult<string[]> | undefined;
  const { t } = useTranslation();
  const [form, fields] = useForm({ id: 'stalled-stock', lastResult, defaultValue: defaults });
  return (
    <Form method="post" className="form coop-form" {...getFormProps(form)}>
      <h3>{open ? t('coop:stalled.editTitle') : t('coop:stalled.declareTitle')}</h3>
      <p className="field-help">{t('coop:stalled.intro')}</p>
      <FormErrors id={form.errorId} errors={form.errors} />
      <Field label={t('coop:stalled.quantity')} inputProps={{ ...getInputProps(fields.quantity, { type: 'number' }), min: 1, step: 1 }} errors={fields.quantity.errors} />
      <SelectField label={t('coop:stalled.unit')} field={fields.unit}>
        {STALLED_UNITS.map((u) => (
          <option key={u} value={u}>
            {u}
          </option>
        ))}
      </SelectField>
      <Field label={t('coop:stalled.since')} inputProps={{ ...getInputProps(fields.since, { type: 'date' }), max: today }} errors={fields.since.errors} />
      <Field label={t('coop:stalled.sellBefore')} help={t('coop:stalled.sellBeforeHelp')} inputProps={{ ...getInputProps(fields.sellBefore, { type: 'date' }), min: today }} errors={fields.sellBefore.errors} />
      <TextareaField label={t('coop:stalled.reason')} textareaProps={{ ...getTextareaProps(fields.reason), rows: 3, maxLength: 500 }} errors={fields.reason.errors} />
      <div className="coop-actions">
        <button type="submit" name="intent" value="declare" className="button">
          {open ? t('coop:stalled.update') : t('coop:stalled.declare')}
        </button>
        {open ? (
          <button type="submit" name="intent" value="clear" formNoValidate className="button button--secondary">
            {t('coop:stalled.clear')}
          </button>
        ) : null}
      </div>
    </Form>
  );
}
