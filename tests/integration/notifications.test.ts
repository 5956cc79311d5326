/**
 * In-app notifications with their e-mail copy: written in the recipient's language, listed
 * newest first for their owner only, marked read one by one or all at once.
 */
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { jobs, notifications, users } from '~/db/schema';
import { countNotifications, createNotification, listNotifications, markRead, notifyUsers } from '~/models/notifications.server';
import { createUser } from '~/models/user.server';
import { action, loader } from '~/routes/notifications/route';
import type { AppContext } from '~/utils/context.server';
import { EMAIL_JOB } from '~/utils/mail.server';
import { signIn } from '../fixtures/coop-portal';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';

const NOW = new Date('2020-02-20T02:00:00Z');

describeEachDriver('notifications', (t) => {
  let app: AppContext;
  let clock = NOW;
  let chinese: { id: string };
  let english: { id: string };
  let phoneOnly: { id: string };

  const emailsTo = async (address: string) =>
    (await app.db.select().from(jobs).where(eq(jobs.kind, EMAIL_JOB))).map((j) => j.payload as { to: string; subject: string; text: string }).filter((p) => p.to === address);

  beforeAll(async () => {
    app = createTestApp(t.database, {}, () => clock);
    const make = (email: string | null, mobile: string | null, locale: string) =>
      createUser(app.db, { displayName: email ?? mobile!, email, mobile, password: 'Long-Enough-Pass-2020', locale, privacyConsentAt: NOW, now: NOW });
    chinese = await make('zh@example.com', null, 'zh-CN');
    english = await make('en@example.com', null, 'en');
    phoneOnly = await make(null, '13700000000', 'zh-CN');
  });

  describe('creating', () => {
    it('writes the texts in the recipient’s language and e-mails a copy with the full link', async () => {
      const title = (tr: (key: string, o?: Record<string, unknown>) => string) => tr('reports:notifications.comment.title', { reference: 'AB12CD34' });
      const zh = await createNotification(app.db, { userId: chinese.id, kind: 'report.comment', title, body: '已联系交通部门', link: '/reports/abc', email: { baseUrl: 'https://dibiao.example' } });
      const en = await createNotification(app.db, { userId: english.id, kind: 'report.comment', title, link: '/reports/abc', email: { baseUrl: 'https://dibiao.example' } });
      const [zhRow] = await app.db.select().from(notifications).where(eq(notifications.id, zh!.id));
      const [enRow] = await app.db.select().from(notifications).where(eq(notifications.id, en!.id));
      expect(zhRow).toMatchObject({ title: '报告 AB12CD34 有新留言', body: '已联系交通部门', link: '/reports/abc', readAt: null });
      expect(enRow?.title).toBe('New message on report AB12CD34');
      const [mail] = await emailsTo('zh@example.com');
      expect(mail?.subject).toBe('报告 AB12CD34 有新留言');
      expect(mail?.text).toContain('已联系交通部门');
      expect(mail?.text).toContain('https://dibiao.example/reports/abc');
      expect(zh!.emailJobId).not.toBeNull();
    });

    it('sends no e-mail to an account without an address, nor when asked not to', async () => {
      const phone = await createNotification(app.db, { userId: phoneOnly.id, kind: 'test', title: '只有手机号', email: { baseUrl: 'https://dibiao.example' } });
      expect(phone?.emailJobId).toBeNull();
      const before = (await emailsTo('zh@example.com')).length;
      const quiet = await createNotification(app.db, { userId: chinese.id, kind: 'test', title: '站内通知', email: false });
      expect(quiet?.emailJobId).toBeNull();
      expect((await emailsTo('zh@example.com')).length).toBe(before);
    });

    it('keeps a title to one line, since it becomes the e-mail subject', async () => {
      const created = await createNotification(app.db, { userId: chinese.id, kind: 'test', title: '第一行\n第二行', email: { baseUrl: 'https://dibiao.example' } });
      const [row] = await app.db.select().from(notifications).where(eq(notifications.id, created!.id));
      expect(row?.title).toBe('第一行 第二行');
    });

    it('notifies each person once, skipping empty ids and accounts that are gone', async () => {
      const gone = await createUser(app.db, { displayName: 'gone', email: 'gone@example.com', password: 'Long-Enough-Pass-2020', privacyConsentAt: NOW, now: NOW });
      await app.db.delete(users).where(eq(users.id, gone.id));
      const sent = await notifyUsers(app.db, [english.id, english.id, null, undefined, gone.id], { kind: 'test.dedup', title: 'once' });
      expect(sent).toBe(1);
      expect((await app.db.select().from(notifications).where(eq(notifications.kind, 'test.dedup'))).length).toBe(1);
    });
  });

  describe('reading', () => {
    it('lists one’s own notifications newest first and counts the unread', async () => {
      clock = new Date(NOW.getTime() + 60_000);
      const older = await createNotification(app.db, { userId: english.id, kind: 'test.order', title: 'older' });
      await app.db.update(notifications).set({ createdAt: new Date(NOW.getTime() - 60_000) }).where(eq(notifications.id, older!.id));
      const newer = await createNotification(app.db, { userId: english.id, kind: 'test.order', title: 'newer' });
      const list = await listNotifications(app.db, english.id);
      expect(list[0]?.id).toBe(newer!.id);
      expect(list.map((n) => n.id)).toContain(older!.id);
      expect(list.every((n) => n.title !== '报告 AB12CD34 有新留言')).toBe(true);
      const counts = await countNotifications(app.db, english.id);
      expect(counts.unread).toBe(counts.total);
      expect(counts.total).toBe(list.length);
    });

    it('marks read only the owner’s notifications, one or all', async () => {
      const mine = await createNotification(app.db, { userId: chinese.id, kind: 'test.read', title: 'mine' });
      const theirs = await createNotification(app.db, { userId: english.id, kind: 'test.read', title: 'theirs' });
      expect(await markRead(app.db, chinese.id, [mine!.id, theirs!.id], clock)).toBe(1);
      const rows = await app.db.select().from(notifications).where(eq(notifications.kind, 'test.read'));
      expect(rows.find((r) => r.id === mine!.id)?.readAt).toEqual(clock);
      expect(rows.find((r) => r.id === theirs!.id)?.readAt).toBeNull();
      await markRead(app.db, chinese.id, 'all', clock);
      expect((await countNotifications(app.db, chinese.id)).unread).toBe(0);
      expect((await countNotifications(app.db, english.id)).unread).toBeGreaterThan(0);
    });
  });

  describe('/notifications', () => {
    it('shows the list, opens a notification (marking it read) and marks all read', async () => {
      const cookie = await signIn(app, english.id);
      const page = await loader({ request: new Request('http://localhost/notifications', { headers: { Cookie: cookie } }), params: {}, context: { app } });
      expect(page.unread).toBeGreaterThan(0);
      const target = await createNotification(app.db, { userId: english.id, kind: 'test.open', title: 'open me', link: '/reports/abc' });
      const post = (fields: Record<string, string>) =>
        action({ request: new Request('http://localhost/notifications', { method: 'POST', body: new URLSearchParams(fields), headers: { Cookie: cookie } }), params: {}, context: { app } });
      const opened = (await post({ intent: 'read', id: String(target!.id), redirectTo: '/reports/abc' })) as Response;
      expect(opened.status).toBe(302);
      expect(opened.headers.get('Location')).toBe('/reports/abc');
      const offsite = (await post({ intent: 'read', id: String(target!.id), redirectTo: 'https://evil.example/' })) as Response;
      expect(offsite.headers.get('Location')).toBe('/notifications');
      const all = (await post({ intent: 'read-all' })) as Response;
      expect(all.headers.get('Location')).toBe('/notifications');
      expect((await countNotifications(app.db, english.id)).unread).toBe(0);
    });
  });
});
