import { redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import { countNotifications, listNotifications, markRead, NOTIFICATIONS_PAGE_SIZE } from '~/models/notifications.server';
import reportsStyles from '~/styles/reports.css';
import { requireUser } from '~/utils/auth.server';
import { invariantResponse, safeRedirectPath } from '~/utils/http.server';
import { DateTime } from '../reports.$id/ui';
import { refuseNul } from '~/utils/parse-form';

export const handle = { i18n: ['reports'] };

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: reportsStyles }];
export const meta: MetaFunction = () => [{ title: '通知 · 地标助农' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUser(request, app);
  const page = Math.min(1000, Math.max(1, Number(new URL(request.url).searchParams.get('page')) || 1));
  const [items, counts] = await Promise.all([
    listNotifications(app.db, user.id, { limit: NOTIFICATIONS_PAGE_SIZE, offset: (page - 1) * NOTIFICATIONS_PAGE_SIZE }),
    countNotifications(app.db, user.id),
  ]);
  return { items, page, pageCount: Math.max(1, Math.ceil(counts.total / NOTIFICATIONS_PAGE_SIZE)), unread: counts.unread };
}

const actionSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('read'), id: z.coerce.number().int().positive(), redirectTo: z.string().optional() }),
  z.object({ intent: z.literal('read-all') }),
]);

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const user = await requireUser(request, app);
  const parsed = actionSchema.safeParse(Object.fromEntries(refuseNul(await request.formData())));
  invariantResponse(parsed.success, 'Bad request');
  const value = parsed.data;
  await markRead(app.db, user.id, value.intent === 'read' ? [value.id] : 'all', app.now());
  // "Open" marks read and follows the link; "mark read" stays on the list.
  const to = value.intent === 'read' && value.redirectTo ? safeRedirectPath(value.redirectTo, '/notifications') : '/notifications';
  return redirect(to);
}

export default function Notifications() {
  const { items, page, pageCount, unread } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  return (
    <section>
      <h1>{t('reports:inbox.title')}</h1>
      <div className="actions-row">
        <span>{t('reports:inbox.unread', { count: unread })}</span>
        {unread > 0 ? (
          <Form method="post">
            <button type="submit" name="intent" value="read-all" className="button button--secondary">
              {t('reports:inbox.markAllRead')}
            </button>
          </Form>
        ) : null}
      </div>
      {items.length === 0 ? (
        <p className="report-meta">{t('reports:inbox.empty')}</p>
      ) : (
        <ul className="inbox">
          {items.map((n) => (
            <li key={n.id} className={n.readAt ? 'inbox__item' : 'inbox__item inbox__item--unread'}>
              <h2>
                {n.readAt ? null : <span className="report-flag">{t('reports:inbox.new')}</span>} {n.title}
              </h2>
              {n.body ? <p className="inbox__body">{n.body}</p> : null}
              <div className="actions-row report-meta">
                <DateTime value={n.createdAt} />
                <Form method="post" className="actions-row">
                  <input type="hidden" name="id" value={n.id} />
                  {n.link ? (
                    <>
                      <input type="hidden" name="redirectTo" value={n.link} />
                      <button type="submit" name="intent" value="read" className="button button--secondary">
                        {t('reports:inbox.open')}
                      </button>
                    </>
                  ) : null}
                </Form>
                {n.readAt ? null : (
                  <Form method="post">
                    <input type="hidden" name="id" value={n.id} />
                    <button type="submit" name="intent" value="read" className="link-button">
                      {t('reports:inbox.markRead')}
                    </button>
                  </Form>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      {pageCount > 1 ? (
        <nav className="pagination" aria-label={t('pagination.label')}>
          {page > 1 ? <Link to={`?page=${page - 1}`}>{t('pagination.previous')}</Link> : null}
          <span>{t('pagination.status', { page, pageCount })}</span>
          {page < pageCount ? <Link to={`?page=${page + 1}`}>{t('pagination.next')}</Link> : null}
        </nav>
      ) : null}
    </section>
  );
}
