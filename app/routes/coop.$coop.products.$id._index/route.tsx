import { getFormProps, useForm, type SubmissionResult } from '@conform-to/react';
import { parseWithZod } from '~/utils/parse-form';
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import { FormErrors } from '~/components/forms';
import { getProductFormChoices, setProductStatus, updateProduct, type ProductStatus } from '~/models/products.server';
import { requirePortalProduct } from '~/routes/coop.$coop/access.server';
import { productPath } from '~/routes/coop.$coop/paths';
import { replyWithRefusal } from '~/routes/coop.$coop/form-errors.server';
import { withNotice, type NoticeKey } from '~/routes/coop.$coop/notice';
import { ProductFields } from '~/routes/coop.$coop/product-fields';
import { productFields, toProductInput } from '~/routes/coop.$coop/product-schemas';

export const handle = { i18n: ['coop'] };

const editSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.enum(['save', 'save-publish']), ...productFields }),
  z.object({ intent: z.enum(['publish', 'unpublish', 'archive', 'restore']) }),
]);

const STATUS_OF: Record<string, { status: ProductStatus; notice: NoticeKey }> = {
  'save-publish': { status: 'published', notice: 'published' },
  publish: { status: 'published', notice: 'published' },
  unpublish: { status: 'draft', notice: 'unpublished' },
  archive: { status: 'archived', notice: 'archived' },
  restore: { status: 'draft', notice: 'restored' },
};

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { cooperative, detail } = await requirePortalProduct(request, context.app, params);
  const { product } = detail;
  const choices = await getProductFormChoices(context.app.db, cooperative.id, product);
  return {
    choices,
    status: product.status,
    verified: cooperative.verificationStatus === 'verified',
    defaults: {
      title: product.title,
      titleEn: product.titleEn ?? '',
      categorySlug: product.categorySlug,
      giId: product.giId ?? undefined,
      originRegionCode: product.originRegionCode,
      description: product.description,
      shippingNote: product.shippingNote,
    },
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { app } = context;
  const { cooperative, ctx, productId } = await requirePortalProduct(request, app, params);
  const submission = parseWithZod(await request.formData(), { schema: editSchema });
  if (submission.status !== 'success') return data(submission.reply(), { status: 400 });
  const value = submission.value;
  const change = STATUS_OF[value.intent];
  try {
    if (value.intent === 'save' || value.intent === 'save-publish') {
      await updateProduct(app.db, ctx, cooperative.id, productId, toProductInput(value), { status: change?.status });
    } else {
      await setProductStatus(app.db, ctx, cooperative.id, productId, change!.status);
    }
  } catch (error) {
    const reply = replyWithRefusal(submission, error, Object.keys(productFields));
    // A refused status change must not reset the details form to the status form's (empty) values.
    if (value.intent !== 'save' && value.intent !== 'save-publish') delete reply.initialValue;
    return data(reply, { status: 400 });
  }
  return redirect(withNotice(productPath(cooperative.slug, productId), change?.notice ?? 'saved'));
}

export default function EditProduct() {
  const { choices, defaults, status, verified } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>() as SubmissionResult<string[]> | undefined;
  const { t } = useTranslation();
  const [form, fields] = useForm<{ intent: string } & typeof defaults>({ id: 'edit-product', lastResult, defaultValue: defaults, shouldRevalidate: 'onBlur' });
  const statusButtons: { intent: string; label: string; secondary?: boolean }[] =
    status === 'draft'
      ? [...(verified ? [{ intent: 'publish', label: t('coop:actions.publish') }] : []), { intent: 'archive', label: t('coop:actions.archive'), secondary: true }]
      : status === 'published'
        ? [
            { intent: 'unpublish', label: t('coop:actions.unpublish'), secondary: true },
            { intent: 'archive', label: t('coop:actions.archive'), secondary: true },
          ]
        : [{ intent: 'restore', label: t('coop:actions.restore'), secondary: true }];
  return (
    <>
      <Form method="post" className="form coop-form" {...getFormProps(form)}>
        <FormErrors id={form.errorId} errors={form.errors} />
        <ProductFields fields={fields} choices={choices} />
        <div className="coop-actions">
          <button type="submit" name="intent" value="save" className="button">
            {t('coop:actions.save')}
          </button>
          {status === 'draft' && verified ? (
            <button type="submit" name="intent" value="save-publish" className="button button--secondary">
              {t('coop:actions.saveAndPublish')}
            </button>
          ) : null}
        </div>
      </Form>
      <Form method="post" className="coop-status-form">
        <h3>{t('coop:product.statusTitle', { status: t(`coop:status.${status}`) })}</h3>
        {!verified && status !== 'published' ? <p className="form-notice coop-notice--warning">{t('coop:verification.draftsOnly')}</p> : null}
        <div className="coop-actions">
          {statusButtons.map((b) => (
            <button key={b.intent} type="submit" name="intent" value={b.intent} className={b.secondary ? 'button button--secondary' : 'button'}>
              {b.label}
            </button>
          ))}
        </div>
      </Form>
    </>
  );
}
