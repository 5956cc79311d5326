import { getFormProps, getInputProps, getSelectProps, useForm, type SubmissionResult } from '@conform-to/react';
import { parseWithZod } from '~/utils/parse-form';
import type { LoaderFunctionArgs } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import { Field, FormErrors } from '~/components/forms';
import { listAuditPage, listAuditVocabulary } from '~/models/admin.server';
import { findUserByAccount, parseAccount } from '~/models/user.server';
import { pageParam, requireAdmin } from '../admin/access.server';
import { accountSchema } from '../admin/schemas';
import { DateTime, SelectField } from '../admin/ui';

export const handle = { i18n: ['admin', 'onboarding'] };

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

const schema = z
  .object({
    action: z.string().trim().max(100).optional(),
    entityType: z.string().trim().max(100).optional(),
    entityId: z.string().trim().max(100).optional(),
    actor: accountSchema.optional(),
    from: z.string().regex(DATE, 'admin:errors.date').optional(),
    to: z.string().regex(DATE, 'admin:errors.date').optional(),
    page: z.string().optional(),
  })
  .refine((v) => !v.from || !v.to || v.from <= v.to, { path: ['to'], message: 'admin:errors.dateRange' });

/** Midnight in China at the start of the day (`to` covers its whole day). */
const chinaDay = (isoDate: string, endOfDay = false) => new Date(Date.parse(`${isoDate}T00:00:00+08:00`) + (endOfDay ? DAY_MS - 1 : 0));

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { db } = context.app;
  await requireAdmin(request, context.app);
  const url = new URL(request.url);
  const vocabulary = await listAuditVocabulary(db);
  const submission = parseWithZod(url.searchParams, { schema });
  const empty = { vocabulary, events: [], hasMore: false, page: 1, query: url.search };
  if (submission.status !== 'success') return { ...empty, lastResult: submission.reply() };
  const v = submission.value;
  let actorUserId: string | undefined;
  if (v.actor) {
    const actor = await findUserByAccount(db, parseAccount(v.actor)!);
    if (!actor) return { ...empty, lastResult: submission.reply({ fieldErrors: { actor: ['admin:errors.userNotFound'] } }) };
    actorUserId = actor.id;
  }
  const page = pageParam(url);
  const { events, hasMore } = await listAuditPage(
    db,
    {
      action: v.action,
      entityType: v.entityType,
      entityId: v.entityId,
      actorUserId,
      from: v.from ? chinaDay(v.from) : undefined,
      to: v.to ? chinaDay(v.to, true) : undefined,
    },
    page,
  );
  return {
    vocabulary,
    page,
    hasMore,
    query: url.search,
    lastResult: submission.reply(),
    events: events.map((e) => ({
      id: e.id,
      action: e.action,
      entityType: e.entityType,
      entityId: e.entityId,
      data: JSON.stringify(e.data),
      createdAt: e.createdAt.toISOString(),
      actorName: e.actor ? e.actor.displayName : null,
      actorContact: e.actor ? (e.actor.email ?? e.actor.mobile) : null,
    })),
  };
}

export default function AdminAudit() {
  const { vocabulary, events, hasMore, page, query, lastResult } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const [form, fields] = useForm<z.input<typeof schema>>({ id: 'audit-filter', lastResult: lastResult as SubmissionResult<string[]> });
  const pageLink = (p: number) => {
    const params = new URLSearchParams(query);
    params.set('page', String(p));
    return `?${params}`;
  };
  const options = (values: string[]) => values.map((value) => ({ value, label: value }));
  return (
    <section>
      <h1>{t('admin:audit.title')}</h1>
      <Form method="get" className="form filter-grid" {...getFormProps(form)}>
        <FormErrors id={form.errorId} errors={form.errors} />
        <SelectField label={t('admin:audit.action')} selectProps={getSelectProps(fields.action)} placeholder={t('admin:all')} options={options(vocabulary.actions)} errors={fields.action.errors} />
        <SelectField
          label={t('admin:audit.entityType')}
          selectProps={getSelectProps(fields.entityType)}
          placeholder={t('admin:all')}
          options={options(vocabulary.entityTypes)}
          errors={fields.entityType.errors}
        />
        <Field label={t('admin:audit.entityId')} inputProps={getInputProps(fields.entityId, { type: 'text' })} errors={fields.entityId.errors} />
        <Field label={t('admin:audit.actor')} help={t('admin:accountHelp')} inputProps={getInputProps(fields.actor, { type: 'text' })} errors={fields.actor.errors} />
        <Field label={t('admin:audit.from')} inputProps={getInputProps(fields.from, { type: 'date' })} errors={fields.from.errors} />
        <Field label={t('admin:audit.to')} inputProps={getInputProps(fields.to, { type: 'date' })} errors={fields.to.errors} />
        <button type="submit" className="button button--secondary">
          {t('admin:filter')}
        </button>
      </Form>
      {events.length === 0 ? <p className="muted">{t('admin:none')}</p> : null}
      <ol className="admin-list audit-list">
        {events.map((e) => (
          <li key={e.id} className="admin-list__item admin-list__item--stacked">
            <div>
              <strong>{e.action}</strong> · {e.entityType} #{e.entityId}
            </div>
            <div className="muted">
              <DateTime value={e.createdAt} /> · {e.actorName ? `${e.actorName}（${e.actorContact ?? ''}）` : t('admin:audit.system')}
            </div>
            <pre className="audit-data">{e.data}</pre>
          </li>
        ))}
      </ol>
      <nav className="pagination" aria-label={t('pagination.label')}>
        {page > 1 ? <Link to={pageLink(page - 1)}>{t('pagination.previous')}</Link> : null}
        {hasMore ? <Link to={pageLink(page + 1)}>{t('pagination.next')}</Link> : null}
      </nav>
    </section>
  );
}
