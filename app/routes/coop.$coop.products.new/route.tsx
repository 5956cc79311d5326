import { getFormProps, getInputProps, useForm, type SubmissionResult } from '@conform-to/react';
import { parseWithZod } from '~/utils/parse-form';
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import type { z } from 'zod';
import { Field, FormErrors } from '~/components/forms';
import { createProduct, getProductFormChoices } from '~/models/products.server';
import { requirePortalAccess } from '~/routes/coop.$coop/access.server';
import { productPath } from '~/routes/coop.$coop/paths';
import { replyWithRefusal } from '~/routes/coop.$coop/form-errors.server';
import { withNotice } from '~/routes/coop.$coop/notice';
import { ProductFields } from '~/routes/coop.$coop/product-fields';
import { newProductSchema, toProductInput } from '~/routes/coop.$coop/product-schemas';

export const handle = { i18n: ['coop'] };

const FIELDS = Object.keys(newProductSchema.shape);

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { cooperative } = await requirePortalAccess(request, context.app, params);
  const choices = await getProductFormChoices(context.app.db, cooperative.id, { giId: null, originRegionCode: cooperative.regionCode });
  return { choices, defaults: { originRegionCode: cooperative.regionCode }, verified: cooperative.verificationStatus === 'verified' };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { app } = context;
  const { cooperative, ctx } = await requirePortalAccess(request, app, params);
  const formData = await request.formData();
  const submission = parseWithZod(formData, { schema: newProductSchema });
  if (submission.status !== 'success') return data(submission.reply(), { status: 400 });
  const v = submission.value;
  const publish = formData.get('intent') === 'publish';
  try {
    const { id } = await createProduct(app.db, ctx, cooperative.id, {
      ...toProductInput(v),
      slug: v.slug ?? null,
      status: publish ? 'published' : 'draft',
      firstVariant: { spec: v.spec, priceFen: v.price, stock: v.stock ?? 0, weightGrams: v.weightGrams ?? 0 },
    });
    return redirect(withNotice(productPath(cooperative.slug, id), publish ? 'published' : 'created'));
  } catch (error) {
    return data(replyWithRefusal(submission, error, FIELDS), { status: 400 });
  }
}

export default function NewProduct() {
  const { choices, defaults, verified } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>() as SubmissionResult<string[]> | undefined;
  const { t } = useTranslation();
  const [form, fields] = useForm<z.input<typeof newProductSchema>>({ id: 'new-product', lastResult, defaultValue: defaults, shouldRevalidate: 'onBlur' });
  return (
    <section>
      <h2>{t('coop:products.new')}</h2>
      <Form method="post" className="form coop-form" {...getFormProps(form)}>
        <FormErrors id={form.errorId} errors={form.errors} />
        <ProductFields fields={fields} choices={choices} />
        <Field
          label={t('coop:product.slug')}
          help={t('coop:product.slugHelp')}
          inputProps={{ ...getInputProps(fields.slug, { type: 'text' }), maxLength: 80, autoCapitalize: 'none', spellCheck: false }}
          errors={fields.slug.errors}
        />
        <fieldset className="coop-fieldset">
          <legend>{t('coop:variants.first')}</legend>
          <Field label={t('coop:variants.spec')} help={t('coop:variants.specHelp')} inputProps={{ ...getInputProps(fields.spec, { type: 'text' }), maxLength: 60 }} errors={fields.spec.errors} />
          <Field label={t('coop:variants.price')} inputProps={{ ...getInputProps(fields.price, { type: 'text' }), inputMode: 'decimal', placeholder: '129.50' }} errors={fields.price.errors} />
          <Field label={t('coop:variants.stock')} inputProps={{ ...getInputProps(fields.stock, { type: 'number' }), min: 0, step: 1 }} errors={fields.stock.errors} />
          <Field label={t('coop:variants.weight')} inputProps={{ ...getInputProps(fields.weightGrams, { type: 'number' }), min: 0, step: 1 }} errors={fields.weightGrams.errors} />
        </fieldset>
        <div className="coop-actions">
          <button type="submit" name="intent" value="draft" className="button button--secondary">
            {t('coop:actions.saveDraft')}
          </button>
          {verified ? (
            <button type="submit" name="intent" value="publish" className="button">
              {t('coop:actions.saveAndPublish')}
            </button>
          ) : null}
        </div>
        {verified ? null : <p className="form-notice coop-notice--warning">{t('coop:verification.draftsOnly')}</p>}
      </Form>
    </section>
  );
}
