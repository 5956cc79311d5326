import { getFormProps, getInputProps, useForm, type SubmissionResult } from '@conform-to/react';
import { parseWithZod } from '~/utils/parse-form';
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import { Field, FormErrors } from '~/components/forms';
import { addVariant, updateVariant } from '~/models/products.server';
import { requirePortalProduct } from '~/routes/coop.$coop/access.server';
import { productPath } from '~/routes/coop.$coop/paths';
import { replyWithRefusal } from '~/routes/coop.$coop/form-errors.server';
import { withNotice } from '~/routes/coop.$coop/notice';
import { stockField, variantFields } from '~/routes/coop.$coop/product-schemas';
import { formatFen } from '~/utils/money';

export const handle = { i18n: ['coop'] };

const variantSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('add'), ...variantFields, stock: stockField.optional() }),
  // Save, stop selling or sell again: three buttons of one form.
  z.object({ intent: z.enum(['update', 'deactivate', 'activate']), variantId: z.number().int().positive(), ...variantFields }),
]);

const FIELDS = ['spec', 'price', 'stock', 'weightGrams', 'active'];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { detail } = await requirePortalProduct(request, context.app, params);
  return {
    variants: detail.variants.map((v) => ({ id: v.id, spec: v.spec, priceFen: v.priceFen, stock: v.stock, weightGrams: v.weightGrams, active: v.active })),
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { app } = context;
  const { cooperative, ctx, productId } = await requirePortalProduct(request, app, params);
  const formData = await request.formData();
  const submission = parseWithZod(formData, { schema: variantSchema });
  const formId = formData.get('intent') === 'add' ? 'add-variant' : `variant-${String(formData.get('variantId'))}`;
  if (submission.status !== 'success') return data({ formId, result: submission.reply() }, { status: 400 });
  const v = submission.value;
  try {
    if (v.intent === 'add') {
      await addVariant(app.db, ctx, cooperative.id, productId, { spec: v.spec, priceFen: v.price, stock: v.stock ?? 0, weightGrams: v.weightGrams ?? 0 });
    } else {
      // The model finds the variant by id AND this product AND this cooperative: a forged id changes nothing.
      const active = v.intent === 'update' ? undefined : v.intent === 'activate';
      await updateVariant(app.db, ctx, cooperative.id, productId, v.variantId, { spec: v.spec, priceFen: v.price, weightGrams: v.weightGrams ?? 0, active });
    }
  } catch (error) {
    return data({ formId, result: replyWithRefusal(submission, error, FIELDS) }, { status: 400 });
  }
  return redirect(withNotice(productPath(cooperative.slug, productId, 'variants'), v.intent === 'add' ? 'variantAdded' : 'variantSaved'));
}

type Variant = Awaited<ReturnType<typeof loader>>['variants'][number];
type VariantFormValues = { spec: string; price: string; stock: string; weightGrams: string };

function useLastResult(formId: string) {
  const actionData = useActionData<typeof action>();
  return actionData?.formId === formId ? (actionData.result as SubmissionResult<string[]>) : undefined;
}

const yuan = (fen: number) => (fen / 100).toFixed(2);

function VariantForm({ variant }: { variant: Variant }) {
  const { t, i18n } = useTranslation();
  const formId = `variant-${variant.id}`;
  const [form, fields] = useForm<VariantFormValues>({
    id: formId,
    lastResult: useLastResult(formId),
    defaultValue: { spec: variant.spec, price: yuan(variant.priceFen), weightGrams: String(variant.weightGrams) },
  });
  return (
    <Form method="post" className={`form coop-variant${variant.active ? '' : ' coop-variant--inactive'}`} {...getFormProps(form)}>
      <FormErrors id={form.errorId} errors={form.errors} />
      <input type="hidden" name="variantId" value={variant.id} />
      <p className="coop-variant__summary">
        {t('coop:variants.stockNow', { count: variant.stock })} · {formatFen(variant.priceFen, i18n.language)}
        {variant.active ? null : <span className="badge"> {t('coop:variants.inactive')}</span>}
      </p>
      <Field label={t('coop:variants.spec')} inputProps={{ ...getInputProps(fields.spec, { type: 'text' }), maxLength: 60 }} errors={fields.spec.errors} />
      <Field label={t('coop:variants.price')} inputProps={{ ...getInputProps(fields.price, { type: 'text' }), inputMode: 'decimal' }} errors={fields.price.errors} />
      <Field label={t('coop:variants.weight')} inputProps={{ ...getInputProps(fields.weightGrams, { type: 'number' }), min: 0, step: 1 }} errors={fields.weightGrams.errors} />
      <div className="coop-actions">
        <button type="submit" name="intent" value="update" className="button">
          {t('coop:actions.save')}
        </button>
        <button type="submit" name="intent" value={variant.active ? 'deactivate' : 'activate'} className="button button--secondary">
          {variant.active ? t('coop:variants.deactivate') : t('coop:variants.activate')}
        </button>
      </div>
    </Form>
  );
}

function AddVariantForm() {
  const { t } = useTranslation();
  const [form, fields] = useForm<VariantFormValues>({ id: 'add-variant', lastResult: useLastResult('add-variant') });
  return (
    <Form method="post" className="form coop-form" {...getFormProps(form)}>
      <h3>{t('coop:variants.add')}</h3>
      <FormErrors id={form.errorId} errors={form.errors} />
      <Field label={t('coop:variants.spec')} help={t('coop:variants.specHelp')} inputProps={{ ...getInputProps(fields.spec, { type: 'text' }), maxLength: 60 }} errors={fields.spec.errors} />
      <Field label={t('coop:variants.price')} inputProps={{ ...getInputProps(fields.price, { type: 'text' }), inputMode: 'decimal', placeholder: '129.50' }} errors={fields.price.errors} />
      <Field label={t('coop:variants.stock')} inputProps={{ ...getInputProps(fields.stock, { type: 'number' }), min: 0, step: 1 }} errors={fields.stock.errors} />
      <Field label={t('coop:variants.weight')} inputProps={{ ...getInputProps(fields.weightGrams, { type: 'number' }), min: 0, step: 1 }} errors={fields.weightGrams.errors} />
      <button type="submit" name="intent" value="add" className="button">
        {t('coop:variants.add')}
      </button>
    </Form>
  );
}

export default function ProductVariants() {
  const { variants } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  return (
    <div className="coop-grid">
      <div>
        <h3>{t('coop:variants.title')}</h3>
        {variants.length === 0 ? <p>{t('coop:variants.empty')}</p> : variants.map((v) => <VariantForm key={v.id} variant={v} />)}
        <p className="field-help">{t('coop:variants.stockHelp')}</p>
      </div>
      {/* A new key after each added variant starts the form empty again. */}
      <AddVariantForm key={variants.length} />
    </div>
  );
}
