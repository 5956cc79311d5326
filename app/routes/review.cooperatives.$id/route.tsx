import { getFormProps, getTextareaProps, useForm, type SubmissionResult } from '@conform-to/react';
import { parseWithZod } from '~/utils/parse-form';
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import { FormErrors, TextareaField } from '~/components/forms';
import { decideCooperative, emailBaseUrl, getCooperativeForReview } from '~/models/cooperatives.server';
import { forbidden, notFound } from '~/utils/http.server';
import { DateTime, Notice, StatusBadge, useFormId } from '../admin/ui';
import { idParam, requireReviewer } from '../review/access.server';

export const handle = { i18n: ['onboarding'] };

const schema = z
  .object({
    intent: z.enum(['verify', 'reject', 'suspend']),
    reason: z.string().trim().max(500, 'onboarding:errors.tooLong').optional(),
  })
  .superRefine((value, ctx) => {
    if (value.intent !== 'verify' && !value.reason) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'onboarding:errors.reasonRequired' });
  });

const NEXT_DECISIONS = { pending: ['verify', 'reject'], verified: ['suspend'], rejected: ['verify'], suspended: ['verify'] } as const;

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireReviewer(request, context.app);
  const id = idParam(params.id);
  const review = id === null ? null : await getCooperativeForReview(context.app.db, user, id);
  if (!review) notFound();
  if (!review.canDecide) forbidden();
  const { cooperative: c, regionLabel, members } = review;
  return {
    cooperative: {
      id: c.id,
      legalName: c.legalName,
      creditCode: c.creditCode,
      regionLabel,
      address: c.address,
      legalRepresentative: c.legalRepresentative,
      businessScope: c.businessScope,
      contactName: c.contactName,
      contactPhone: c.contactPhone,
      contactEmail: c.contactEmail,
      description: c.description,
      status: c.verificationStatus,
      note: c.verificationNote,
      createdAt: c.createdAt.toISOString(),
      verifiedAt: c.verifiedAt?.toISOString() ?? null,
    },
    owners: members.filter((m) => m.role === 'owner').map((m) => m.displayName),
    decisions: NEXT_DECISIONS[c.verificationStatus],
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { app } = context;
  const user = await requireReviewer(request, app);
  const id = idParam(params.id);
  if (id === null) notFound();
  const submission = parseWithZod(await request.formData(), { schema });
  if (submission.status !== 'success') return data(submission.reply(), { status: 400 });
  const result = await decideCooperative(app.db, {
    actor: user,
    cooperativeId: id,
    decision: submission.value.intent,
    reason: submission.value.reason ?? '',
    now: app.now(),
    baseUrl: emailBaseUrl(app.env, request),
  });
  if (!result.ok) {
    if (result.error === 'not_found') notFound();
    if (result.error === 'forbidden') forbidden();
    return data(submission.reply({ formErrors: ['onboarding:errors.staleDecision'] }), { status: 409 });
  }
  return redirect(`/review/cooperatives/${id}?decided=${submission.value.intent}`);
}

export default function ReviewCooperative() {
  const { cooperative: c, owners, decisions } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>() as SubmissionResult<string[]> | undefined;
  const [searchParams] = useSearchParams();
  const { t } = useTranslation();
  const [form, fields] = useForm<z.input<typeof schema>>({ id: useFormId('decide-cooperative'), lastResult });
  const rows: [string, string | null][] = [
    ['creditCode', c.creditCode],
    ['region', c.regionLabel],
    ['address', c.address],
    ['legalRepresentative', c.legalRepresentative],
    ['businessScope', c.businessScope],
    ['contactName', c.contactName],
    ['contactPhone', c.contactPhone],
    ['contactEmail', c.contactEmail],
    ['description', c.description],
  ];
  return (
    <section>
      <h1>{c.legalName}</h1>
      {searchParams.get('decided') ? <Notice>{t('onboarding:review.decided')}</Notice> : null}
      <p>
        <StatusBadge status={c.status} /> · {t('onboarding:review.registeredAt')} <DateTime value={c.createdAt} />
      </p>
      {c.note ? <p>{t('onboarding:gi.reason', { reason: c.note })}</p> : null}
      <dl className="details">
        {rows.map(([key, value]) => (
          <div key={key}>
            <dt>{t(`onboarding:review.field.${key}`)}</dt>
            <dd>{value || '—'}</dd>
          </div>
        ))}
        <div>
          <dt>{t('onboarding:review.owners')}</dt>
          <dd>{owners.join('、') || '—'}</dd>
        </div>
      </dl>
      <h2>{t('onboarding:review.decision')}</h2>
      <Form method="post" className="form" {...getFormProps(form)}>
        <FormErrors id={form.errorId} errors={form.errors} />
        <TextareaField
          label={t('onboarding:review.reason')}
          textareaProps={{ ...getTextareaProps(fields.reason), rows: 3, maxLength: 500 }}
          errors={fields.reason.errors}
        />
        <div className="button-row">
          {decisions.map((decision) => (
            <button key={decision} type="submit" name="intent" value={decision} className={decision === 'verify' ? 'button' : 'button button--danger'}>
              {t(`onboarding:review.cooperativeDecision.${decision}`)}
            </button>
          ))}
        </div>
      </Form>
    </section>
  );
}
