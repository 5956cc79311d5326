import type { LoaderFunctionArgs } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { listCooperatives, type VerificationStatus } from '~/models/cooperatives.server';
import { pageParam, requireAdmin } from '../admin/access.server';
import { DateTime, SelectField, StatusBadge } from '../admin/ui';

export const handle = { i18n: ['admin', 'onboarding'] };

const STATUSES: readonly VerificationStatus[] = ['pending', 'verified', 'rejected', 'suspended'];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context.app);
  const url = new URL(request.url);
  const status = STATUSES.find((s) => s === url.searchParams.get('status'));
  const q = url.searchParams.get('q')?.slice(0, 100) ?? '';
  const page = pageParam(url);
  const result = await listCooperatives(context.app.db, { status, q, page });
  return {
    status: status ?? '',
    q,
    page,
    hasMore: result.hasMore,
    cooperatives: result.cooperatives.map((c) => ({ ...c, createdAt: c.createdAt.toISOString() })),
  };
}

/** Every cooperative; verification, rejection and suspension happen on the review page, for admins and association staff alike. */
export default function AdminCooperatives() {
  const { status, q, page, hasMore, cooperatives } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const pageLink = (p: number) => `?${new URLSearchParams({ status, q, page: String(p) })}`;
  return (
    <section>
      <h1>{t('admin:cooperatives.title')}</h1>
      <Form method="get" className="filter-bar">
        <div className="field">
          <label htmlFor="coop-q">{t('admin:cooperatives.search')}</label>
          <input id="coop-q" type="search" name="q" defaultValue={q} />
        </div>
        <SelectField
          label={t('admin:cooperatives.statusFilter')}
          selectProps={{ name: 'status', defaultValue: status }}
          placeholder={t('admin:all')}
          options={STATUSES.map((s) => ({ value: s, label: t(`onboarding:status.${s}`) }))}
        />
        <button type="submit" className="button button--secondary">
          {t('admin:filter')}
        </button>
      </Form>
      {cooperatives.length === 0 ? <p className="muted">{t('admin:none')}</p> : null}
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
            <StatusBadge status={c.verificationStatus} />
          </li>
        ))}
      </ul>
      <nav className="pagination" aria-label={t('pagination.label')}>
        {page > 1 ? <Link to={pageLink(page - 1)}>{t('pagination.previous')}</Link> : null}
        {hasMore ? <Link to={pageLink(page + 1)}>{t('pagination.next')}</Link> : null}
      </nav>
    </section>
  );
}
