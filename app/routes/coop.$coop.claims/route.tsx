import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import { acceptClaim, disputeClaim, listCooperativeClaims } from '~/models/claims.server';
import { paymentsOf } from '~/models/refunds.server';
import { requirePortalAccess } from '~/routes/coop.$coop/access.server';
import { DoneNotice, formatDateTime, withDone } from '~/routes/coop.$coop.orders._index/done';
import { formatFen } from '~/utils/money';
import { refuseNul } from '~/utils/parse-form';

export const handle = { i18n: ['coop'] };

const schema = z.object({
  intent: z.enum(['accept', 'dispute']),
  claimId: z.string().uuid(),
  note: z.string().trim().max(500).default(''),
});

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { cooperative } = await requirePortalAccess(request, context.app, params);
  const rows = await listCooperativeClaims(context.app.db, cooperative.id);
  return {
    slug: cooperative.slug,
    claims: rows.map((r) => ({ ...r.claim, createdAt: r.claim.createdAt.toISOString(), decidedAt: r.claim.decidedAt?.toISOString() ?? null, number: r.number, cooperativeOrderId: r.cooperativeOrderId })),
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { app } = context;
  const { user, cooperative } = await requirePortalAccess(request, app, params);
  const parsed = schema.safeParse(Object.fromEntries(refuseNul(await request.formData())));
  if (!parsed.success) return data({ claimId: null, error: 'coop:fulfilment.errors.required' }, { status: 400 });
  const { intent, claimId, note } = parsed.data;
  if (intent === 'dispute' && note.length === 0) return data({ claimId, error: 'coop:fulfilment.claims.noteRequired' }, { status: 400 });
  const input = { claimId, cooperativeId: cooperative.id, actorUserId: user.id, note, now: app.now(), baseUrl: app.env.PUBLIC_URL ?? new URL(request.url).origin };
  const result = intent === 'accept' ? await acceptClaim(app.db, paymentsOf(app), input) : await disputeClaim(app.db, input);
  if (!result.ok) {
    if (result.problem === 'not_found') throw new Response('Not found', { status: 404 });
    return data({ claimId, error: `coop:fulfilment.claimErrors.${result.problem}` }, { status: 400 });
  }
  return redirect(withDone(`/coop/${cooperative.slug}/claims`, intent === 'accept' ? 'accepted' : 'disputed'));
}

export default function CooperativeClaims() {
  const { slug, claims } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t, i18n } = useTranslation();
  return (
    <section>
      <h2>{t('coop:fulfilment.claims.title')}</h2>
      <DoneNotice />
      {claims.length === 0 ? <p>{t('coop:fulfilment.claims.empty')}</p> : null}
      {claims.map((c) => (
        <article key={c.id} className="prose">
          <h3>
            <a href={`/coop/${slug}/orders/${c.cooperativeOrderId}`}>{t('coop:fulfilment.claims.order', { number: c.number })}</a> · {t(`coop:fulfilment.claims.statuses.${c.status}`)}
          </h3>
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
          {c.status === 'open' ? (
            <Form method="post" className="form">
              <input type="hidden" name="claimId" value={c.id} />
              {actionData?.claimId === c.id ? <p className="form-error">{t(actionData.error)}</p> : null}
              <div className="field">
                <label htmlFor={`note-${c.id}`}>{t('coop:fulfilment.claims.note')}</label>
                <textarea id={`note-${c.id}`} name="note" maxLength={500} />
              </div>
              <button type="submit" name="intent" value="accept" className="button">
                {t('coop:fulfilment.claims.accept')}
              </button>{' '}
              <button type="submit" name="intent" value="dispute" className="button button--secondary">
                {t('coop:fulfilment.claims.dispute')}
              </button>
            </Form>
          ) : null}
        </article>
      ))}
    </section>
  );
}
