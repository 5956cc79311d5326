import { getFormProps, getSelectProps, getTextareaProps, useForm, type SubmissionResult } from '@conform-to/react';
import { Form, Link } from '@remix-run/react';
import { Fragment, type ReactNode } from 'react';
import { useTranslation } from '~/utils/use-translation';
import { FormErrors, TextareaField } from '~/components/forms';
import { DateTime, resultFor, SelectField } from './ui';

type LastResult = SubmissionResult<string[]> | undefined;

export interface ReportView {
  id: string;
  kind: string;
  cause: string | null;
  status: string;
  severity: string;
  summary: string;
  description: string;
  regionPath: string[];
  placeDetail: string;
  quantityAtRisk: number | null;
  quantityUnit: string;
  daysUntilLoss: number | null;
  deadline: string | null;
  contactName: string;
  contactPhone: string;
  reporterName: string | null;
  filedForName: string | null;
  associationName: string | null;
  assigneeName: string | null;
  assigneeUserId: string | null;
  department: string | null;
  rejectionReason: string | null;
  createdAt: Date | string;
  acknowledgedAt: Date | string | null;
  resolvedAt: Date | string | null;
}

export function ReportFactsList({ report }: { report: ReportView }) {
  const { t, i18n } = useTranslation();
  const rows: [string, ReactNode][] = [
    [t('reports:detail.place'), [report.regionPath.join(' · '), report.placeDetail].filter(Boolean).join(' — ')],
    ...(report.cause ? [[t('reports:detail.cause'), t(`reports:cause.${report.cause}`)] as [string, string]] : []),
    [t('reports:detail.severity'), t(`reports:severity.${report.severity}`)],
    ...(report.quantityAtRisk !== null || report.daysUntilLoss !== null
      ? [
          [
            t('reports:detail.quantity'),
            [
              report.quantityAtRisk !== null ? `${report.quantityAtRisk.toLocaleString(i18n.language)} ${t(`reports:unit.${report.quantityUnit}`, { defaultValue: report.quantityUnit })}` : null,
              report.daysUntilLoss !== null ? t('reports:detail.daysUntilLoss', { count: report.daysUntilLoss }) : null,
            ]
              .filter(Boolean)
              .join(' · '),
          ] as [string, string],
        ]
      : []),
    ...(report.deadline ? [[t('reports:detail.deadline'), report.deadline] as [string, string]] : []),
    [t('reports:detail.reporter'), [report.reporterName ?? '—', report.filedForName ? t('reports:detail.filedFor', { name: report.filedForName }) : null].filter(Boolean).join(' · ')],
    ...(report.associationName ? [[t('reports:detail.association'), report.associationName] as [string, string]] : []),
    [t('reports:detail.contact'), `${report.contactName} · ${report.contactPhone}`],
    [t('reports:detail.assignee'), report.assigneeName ?? t('reports:detail.unassigned')],
    [t('reports:detail.department'), report.department ? t(`reports:department.${report.department}`) : '—'],
    [t('reports:detail.filedAt'), <DateTime key="filed" value={report.createdAt} />],
    ...(report.acknowledgedAt ? [[t('reports:detail.acknowledgedAt'), <DateTime key="ack" value={report.acknowledgedAt} />] as [string, ReactNode]] : []),
    ...(report.resolvedAt ? [[t('reports:detail.resolvedAt'), <DateTime key="resolved" value={report.resolvedAt} />] as [string, ReactNode]] : []),
    ...(report.rejectionReason ? [[t('reports:detail.rejectionReason'), report.rejectionReason] as [string, string]] : []),
  ];
  return (
    <dl className="report-facts">
      {rows.map(([label, value]) => (
        <Fragment key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

export function AffectedList({ cooperatives, products }: { cooperatives: { id: number; slug: string; legalName: string }[]; products: { id: number; slug: string; title: string }[] }) {
  const { t } = useTranslation();
  if (cooperatives.length === 0 && products.length === 0) return null;
  return (
    <section className="report-section" aria-labelledby="affected-heading">
      <h2 id="affected-heading">{t('reports:detail.affected')}</h2>
      <ul>
        {cooperatives.map((c) => (
          <li key={`c${c.id}`}>
            <Link to={`/cooperatives/${c.slug}`}>{c.legalName}</Link>
          </li>
        ))}
        {products.map((p) => (
          <li key={`p${p.id}`}>
            <Link to={`/products/${p.slug}`}>{p.title}</Link>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function AttachmentList({ reportId, attachments }: { reportId: string; attachments: { id: number; contentType: string; size: number }[] }) {
  const { t } = useTranslation();
  if (attachments.length === 0) return null;
  return (
    <section className="report-section" aria-labelledby="attachments-heading">
      <h2 id="attachments-heading">{t('reports:detail.attachments')}</h2>
      <ul>
        {attachments.map((a, i) => (
          <li key={a.id}>
            <a href={`/reports/${reportId}/attachments/${a.id}`} target="_blank" rel="noreferrer">
              {t('reports:detail.attachment', { number: i + 1, type: a.contentType === 'application/pdf' ? 'PDF' : t('reports:detail.image'), size: Math.max(1, Math.round(a.size / 1024)) })}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function CoordinationPanel({
  lastResult,
  statusActions,
  canAssign,
  assignees,
  departments,
  current,
}: {
  lastResult: LastResult;
  statusActions: string[];
  canAssign: boolean;
  assignees: { id: string; displayName: string }[];
  departments: readonly string[];
  current: { assigneeUserId: string | null; department: string | null };
}) {
  const { t } = useTranslation();
  const moveActions = statusActions.filter((a) => a !== 'reject');
  const [statusForm] = useForm({ id: 'report-status', lastResult: moveActions.some((a) => resultFor(lastResult, a)) ? lastResult : undefined });
  const [rejectForm, rejectFields] = useForm<{ intent: string; reason: string }>({ id: 'report-reject', lastResult: resultFor(lastResult, 'reject') });
  const [assignForm, assignFields] = useForm<{ intent: string; assigneeUserId: string; department: string }>({
    id: 'report-assign',
    lastResult: resultFor(lastResult, 'assign'),
    defaultValue: { assigneeUserId: current.assigneeUserId ?? '', department: current.department ?? '' },
  });
  if (statusActions.length === 0 && !canAssign) return null;
  return (
    <section className="report-section" aria-labelledby="coordination-heading">
      <h2 id="coordination-heading">{t('reports:detail.coordination')}</h2>
      {moveActions.length > 0 ? (
        <Form method="post" {...getFormProps(statusForm)}>
          <FormErrors id={statusForm.errorId} errors={statusForm.errors} />
          <p className="field-help">{t('reports:detail.statusActions')}</p>
          <div className="actions-row">
            {moveActions.map((action) => (
              <button key={action} type="submit" name="intent" value={action} className="button">
                {t(`reports:actions.${action}`)}
              </button>
            ))}
          </div>
        </Form>
      ) : null}
      {canAssign ? (
        <Form method="post" className="form" {...getFormProps(assignForm)}>
          <h3>{t('reports:detail.assignLegend')}</h3>
          <FormErrors id={assignForm.errorId} errors={assignForm.errors} />
          <input type="hidden" name="intent" value="assign" />
          <SelectField
            label={t('reports:detail.assigneeField')}
            selectProps={getSelectProps(assignFields.assigneeUserId)}
            placeholder={t('reports:detail.none')}
            options={assignees.map((a) => ({ value: a.id, label: a.displayName }))}
            errors={assignFields.assigneeUserId.errors}
          />
          <SelectField
            label={t('reports:detail.departmentField')}
            selectProps={getSelectProps(assignFields.department)}
            placeholder={t('reports:detail.none')}
            options={departments.map((d) => ({ value: d, label: t(`reports:department.${d}`) }))}
            errors={assignFields.department.errors}
          />
          <button type="submit" className="button button--secondary">
            {t('reports:detail.assign')}
          </button>
        </Form>
      ) : null}
      {statusActions.includes('reject') ? (
        <Form method="post" className="form" {...getFormProps(rejectForm)}>
          <h3>{t('reports:detail.rejectLegend')}</h3>
          <FormErrors id={rejectForm.errorId} errors={rejectForm.errors} />
          <input type="hidden" name="intent" value="reject" />
          <TextareaField label={t('reports:detail.reason')} textareaProps={{ ...getTextareaProps(rejectFields.reason), rows: 3, maxLength: 500 }} errors={rejectFields.reason.errors} />
          <button type="submit" className="button button--danger">
            {t('reports:actions.reject')}
          </button>
        </Form>
      ) : null}
    </section>
  );
}

export interface CommentView {
  id: number;
  body: string;
  internal: boolean;
  authorName: string | null;
  createdAt: Date | string;
}

export function Thread({ comments, lastResult, canNote }: { comments: CommentView[]; lastResult: LastResult; canNote: boolean }) {
  const { t } = useTranslation();
  const notes = comments.filter((c) => c.internal).length;
  return (
    <section className="report-section" id="thread" aria-labelledby="thread-heading">
      <h2 id="thread-heading">{t('reports:detail.thread')}</h2>
      {comments.length === 0 ? <p className="report-meta">{t('reports:detail.noComments')}</p> : null}
      <ol className="thread">
        {comments.map((c) => (
          <li key={c.id} className={c.internal ? 'thread__item thread__item--internal' : 'thread__item'}>
            <div className="report-meta">
              <strong>{c.authorName ?? '—'}</strong> · <DateTime value={c.createdAt} />
              {c.internal ? <> · {t('reports:detail.internal')}</> : null}
            </div>
            <p className="thread__body">{c.body}</p>
          </li>
        ))}
      </ol>
      {/* Keyed by the count, so a sent message clears its box (the page stays mounted with JavaScript). */}
      <ThreadForm key={`comment-${comments.length - notes}`} intent="comment" lastResult={lastResult} />
      {canNote ? <ThreadForm key={`note-${notes}`} intent="note" lastResult={lastResult} /> : null}
    </section>
  );
}

function ThreadForm({ intent, lastResult }: { intent: 'comment' | 'note'; lastResult: LastResult }) {
  const { t } = useTranslation();
  const [form, fields] = useForm<{ intent: string; body: string }>({ id: `report-${intent}`, lastResult: resultFor(lastResult, intent) });
  const note = intent === 'note';
  return (
    <Form method="post" className="form" {...getFormProps(form)}>
      <FormErrors id={form.errorId} errors={form.errors} />
      <input type="hidden" name="intent" value={intent} />
      <TextareaField label={t(note ? 'reports:detail.note' : 'reports:detail.comment')} textareaProps={{ ...getTextareaProps(fields.body), rows: 3, maxLength: 2000 }} errors={fields.body.errors} />
      <p className="field-help">{t(note ? 'reports:detail.internalHelp' : 'reports:detail.commentHelp')}</p>
      <button type="submit" className={note ? 'button button--secondary' : 'button'}>
        {t(note ? 'reports:detail.sendNote' : 'reports:detail.sendComment')}
      </button>
    </Form>
  );
}

export interface EventView {
  id: number;
  action: string;
  data: Record<string, unknown>;
  actorName: string | null;
  createdAt: Date | string;
}

export function History({ events, people }: { events: EventView[]; people: Record<string, string> }) {
  const { t } = useTranslation();
  const describe = (e: EventView): string => {
    const d = e.data;
    const status = (s: unknown) => t(`reports:status.${String(s)}`);
    switch (e.action) {
      case 'filed':
        return `${e.actorName ?? '—'} ${t('reports:history.filed')}${d.filedForName ? ` · ${t('reports:detail.filedFor', { name: d.filedForName })}` : ''}`;
      case 'routed': {
        const count = Array.isArray(d.coordinatorUserIds) ? d.coordinatorUserIds.length : 0;
        return count > 0 ? t('reports:history.routed', { count }) : t('reports:history.routedNone');
      }
      case 'status':
        return [`${e.actorName ?? '—'} · ${t('reports:history.status', { from: status(d.from), to: status(d.to) })}`, d.reason ? t('reports:history.statusReason', { reason: d.reason }) : null]
          .filter(Boolean)
          .join(' · ');
      case 'assigned':
        return `${e.actorName ?? '—'} · ${t('reports:history.assigned', {
          assignee: typeof d.assigneeUserId === 'string' ? (people[d.assigneeUserId] ?? '—') : t('reports:detail.unassigned'),
          department: typeof d.department === 'string' ? t(`reports:department.${d.department}`) : '—',
        })}`;
      case 'escalated':
        return t(d.leadUserId ? 'reports:history.escalated' : 'reports:history.escalatedNoLead', { hours: d.ackTargetHours });
      default:
        return e.action;
    }
  };
  return (
    <section className="report-section" aria-labelledby="history-heading">
      <h2 id="history-heading">{t('reports:detail.history')}</h2>
      <ol className="history">
        {events.map((e) => (
          <li key={e.id}>
            <DateTime value={e.createdAt} /> · {describe(e)}
          </li>
        ))}
      </ol>
    </section>
  );
}
