import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { listMyReports, MY_REPORTS_PAGE_SIZE, type MyReportsScope } from '~/models/reports.server';
import reportsStyles from '~/styles/reports.css';
import { requireUser } from '~/utils/auth.server';
import { canFileReport } from '~/utils/permissions-reports.server';
import { canUseCoordinatorDesk } from '~/utils/permissions.server';
import { DateTime, ReportStatusBadge } from '../reports.$id/ui';

export const handle = { i18n: ['reports'] };

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: reportsStyles }];
export const meta: MetaFunction = () => [{ title: '我的报告 · 地标助农' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUser(request, app);
  const scopes: MyReportsScope[] = ['mine', ...(user.associationIds.length > 0 ? (['association'] as const) : []), ...(user.cooperativeIds.length > 0 ? (['cooperatives'] as const) : [])];
  const url = new URL(request.url);
  const requested = url.searchParams.get('scope');
  const scope = scopes.find((s) => s === requested) ?? 'mine';
  const page = Math.min(1000, Math.max(1, Number(url.searchParams.get('page')) || 1));
  const rows = await listMyReports(app.db, user, { scope, limit: MY_REPORTS_PAGE_SIZE + 1, offset: (page - 1) * MY_REPORTS_PAGE_SIZE });
  return {
    scopes,
    scope,
    page,
    hasNext: rows.length > MY_REPORTS_PAGE_SIZE,
    reports: rows.slice(0, MY_REPORTS_PAGE_SIZE),
    canFile: canFileReport(user),
    canUseBoard: canUseCoordinatorDesk(user),
  };
}

export default function MyReports() {
  const { scopes, scope, page, hasNext, reports, canFile, canUseBoard } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const pageLink = (p: number) => `?${new URLSearchParams({ scope, ...(p > 1 ? { page: String(p) } : {}) })}`;
  return (
    <section>
      <h1>{t('reports:list.title')}</h1>
      <p className="actions-row">
        {canFile ? (
          <Link to="/reports/new" className="button">
            {t('reports:list.new')}
          </Link>
        ) : null}
        {canUseBoard ? (
          <Link to="/coordinator" className="button button--secondary">
            {t('reports:list.board')}
          </Link>
        ) : null}
      </p>
      {scopes.length > 1 ? (
        <nav className="tabs" aria-label={t('reports:list.title')}>
          {scopes.map((s) => (
            <Link key={s} to={`?scope=${s}`} aria-current={s === scope ? 'page' : undefined}>
              {t(`reports:list.scope.${s}`)}
            </Link>
          ))}
        </nav>
      ) : null}
      {reports.length === 0 ? (
        <p className="report-meta">{t('reports:list.empty')}</p>
      ) : (
        <ul className="report-list">
          {reports.map((r) => (
            <li key={r.id} className="report-card">
              <p className="report-card__badges">
                <ReportStatusBadge status={r.status} />
                <span>{t(`reports:kind.${r.kind}`)}</span>
                {r.cause ? <span className="report-meta">{t(`reports:cause.${r.cause}`)}</span> : null}
              </p>
              <h3>
                <Link to={`/reports/${r.id}`}>{r.summary}</Link>
              </h3>
              <p className="report-meta">
                {r.regionName} · {t('reports:list.updatedAt')} <DateTime value={r.updatedAt} />
              </p>
            </li>
          ))}
        </ul>
      )}
      {page > 1 || hasNext ? (
        <nav className="pagination" aria-label={t('pagination.label')}>
          {page > 1 ? <Link to={pageLink(page - 1)}>{t('pagination.previous')}</Link> : null}
          {hasNext ? <Link to={pageLink(page + 1)}>{t('pagination.next')}</Link> : null}
        </nav>
      ) : null}
    </section>
  );
}
