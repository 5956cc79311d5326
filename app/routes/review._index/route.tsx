import type { LoaderFunctionArgs } from '@remix-run/node';
import { Link, useLoaderData, useSearchParams } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { listPendingCooperativesForReviewer } from '~/models/cooperatives.server';
import { listAuthorizationsForReviewer } from '~/models/gi-authorizations.server';
import { DateTime, Notice } from '../admin/ui';
import { requireReviewer } from '../review/access.server';

export const handle = { i18n: ['onboarding'] };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireReviewer(request, context.app);
  const [cooperatives, applications] = await Promise.all([
    listPendingCooperativesForReviewer(context.app.db, user),
    listAuthorizationsForReviewer(context.app.db, user, { status: 'pending' }),
  ]);
  return {
    cooperatives: cooperatives.map((c) => ({ ...c, createdAt: c.createdAt.toISOString() })),
    applications: applications.map((a) => ({ ...a, createdAt: a.createdAt.toISOString(), decidedAt: a.decidedAt?.toISOString() ?? null })),
  };
}

export default function ReviewOverview() {
  const { cooperatives, applications } = useLoaderData<typeof loader>();
  const [searchParams] = useSearchParams();
  const { t } = useTranslation();
  const decided = searchParams.get('decided');
  return (
    <section>
      <h1>{t('onboarding:review.title')}</h1>
      {decided ? <Notice>{t('onboarding:review.decided')}</Notice> : null}
      <h2>{t('onboarding:review.pendingCooperatives', { count: cooperatives.length })}</h2>
      {cooperatives.length === 0 ? (
        <p className="muted">{t('onboarding:review.nothingPending')}</p>
      ) : (
        <ul className="admin-list">
          {cooperatives.map((c) => (
            <li key={c.id} className="admin-list__item">
              <div>
                <Link to={`/review/cooperatives/${c.id}`}>
                  <strong>{c.legalName}</strong>
                </Link>
                <div className="muted">
                  {c.provinceName} {c.regionName} · {c.creditCode} · <DateTime value={c.createdAt} />
                </div>
              </div>
            </li>
          ))}
        </ul>
      )}
      <h2>{t('onboarding:review.pendingApplications', { count: applications.length })}</h2>
      {applications.length === 0 ? (
        <p className="muted">{t('onboarding:review.nothingPending')}</p>
      ) : (
        <ul className="admin-list">
          {applications.map((a) => (
            <li key={a.id} className="admin-list__item">
              <div>
                <Link to={`/review/gi-authorizations/${a.id}`}>
                  <strong>{a.giName}</strong> · {a.cooperativeName}
                </Link>
                <div className="muted">
                  {a.regionName} · <DateTime value={a.createdAt} />
                </div>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
