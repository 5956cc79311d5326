import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import { CLAIM_MAX_PHOTOS, CLAIM_PHOTO_MAX_BYTES, CLAIM_REASONS, fileClaim, getClaimableParts } from '~/models/claims.server';
import { requireUser } from '~/utils/auth.server';
import { notFound } from '~/utils/http.server';
import { formatFen, parseYuanToFen } from '~/utils/money';
import { parseMultipartForm, UploadError } from '~/utils/uploads.server';
import { refuseNul } from '~/utils/parse-form';

export const handle = { i18n: ['coop'] };

const schema = z.object({
  cooperativeOrderId: z.string().uuid(),
  reason: z.enum(CLAIM_REASONS),
  description: z.string().trim().max(1000).default(''),
  amount: z.string().transform((v) => parseYuanToFen(v) ?? 0),
});

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context.app);
  const claimable = await getClaimableParts(context.app.db, user.id, params.id ?? '', context.app.now());
  if (!claimable) notFound();
  return claimable;
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { app } = context;
  const user = await requireUser(request, app);
  const orderId = params.id ?? '';
  if (!(await getClaimableParts(app.db, user.id, orderId, app.now()))) notFound();
  let form: FormData;
  try {
    form = await parseMultipartForm(request, { maxFileBytes: CLAIM_PHOTO_MAX_BYTES, maxFiles: CLAIM_MAX_PHOTOS });
  } catch (error) {
    if (error instanceof UploadError) return data({ error: 'coop:fulfilment.claimErrors.bad_photo', amount: '' }, { status: 400 });
    throw error;
  }
  const parsed = schema.safeParse(Object.fromEntries([...refuseNul(form).entries()].filter(([k]) => k !== 'photos')));
  if (!parsed.success || parsed.data.amount <= 0) return data({ error: 'coop:fulfilment.errors.invalid_amount', amount: '' }, { status: 400 });
  const photos = form.getAll('photos').filter((p): p is File => typeof p !== 'string');
  const result = await fileClaim(app.db, app.env.UPLOAD_DIR, {
    orderId,
    cooperativeOrderId: parsed.data.cooperativeOrderId,
    userId: user.id,
    reason: parsed.data.reason,
    description: parsed.data.description,
    amountFen: parsed.data.amount,
    photos,
    now: app.now(),
    baseUrl: app.env.PUBLIC_URL ?? new URL(request.url).origin,
  });
  if (!result.ok) {
    if (result.problem === 'not_found') notFound();
    return data({ error: `coop:fulfilment.claimErrors.${result.problem}`, amount: result.refundableFen !== undefined ? formatFen(result.refundableFen) : '' }, { status: 400 });
  }
  return redirect(`/orders/${orderId}?claim=filed`);
}

export default function NewClaim() {
  const { order, parts } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t, i18n } = useTranslation();
  return (
    <main className="prose">
      <h1>{t('coop:fulfilment.claims.fileTitle', { number: order.number })}</h1>
      {parts.length === 0 ? (
        <p>{t('coop:fulfilment.claims.noParts')}</p>
      ) : (
        <Form method="post" encType="multipart/form-data" className="form">
          {actionData ? <p className="form-error">{t(actionData.error, { amount: actionData.amount, reason: '' })}</p> : null}
          <div className="field">
            <label htmlFor="cooperativeOrderId">{t('coop:fulfilment.claims.part')}</label>
            <select id="cooperativeOrderId" name="cooperativeOrderId" required>
              {parts.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.cooperativeName} ({t('coop:fulfilment.claims.refundable', { amount: formatFen(p.refundableFen, i18n.language) })})
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="reason">{t('coop:fulfilment.claims.reason')}</label>
            <select id="reason" name="reason" required>
              {CLAIM_REASONS.map((r) => (
                <option key={r} value={r}>
                  {t(`coop:fulfilment.claims.reasons.${r}`)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="amount">{t('coop:fulfilment.claims.amount')}</label>
            <input id="amount" name="amount" inputMode="decimal" required />
          </div>
          <div className="field">
            <label htmlFor="description">{t('coop:fulfilment.claims.description')}</label>
            <textarea id="description" name="description" maxLength={1000} />
          </div>
          <div className="field">
            <label htmlFor="photos">{t('coop:fulfilment.claims.photos')}</label>
            <input id="photos" name="photos" type="file" accept="image/jpeg,image/png,image/webp" multiple required />
            <p>{t('coop:fulfilment.claims.photosHint')}</p>
          </div>
          <button type="submit" className="button">
            {t('coop:fulfilment.claims.submit')}
          </button>
        </Form>
      )}
    </main>
  );
}
