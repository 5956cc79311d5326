import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import { decideDisputedClaim, listDisputedClaims } from '~/models/claims.server';
import { paymentsOf } from '~/models/refunds.server';
import { DoneNotice, formatDateTime, withDone } from '~/routes/coop.$coop.orders._index/done';
import { formatFen } from '~/utils/money';
import { canUseCoordinatorDesk, requireUserWith } from '~/utils/permissions.server';
import { refuseNul } from '~/utils/parse-form';

export const handle = { i18n: ['coop'] };

const schema = z.object({
  intent: z.enum(['uphold', 'reject']),
  claimId: z.string().uuid(),
  note: z.string().trim().max(500).default(''),
});

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireUserWith(request, context.app, canUseCoordinatorDesk);
  const rows = await listDisputedClaims(context.app.db);
  return {
    claims: rows.map((r) => ({ ...r.claim, createdAt: r.claim.createdAt.toISOString(), decidedAt: r.claim.decidedAt?.toISOString() ?? null, number: r.number, cooperativeName: r.cooperativeName })),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const user = await requireUserWith(request, app, canUseCoordinatorDesk);
  const parsed = schema.safeParse(Object.fromEntries(refuseNul(await request.formData())));
  if (!parsed.success) return data({ claimId: null, error: 'coop:fulfilment.errors.required' }, { status: 400 });
  const { intent, claimId, note } = parsed.data;
  const result = await decideDisputedClaim(app.db, paymentsOf(app), {
    claimId,
    uphold: intent === 'uphold',
    actorUserId: user.id,
    note,
    now: app.now(),
    baseUrl: app.env.PUBLIC_URL ?? new URL(request.url).origin,
  });
  if (!result.ok) {
    if (result.problem === 'not_found') throw new Response('Not found', { status: 404 });
    return data({ claimId, error: `coop:fulfilment.claimErrors.${result.problem}` }, { status: 400 });
  }
  return redirect(withDone('/coordinator/claims', 'decided'));
}

export default function CoordinatorClaims() {
  const { claims } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t, i18n } = useTranslation();
  return (
    <main className="prose">
      <h1>{t('coop:fulfilment.claims.coordinatorTitle')}</h1>
      <DoneNotice />
      {claims.length === 0 ? <p>{t('coop:fulfilment.claims.empty')}</p> : null}
      {claims.map((c) => (
        <article key={c.id}>
          <h2>
            {t('coop:fulfilment.claims.order', { number: c.number })} · {c.cooperativeName} · {t(`coop:fulfilment.claims.statuses.${c.status}`)}
          </h2>
          <p>
            {formatDateTime(c.createdAt, i18n.language)} · {t(`coop:fulfilment.claims.reasons.${c.reason}`, { defaultValue: c.reason })} · {formatFen(c.amountFen, i18n.language)}
          </p>
          {c.description ? <p>{c.description}</p> : null}
          <p>
            {c.photoPaths.map((_, n) => (
              <a key={n} href={`/claims/${c.id}/photos/${n}`}>
                {t('coop:fulfilment.claims.photo', { n: n + 1 })}{' '}
              </a>
            ))}
          </p>
          {c.cooperativeNote ? <p>{t('coop:fulfilment.claims.cooperativeNote')}: {c.cooperativeNote}</p> : null}
          {c.decisionNote ? <p>{t('coop:fulfilment.claims.decisionNote')}: {c.decisionNote}</p> : null}
          {c.status === 'disputed' ? (
            <Form method="post" className="form">
              <input type="hidden" name="claimId" value={c.id} />
              {actionData?.claimId === c.id ? <p className="form-error">{t(actionData.error)}</p> : null}
              <div className="field">
                <label htmlFor={`note-${c.id}`}>{t('coop:fulfilment.claims.note')}</label>
                <textarea id={`note-${c.id}`} name="note" maxLength={500} />
              </div>
              <button type="submit" name="intent" value="uphold" className="button">
                {t('coop:fulfilment.claims.uphold')}
              </button>{' '}
              <button type="submit" name="intent" value="reject" className="button button--secondary">
                {t('coop:fulfilment.claims.reject')}
              </button>
            </Form>
          ) : null}
        </article>
      ))}
    </main>
  );
}
