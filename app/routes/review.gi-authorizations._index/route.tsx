import type { LoaderFunctionArgs } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { listAuthorizationsForReviewer, type AuthorizationStatus } from '~/models/gi-authorizations.server';
import { DateTime, SelectField, StatusBadge } from '../admin/ui';
import { requireReviewer } from '../review/access.server';

export const handle = { i18n: ['onboarding'] };

const STATUSES: AuthorizationStatus[] = ['pending', 'approved', 'rejected', 'revoked'];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireReviewer(request, context.app);
  const requested = new URL(request.url).searchParams.get('status');
  const status = STATUSES.find((s) => s === requested) ?? 'pending';
  const rows = await listAuthorizationsForReviewer(context.app.db, user, { status });
  return {
    status,
    applications: rows.map((a) => ({ ...a, createdAt: a.createdAt.toISOString(), decidedAt: a.decidedAt?.toISOString() ?? null })),
  };
}

export default function ReviewGiAuthorizations() {
  const { status, applications } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  return (
    <section>
      <h1>{t('onboarding:review.giTitle')}</h1>
      <Form method="get" className="filter-bar">
        <SelectField
          label={t('onboarding:review.statusFilter')}
          selectProps={{ name: 'status', defaultValue: status, onChange: (e) => e.currentTarget.form?.requestSubmit() }}
          options={STATUSES.map((s) => ({ value: s, label: t(`onboarding:status.${s}`) }))}
        />
        <button type="submit" className="button button--secondary">
          {t('onboarding:filter')}
        </button>
      </Form>
      {applications.length === 0 ? (
        <p className="muted">{t('onboarding:review.nothingHere')}</p>
      ) : (
        <ul className="admin-list">
          {applications.map((a) => (
            <li key={a.id} className="admin-list__item">
              <div>
                <Link to={`/review/gi-authorizations/${a.id}`}>
                  <strong>{a.giName}</strong> · {a.cooperativeName}
                </Link>
                <div className="muted">
                  {a.regionName} · <DateTime value={a.decidedAt ?? a.createdAt} />
                </div>
              </div>
              <StatusBadge status={a.status} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
