import { type SubmissionResult } from '@conform-to/react';
import { parseWithZod } from '~/utils/parse-form';
import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import {
  addReportComment,
  assignReport,
  DEPARTMENTS,
  getReportAccess,
  getReportDetail,
  siteOrigin,
  transitionReport,
  type ReportChangeResult,
} from '~/models/reports.server';
import reportsStyles from '~/styles/reports.css';
import { requireUser } from '~/utils/auth.server';
import { forbidden, notFound } from '~/utils/http.server';
import { canTakeReportAction, REPORT_ACTIONS, type ReportAction } from '~/utils/permissions-reports.server';
import { AffectedList, AttachmentList, CoordinationPanel, History, ReportFactsList, Thread } from './panels';
import { Notice, OverdueFlag, ReportStatusBadge } from './ui';

export const handle = { i18n: ['reports'] };

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: reportsStyles }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.report.summary} · 地标助农` : '报告 · 地标助农' }];

function actionSchema() {
  const body = z.string({ required_error: 'reports:errors.commentRequired' }).trim().min(1, 'reports:errors.commentRequired').max(2000, 'reports:errors.tooLong');
  return z.discriminatedUnion('intent', [
    z.object({ intent: z.literal('acknowledge') }),
    z.object({ intent: z.literal('start') }),
    z.object({ intent: z.literal('resolve') }),
    z.object({
      intent: z.literal('reject'),
      reason: z.string({ required_error: 'reports:errors.reasonRequired' }).trim().min(1, 'reports:errors.reasonRequired').max(500, 'reports:errors.tooLong'),
    }),
    z.object({ intent: z.literal('assign'), assigneeUserId: z.string().uuid().optional(), department: z.enum(DEPARTMENTS).optional() }),
    z.object({ intent: z.literal('comment'), body }),
    z.object({ intent: z.literal('note'), body }),
  ]);
}

const isReportAction = (value: unknown): value is ReportAction => (REPORT_ACTIONS as readonly unknown[]).includes(value);

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUser(request, app);
  const detail = await getReportDetail(app.db, user, params.id ?? '', { now: app.now(), ackTargetHours: app.env.REPORT_ACK_TARGET_HOURS });
  if (!detail) notFound();
  const done = new URL(request.url).searchParams.get('done');
  return { ...detail, departments: DEPARTMENTS, done: isReportAction(done) ? done : null };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { app } = context;
  const user = await requireUser(request, app);
  const reportId = params.id ?? '';
  const access = await getReportAccess(app.db, user, reportId);
  if (!access?.canView) notFound();
  const formData = await request.formData();
  const intent = formData.get('intent');
  // Who may act is answered before what they sent: a reporter's "acknowledge" is a 403, not a form error.
  if (isReportAction(intent) && !canTakeReportAction(user, intent, access.reportFacts, access.facts)) forbidden();
  const submission = parseWithZod(formData, { schema: actionSchema() });
  if (submission.status !== 'success') return data(submission.reply(), { status: 400 });
  const value = submission.value;
  const ctx = { actor: user, reportId, now: app.now(), baseUrl: siteOrigin(app.env, request) };
  let result: ReportChangeResult;
  switch (value.intent) {
    case 'acknowledge':
    case 'start':
    case 'resolve':
      result = await transitionReport(app.db, { ...ctx, action: value.intent });
      break;
    case 'reject':
      result = await transitionReport(app.db, { ...ctx, action: 'reject', reason: value.reason });
      break;
    case 'assign':
      result = await assignReport(app.db, { ...ctx, assigneeUserId: value.assigneeUserId ?? null, department: value.department ?? null });
      break;
    case 'comment':
    case 'note':
      result = await addReportComment(app.db, { ...ctx, body: value.body, internal: value.intent === 'note' });
      break;
  }
  if (!result.ok) {
    if (result.error === 'not_found') notFound();
    if (result.error === 'forbidden') forbidden();
    if (result.error === 'invalid_assignee') return data(submission.reply({ fieldErrors: { assigneeUserId: ['reports:errors.invalidAssignee'] } }), { status: 400 });
    return data(submission.reply({ formErrors: [result.error === 'closed' ? 'reports:errors.closed' : 'reports:errors.invalidTransition'] }), { status: 409 });
  }
  const anchor = value.intent === 'comment' || value.intent === 'note' ? '#thread' : '';
  return redirect(`/reports/${reportId}?done=${value.intent}${anchor}`);
}

export default function ReportDetail() {
  const { report, cooperatives, products, attachments, comments, events, eventPeople, permissions, assignees, departments, done } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>() as SubmissionResult<string[]> | undefined;
  const [searchParams] = useSearchParams();
  const { t } = useTranslation();
  return (
    <article className="report-page">
      <p className="report-meta">
        {t('reports:reference', { reference: report.reference })} · {t(`reports:kind.${report.kind}`)}
      </p>
      <h1>{report.summary}</h1>
      <p className="report-card__badges">
        <ReportStatusBadge status={report.status} />
        {report.overdue ? <OverdueFlag /> : null}
        {report.escalatedAt ? <span className="report-meta">{t('reports:escalated')}</span> : null}
      </p>
      {searchParams.get('filed') ? <Notice>{t('reports:form.filed')}</Notice> : null}
      {done ? <Notice>{t(`reports:detail.done.${done}`)}</Notice> : null}
      <ReportFactsList report={report} />
      {report.description ? (
        <section className="report-section" aria-labelledby="description-heading">
          <h2 id="description-heading">{t('reports:detail.description')}</h2>
          <p className="pre-line">{report.description}</p>
        </section>
      ) : null}
      <AffectedList cooperatives={cooperatives} products={products} />
      <AttachmentList reportId={report.id} attachments={attachments} />
      {permissions.canTriage ? (
        <CoordinationPanel
          key={`${report.status}-${report.assigneeUserId}-${report.department}`}
          lastResult={lastResult}
          statusActions={permissions.statusActions}
          canAssign={permissions.canAssign}
          assignees={assignees}
          departments={departments}
          current={{ assigneeUserId: report.assigneeUserId, department: report.department }}
        />
      ) : null}
      <Thread comments={comments} lastResult={lastResult} canNote={permissions.canNote} />
      <History events={events} people={eventPeople} />
    </article>
  );
}
