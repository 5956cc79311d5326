import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { ProvinceTileMap } from '~/components/province-tile-map';
import {
  BOARD_PAGE_SIZE,
  boardFigures,
  countBoard,
  getBoardScope,
  listBoardAssignees,
  listBoardRegions,
  listBoardReports,
  openReportsByProvince,
  parseBoardFilter,
  type BoardContext,
  type DurationFigure,
} from '~/models/report-board.server';
import { listProvinces, REPORT_KINDS, REPORT_STATUSES } from '~/models/reports.server';
import reportsStyles from '~/styles/reports.css';
import { canUseCoordinatorDesk, requireUserWith } from '~/utils/permissions.server';
import { DateTime, OverdueFlag, ReportStatusBadge, SelectField } from '../reports.$id/ui';
import { boardQuery } from './query';

export const handle = { i18n: ['reports'] };

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: reportsStyles }];
export const meta: MetaFunction = () => [{ title: '协调台 · 地标助农' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUserWith(request, app, canUseCoordinatorDesk);
  const filter = parseBoardFilter(new URL(request.url).searchParams);
  const ctx: BoardContext = { scope: await getBoardScope(app.db, user), actorId: user.id, now: app.now(), ackTargetHours: app.env.REPORT_ACK_TARGET_HOURS };
  const [reports, counts, figures, provinceCounts, assignees, provinces, regions] = await Promise.all([
    listBoardReports(app.db, ctx, filter),
    countBoard(app.db, ctx, filter),
    boardFigures(app.db, ctx, filter),
    openReportsByProvince(app.db, ctx, filter),
    listBoardAssignees(app.db),
    listProvinces(app.db),
    filter.province ? listBoardRegions(app.db, filter.province) : Promise.resolve([]),
  ]);
  return {
    filter,
    reports,
    counts,
    figures,
    provinceCounts,
    assignees,
    provinces,
    regions,
    statuses: REPORT_STATUSES,
    kinds: REPORT_KINDS,
    pageCount: Math.max(1, Math.ceil(counts.total / BOARD_PAGE_SIZE)),
    hasScope: ctx.scope.all || ctx.scope.regionCodes.length > 0,
    ackTargetHours: ctx.ackTargetHours,
  };
}

function Figure({ figure }: { figure: DurationFigure }) {
  const { t } = useTranslation();
  if (figure.count === 0 || figure.medianHours === null) return <>{t('reports:board.noFigure')}</>;
  return <>{t('reports:board.figure', { median: figure.medianHours, p90: figure.p90Hours, count: figure.count })}</>;
}

export default function CoordinatorBoard() {
  const { filter, reports, counts, figures, provinceCounts, assignees, provinces, regions, statuses, kinds, pageCount, hasScope, ackTargetHours } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const link = (changes: Parameters<typeof boardQuery>[1]) => `/coordinator${boardQuery(filter, { page: undefined, ...changes })}`;
  return (
    <section>
      <h1>{t('reports:board.title')}</h1>
      <p>{t('reports:board.intro', { hours: ackTargetHours })}</p>
      {hasScope ? null : <p className="form-error">{t('reports:board.noScope')}</p>}
      <nav aria-label={t('reports:board.desks')}>
        <ul className="chip-list">
          <li>
            <Link to="/coordinator/payments" className="chip">
              {t('reports:board.paymentsDesk')}
            </Link>
          </li>
          <li>
            <Link to="/coordinator/claims" className="chip">
              {t('reports:board.claimsDesk')}
            </Link>
          </li>
        </ul>
      </nav>

      <Form method="get" className="board-filters" aria-label={t('reports:board.filters')}>
        <SelectField
          label={t('reports:board.status')}
          selectProps={{ name: 'status', defaultValue: filter.status ?? '' }}
          placeholder={t('reports:board.any')}
          options={['open', ...statuses].map((s) => ({ value: s, label: t(`reports:status.${s}`) }))}
        />
        <SelectField
          label={t('reports:board.kind')}
          selectProps={{ name: 'kind', defaultValue: filter.kind ?? '' }}
          placeholder={t('reports:board.any')}
          options={kinds.map((k) => ({ value: k, label: t(`reports:kind.${k}`) }))}
        />
        <SelectField
          label={t('reports:board.province')}
          selectProps={{ name: 'province', defaultValue: filter.province ?? '' }}
          placeholder={t('reports:board.any')}
          options={provinces.map((p) => ({ value: p.code, label: p.name }))}
        />
        {regions.length > 0 ? (
          <SelectField
            label={t('reports:board.region')}
            selectProps={{ name: 'region', defaultValue: filter.region ?? '' }}
            placeholder={t('reports:board.any')}
            options={regions.map((r) => ({ value: r.code, label: r.name }))}
          />
        ) : null}
        <SelectField
          label={t('reports:board.assignee')}
          selectProps={{ name: 'assignee', defaultValue: filter.assignee ?? '' }}
          placeholder={t('reports:board.any')}
          options={[
            { value: 'me', label: t('reports:board.me') },
            { value: 'none', label: t('reports:board.unassigned') },
            ...assignees.map((a) => ({ value: a.id, label: a.displayName })),
          ]}
        />
        <div className="field">
          <div className="checkbox">
            <input type="checkbox" id="board-overdue" name="overdue" value="1" defaultChecked={filter.overdue} />
            <label htmlFor="board-overdue">{t('reports:board.overdueOnly')}</label>
          </div>
        </div>
        <div className="board-filters__actions">
          <button type="submit" className="button">
            {t('reports:board.apply')}
          </button>
          <Link to="/coordinator">{t('reports:board.reset')}</Link>
          <a href={`/coordinator/export${boardQuery(filter, { page: undefined })}`} className="button button--secondary" download>
            {t('reports:board.export')}
          </a>
        </div>
      </Form>

      <div className="board-summary">
        <div>
          <p>
            <strong>{t('reports:board.total', { count: counts.total })}</strong>
            {counts.overdue > 0 ? (
              <>
                {' · '}
                <Link to={link({ overdue: true })} className="report-flag">
                  {t('reports:board.overdueCount', { count: counts.overdue })}
                </Link>
              </>
            ) : null}
          </p>
          <h2>{t('reports:board.byStatus')}</h2>
          <ul className="chip-list">
            {statuses.map((s) => (
              <li key={s}>
                <Link to={link({ status: s })} className="chip" aria-current={filter.status === s ? 'true' : undefined}>
                  {t(`reports:status.${s}`)} <span className="chip__count">{counts.byStatus[s]}</span>
                </Link>
              </li>
            ))}
          </ul>
          <h2>{t('reports:board.byKind')}</h2>
          <ul className="chip-list">
            {kinds.map((k) => (
              <li key={k}>
                <Link to={link({ kind: k })} className="chip" aria-current={filter.kind === k ? 'true' : undefined}>
                  {t(`reports:kind.${k}`)} <span className="chip__count">{counts.byKind[k]}</span>
                </Link>
              </li>
            ))}
          </ul>
          <h2>{t('reports:board.figures')}</h2>
          <dl className="figure-list">
            <dt>{t('reports:board.timeToAcknowledge')}</dt>
            <dd>
              <Figure figure={figures.timeToAcknowledge} />
            </dd>
            <dt>{t('reports:board.timeToResolve')}</dt>
            <dd>
              <Figure figure={figures.timeToResolve} />
            </dd>
          </dl>
        </div>
        <ProvinceTileMap counts={provinceCounts} selected={filter.province} heading={t('reports:board.map')} hrefFor={(code) => link({ province: code, region: undefined })} />
      </div>

      {reports.length === 0 ? (
        <p className="report-meta">{t('reports:board.empty')}</p>
      ) : (
        <ul className="report-list">
          {reports.map((r) => (
            <li key={r.id} className={r.overdue ? 'report-card report-card--overdue' : 'report-card'}>
              <p className="report-card__badges">
                <ReportStatusBadge status={r.status} />
                {r.overdue ? <OverdueFlag /> : null}
                <span>{t(`reports:kind.${r.kind}`)}</span>
                {r.cause ? <span className="report-meta">{t(`reports:cause.${r.cause}`)}</span> : null}
                <span className="report-meta">{t(`reports:severity.${r.severity}`)}</span>
              </p>
              <h3>
                <Link to={`/reports/${r.id}`}>{r.summary}</Link>
              </h3>
              <p className="report-meta">
                {r.provinceName === r.regionName ? r.regionName : `${r.provinceName} · ${r.regionName}`} · {r.reference} ·{' '}
                {r.assigneeName ?? t('reports:detail.unassigned')}
                {r.department ? ` · ${t(`reports:department.${r.department}`)}` : ''} · <DateTime value={r.createdAt} />
              </p>
            </li>
          ))}
        </ul>
      )}
      {pageCount > 1 ? (
        <nav className="pagination" aria-label={t('pagination.label')}>
          {filter.page > 1 ? <Link to={link({ page: filter.page - 1 })}>{t('pagination.previous')}</Link> : null}
          <span>{t('pagination.status', { page: filter.page, pageCount })}</span>
          {filter.page < pageCount ? <Link to={link({ page: filter.page + 1 })}>{t('pagination.next')}</Link> : null}
        </nav>
      ) : null}
    </section>
  );
}
