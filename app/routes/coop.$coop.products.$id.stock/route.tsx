import { getFormProps, getInputProps, useForm, type SubmissionResult } from '@conform-to/react';
import { parseWithZod } from '~/utils/parse-form';
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import { Field, FormErrors } from '~/components/forms';
import { adjustStock, listStockAdjustments } from '~/models/products.server';
import { requirePortalProduct } from '~/routes/coop.$coop/access.server';
import { productPath } from '~/routes/coop.$coop/paths';
import { replyWithRefusal } from '~/routes/coop.$coop/form-errors.server';
import { withNotice } from '~/routes/coop.$coop/notice';
import { SelectField } from '~/routes/coop.$coop/product-fields';

export const handle = { i18n: ['coop'] };

const adjustSchema = z.object({
  variantId: z.number({ required_error: 'coop:errors.required' }).int().positive(),
  delta: z
    .number({ required_error: 'coop:errors.required', invalid_type_error: 'coop:errors.wholeNumber' })
    .int('coop:errors.wholeNumber')
    .min(-1_000_000, 'coop:errors.tooLarge')
    .max(1_000_000, 'coop:errors.tooLarge')
    .refine((d) => d !== 0, 'coop:stock.zeroDelta'),
  reason: z.string({ required_error: 'coop:stock.reasonRequired' }).trim().min(2, 'coop:stock.reasonRequired').max(200, 'coop:errors.tooLong'),
});

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { cooperative, detail, productId } = await requirePortalProduct(request, context.app, params);
  const history = await listStockAdjustments(context.app.db, cooperative.id, productId);
  return {
    variants: detail.variants.map((v) => ({ id: v.id, spec: v.spec, stock: v.stock, active: v.active })),
    history: history.map((h) => ({ ...h, at: h.at.toISOString() })),
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { app } = context;
  const { cooperative, ctx, productId } = await requirePortalProduct(request, app, params);
  const submission = parseWithZod(await request.formData(), { schema: adjustSchema });
  if (submission.status !== 'success') return data(submission.reply(), { status: 400 });
  const { variantId, delta, reason } = submission.value;
  try {
    await adjustStock(app.db, ctx, cooperative.id, productId, variantId, { delta, reason });
  } catch (error) {
    return data(replyWithRefusal(submission, error, ['delta', 'variantId', 'reason']), { status: 400 });
  }
  return redirect(withNotice(productPath(cooperative.slug, productId, 'stock'), 'stockAdjusted'));
}

export default function ProductStock() {
  const { variants, history } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>() as SubmissionResult<string[]> | undefined;
  const { t, i18n } = useTranslation();
  const [form, fields] = useForm<{ variantId: string; delta: string; reason: string }>({ id: 'adjust-stock', lastResult, defaultValue: { variantId: variants.length === 1 ? String(variants[0]!.id) : '' } });
  const dateTime = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'short', timeStyle: 'short', timeZone: 'Asia/Shanghai' });
  return (
    <div className="coop-grid">
      <div>
        <h3>{t('coop:stock.current')}</h3>
        <ul className="coop-rows">
          {variants.map((v) => (
            <li key={v.id}>
              <span>
                {v.spec}
                {v.active ? null : ` (${t('coop:variants.inactive')})`}
              </span>
              <strong>{v.stock}</strong>
            </li>
          ))}
        </ul>
        <h3>{t('coop:stock.history')}</h3>
        {history.length === 0 ? (
          <p>{t('coop:stock.noHistory')}</p>
        ) : (
          <ul className="coop-rows">
            {history.map((h) => (
              <li key={h.id}>
                <span>
                  {dateTime.format(new Date(h.at))} · {h.spec} · {h.reason}
                </span>
                <span>
                  {h.before} → {h.after} ({h.delta > 0 ? `+${h.delta}` : h.delta})
                </span>
              </li>
            ))}
          </ul>
        )}
      </div>
      {variants.length ? (
        // Remounted after each adjustment, so the fields start empty again.
        <Form key={history[0]?.id ?? 0} method="post" className="form coop-form" {...getFormProps(form)}>
          <h3>{t('coop:stock.adjust')}</h3>
          <FormErrors id={form.errorId} errors={form.errors} />
          <SelectField label={t('coop:stock.variant')} field={fields.variantId}>
            <option value="">{t('coop:product.choose')}</option>
            {variants.map((v) => (
              <option key={v.id} value={v.id}>
                {v.spec} ({v.stock})
              </option>
            ))}
          </SelectField>
          <Field label={t('coop:stock.delta')} help={t('coop:stock.deltaHelp')} inputProps={{ ...getInputProps(fields.delta, { type: 'number' }), step: 1 }} errors={fields.delta.errors} />
          <Field label={t('coop:stock.reason')} help={t('coop:stock.reasonHelp')} inputProps={{ ...getInputProps(fields.reason, { type: 'text' }), maxLength: 200 }} errors={fields.reason.errors} />
          <button type="submit" className="button">
            {t('coop:stock.submit')}
          </button>
        </Form>
      ) : (
        <p>{t('coop:variants.empty')}</p>
      )}
    </div>
  );
}
