import { getFormProps, getTextareaProps, useForm, type SubmissionResult } from '@conform-to/react';
import { parseWithZod } from '~/utils/parse-form';
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import { FormErrors, TextareaField } from '~/components/forms';
import { emailBaseUrl } from '~/models/cooperatives.server';
import { decideGiAuthorization, getAuthorizationForReview } from '~/models/gi-authorizations.server';
import { forbidden, notFound } from '~/utils/http.server';
import { DateTime, Notice, StatusBadge, useFormId } from '../admin/ui';
import { idParam, requireReviewer } from '../review/access.server';

export const handle = { i18n: ['onboarding'] };

const schema = z
  .object({
    intent: z.enum(['approve', 'reject', 'revoke']),
    reason: z.string().trim().max(500, 'onboarding:errors.tooLong').optional(),
  })
  .superRefine((value, ctx) => {
    if (value.intent !== 'approve' && !value.reason) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'onboarding:errors.reasonRequired' });
  });

const NEXT_DECISIONS = { pending: ['approve', 'reject'], approved: ['revoke'], rejected: [], revoked: [] } as const;

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireReviewer(request, context.app);
  const id = idParam(params.id);
  const review = id === null ? null : await getAuthorizationForReview(context.app.db, user, id);
  if (!review) notFound();
  if (!review.canDecide) forbidden();
  return {
    application: { ...review, createdAt: review.createdAt.toISOString(), decidedAt: review.decidedAt?.toISOString() ?? null },
    decisions: NEXT_DECISIONS[review.status],
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { app } = context;
  const user = await requireReviewer(request, app);
  const id = idParam(params.id);
  // Someone who may not see the application learns nothing of it, not even that it exists.
  if (id === null || !(await getAuthorizationForReview(app.db, user, id))) notFound();
  const submission = parseWithZod(await request.formData(), { schema });
  if (submission.status !== 'success') return data(submission.reply(), { status: 400 });
  const result = await decideGiAuthorization(app.db, {
    actor: user,
    authorizationId: id,
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
  return redirect(`/review/gi-authorizations/${id}?decided=${submission.value.intent}`);
}

export default function ReviewGiAuthorization() {
  const { application: a, decisions } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>() as SubmissionResult<string[]> | undefined;
  const [searchParams] = useSearchParams();
  const { t } = useTranslation();
  const [form, fields] = useForm<z.input<typeof schema>>({ id: useFormId('decide-gi'), lastResult });
  return (
    <section>
      <h1>
        {a.giName} · {a.cooperativeName}
      </h1>
      {searchParams.get('decided') ? <Notice>{t('onboarding:review.decided')}</Notice> : null}
      <p>
        <StatusBadge status={a.status} /> · {t('onboarding:gi.appliedAt')} <DateTime value={a.createdAt} />
      </p>
      <dl className="details">
        <div>
          <dt>{t('onboarding:review.field.region')}</dt>
          <dd>{a.regionLabel}</dd>
        </div>
        <div>
          <dt>{t('onboarding:review.cooperativeStatus')}</dt>
          <dd>
            <StatusBadge status={a.cooperativeStatus} />
          </dd>
        </div>
        <div>
          <dt>{t('onboarding:gi.note')}</dt>
          <dd className="prewrap">{a.note || '—'}</dd>
        </div>
        <div>
          <dt>{t('onboarding:gi.evidenceLabel')}</dt>
          <dd>
            {a.hasEvidence ? (
              <a href={`/review/evidence/${a.id}`} download>
                {t('onboarding:gi.evidence')}
              </a>
            ) : (
              '—'
            )}
          </dd>
        </div>
        {a.decidedAt ? (
          <div>
            <dt>{t('onboarding:gi.decidedAt')}</dt>
            <dd>
              <DateTime value={a.decidedAt} /> · {a.decidedByName ?? '—'} · {a.decisionReason ?? ''}
            </dd>
          </div>
        ) : null}
      </dl>
      {decisions.length ? (
        <>
          <h2>{t('onboarding:review.decision')}</h2>
          {a.status === 'approved' ? <p className="field-help">{t('onboarding:review.revokeHelp')}</p> : null}
          <Form method="post" className="form" {...getFormProps(form)}>
            <FormErrors id={form.errorId} errors={form.errors} />
            <TextareaField
              label={t('onboarding:review.reason')}
              textareaProps={{ ...getTextareaProps(fields.reason), rows: 3, maxLength: 500 }}
              errors={fields.reason.errors}
            />
            <div className="button-row">
              {decisions.map((decision) => (
                <button key={decision} type="submit" name="intent" value={decision} className={decision === 'approve' ? 'button' : 'button button--danger'}>
                  {t(`onboarding:review.giDecision.${decision}`)}
                </button>
              ))}
            </div>
          </Form>
        </>
      ) : null}
    </section>
  );
}
