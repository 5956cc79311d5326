import { getFormProps, getInputProps, useForm, type SubmissionResult } from '@conform-to/react';
import { parseWithZod } from '~/utils/parse-form';
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import { Field, FormErrors } from '~/components/forms';
import { addProductImage, deleteProductImage, moveProductImage } from '~/models/products.server';
import { requirePortalProduct } from '~/routes/coop.$coop/access.server';
import { productPath } from '~/routes/coop.$coop/paths';
import { replyWithRefusal } from '~/routes/coop.$coop/form-errors.server';
import { withNotice, type NoticeKey } from '~/routes/coop.$coop/notice';
import { IMAGE_MAX_BYTES, parseMultipartForm, UploadError } from '~/utils/uploads.server';

export const handle = { i18n: ['coop'] };

const imageSchema = z.discriminatedUnion('intent', [
  z.object({
    intent: z.literal('upload'),
    image: z.instanceof(File, { message: 'coop:uploadErrors.empty' }).refine((f) => f.size > 0, 'coop:uploadErrors.empty'),
    alt: z.string().trim().max(120, 'coop:errors.tooLong').optional(),
  }),
  z.object({ intent: z.enum(['delete', 'up', 'down']), imageId: z.number().int().positive() }),
]);

const NOTICE: Record<string, NoticeKey> = { upload: 'imageAdded', delete: 'imageDeleted', up: 'imageMoved', down: 'imageMoved' };

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { detail } = await requirePortalProduct(request, context.app, params);
  return { images: detail.images.map((i) => ({ id: i.id, path: i.path, alt: i.alt, width: i.width, height: i.height })), maxMegabytes: IMAGE_MAX_BYTES / 1024 / 1024 };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { app } = context;
  const { cooperative, ctx, productId } = await requirePortalProduct(request, app, params);
  let formData: FormData;
  try {
    formData = await parseMultipartForm(request, { maxFileBytes: IMAGE_MAX_BYTES });
  } catch (error) {
    if (!(error instanceof UploadError)) throw error;
    // Too large to read: answer with a form error, as the form would have shown it.
    const result: SubmissionResult<string[]> = { status: 'error', error: { image: [`coop:uploadErrors.${error.code}`] } };
    return data(result, { status: 413 });
  }
  const submission = parseWithZod(formData, { schema: imageSchema });
  if (submission.status !== 'success') return data(submission.reply({ hideFields: ['image'] }), { status: 400 });
  const v = submission.value;
  try {
    if (v.intent === 'upload') await addProductImage(app.db, ctx, app.env.UPLOAD_DIR, cooperative.id, productId, { file: v.image, alt: v.alt ?? '' });
    else if (v.intent === 'delete') await deleteProductImage(app.db, ctx, app.env.UPLOAD_DIR, cooperative.id, productId, v.imageId);
    else await moveProductImage(app.db, ctx, cooperative.id, productId, v.imageId, v.intent);
  } catch (error) {
    return data(replyWithRefusal(submission, error, ['image', 'alt'], ['image']), { status: 400 });
  }
  return redirect(withNotice(productPath(cooperative.slug, productId, 'images'), NOTICE[v.intent]!));
}

export default function ProductImages() {
  const { images, maxMegabytes } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>() as SubmissionResult<string[]> | undefined;
  const { t } = useTranslation();
  const [form, fields] = useForm<{ image: File; alt: string }>({ id: 'upload-image', lastResult });
  return (
    <div className="coop-grid">
      <div>
        <h3>{t('coop:images.title')}</h3>
        {images.length === 0 ? <p>{t('coop:images.empty')}</p> : null}
        <ol className="coop-images">
          {images.map((image, index) => (
            <li key={image.id} className="coop-image">
              <img src={`/uploads/${image.path.replace(/\.webp$/, '-400w.webp')}`} alt={image.alt} width={200} height={Math.round((200 * image.height) / image.width)} loading="lazy" />
              {index === 0 ? <span className="badge">{t('coop:images.cover')}</span> : null}
              <Form method="post" className="coop-actions">
                <input type="hidden" name="imageId" value={image.id} />
                <button type="submit" name="intent" value="up" className="button button--secondary" disabled={index === 0}>
                  {t('coop:images.up')}
                </button>
                <button type="submit" name="intent" value="down" className="button button--secondary" disabled={index === images.length - 1}>
                  {t('coop:images.down')}
                </button>
                <button type="submit" name="intent" value="delete" className="button button--danger">
                  {t('coop:images.delete')}
                </button>
              </Form>
            </li>
          ))}
        </ol>
      </div>
      <Form key={images.length} method="post" encType="multipart/form-data" className="form coop-form" {...getFormProps(form)}>
        <h3>{t('coop:images.add')}</h3>
        <FormErrors id={form.errorId} errors={form.errors} />
        <Field
          label={t('coop:images.file')}
          help={t('coop:images.help', { max: maxMegabytes })}
          inputProps={{ ...getInputProps(fields.image, { type: 'file' }), accept: 'image/jpeg,image/png,image/webp', required: true }}
          errors={fields.image.errors}
        />
        <Field label={t('coop:images.alt')} inputProps={{ ...getInputProps(fields.alt, { type: 'text' }), maxLength: 120 }} errors={fields.alt.errors} />
        <button type="submit" name="intent" value="upload" className="button">
          {t('coop:images.upload')}
        </button>
      </Form>
    </div>
  );
}
