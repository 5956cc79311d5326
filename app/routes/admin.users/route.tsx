import { type SubmissionResult } from '@conform-to/react';
import { parseWithZod } from '~/utils/parse-form';
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import { FormErrors } from '~/components/forms';
import type { Role } from '~/db/schema';
import { changeUserRole, listUsers } from '~/models/admin.server';
import { notFound } from '~/utils/http.server';
import type { GrantableRole } from '~/utils/permissions-onboarding.server';
import { pageParam, requireAdmin } from '../admin/access.server';
import { Notice, SelectField } from '../admin/ui';

export const handle = { i18n: ['admin', 'onboarding'] };

// Literal lists: the browser bundle gets neither the schema module nor the permissions module.
const ROLES: readonly Role[] = ['customer', 'coordinator', 'admin'];
const GRANTABLE_ROLES = ['coordinator', 'admin'] as const satisfies readonly GrantableRole[];

const schema = z.object({
  intent: z.enum(['grant', 'revoke']),
  userId: z.string().uuid(),
  role: z.enum(GRANTABLE_ROLES),
});

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireAdmin(request, context.app);
  const url = new URL(request.url);
  const q = url.searchParams.get('q')?.slice(0, 100) ?? '';
  const role = ROLES.find((r) => r === url.searchParams.get('role'));
  const page = pageParam(url);
  const result = await listUsers(context.app.db, { q, role, page });
  return {
    selfId: user.id,
    q,
    role: role ?? '',
    page,
    hasMore: result.hasMore,
    users: result.users.map((u) => ({ ...u, createdAt: u.createdAt.toISOString() })),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const user = await requireAdmin(request, app);
  const submission = parseWithZod(await request.formData(), { schema });
  if (submission.status !== 'success') return data(submission.reply(), { status: 400 });
  const { intent, userId, role } = submission.value;
  const result = await changeUserRole(app.db, { actor: user, userId, role, grant: intent === 'grant', now: app.now() });
  if (!result.ok && result.error === 'not_found') notFound();
  if (!result.ok && result.error === 'forbidden') {
    return data(submission.reply({ formErrors: ['admin:errors.cannotRemoveOwnAdmin'] }), { status: 403 });
  }
  const back = new URL(request.url);
  back.searchParams.set('changed', '1');
  return redirect(back.pathname + back.search);
}

export default function AdminUsers() {
  const { selfId, q, role, page, hasMore, users } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>() as SubmissionResult<string[]> | undefined;
  const [searchParams] = useSearchParams();
  const { t } = useTranslation();
  const pageLink = (p: number) => `?${new URLSearchParams({ q, role, page: String(p) })}`;
  return (
    <section>
      <h1>{t('admin:users.title')}</h1>
      {searchParams.get('changed') ? <Notice>{t('admin:users.changed')}</Notice> : null}
      <FormErrors errors={lastResult?.error?.[''] ?? undefined} />
      <Form method="get" className="filter-bar">
        <div className="field">
          <label htmlFor="user-q">{t('admin:users.search')}</label>
          <input id="user-q" type="search" name="q" defaultValue={q} />
        </div>
        <SelectField
          label={t('admin:users.roleFilter')}
          selectProps={{ name: 'role', defaultValue: role }}
          placeholder={t('admin:all')}
          options={ROLES.map((r) => ({ value: r, label: t(`admin:roles.${r}`) }))}
        />
        <button type="submit" className="button button--secondary">
          {t('admin:filter')}
        </button>
      </Form>
      <ul className="admin-list">
        {users.map((u) => (
          <li key={u.id} className="admin-list__item admin-list__item--stacked">
            <div>
              <strong>{u.displayName}</strong>
              <div className="muted">{[u.email, u.mobile].filter(Boolean).join(' · ')}</div>
              <div>{u.roles.map((r) => t(`admin:roles.${r}`)).join('、')}</div>
            </div>
            <div className="button-row">
              {GRANTABLE_ROLES.map((r) => {
                const has = u.roles.includes(r);
                if (has && r === 'admin' && u.id === selfId) return null;
                return (
                  <Form method="post" key={r}>
                    <input type="hidden" name="userId" value={u.id} />
                    <input type="hidden" name="role" value={r} />
                    <button type="submit" name="intent" value={has ? 'revoke' : 'grant'} className="button button--secondary">
                      {t(has ? 'admin:users.revoke' : 'admin:users.grant', { role: t(`admin:roles.${r}`) })}
                    </button>
                  </Form>
                );
              })}
            </div>
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
