/**
 * In-app notifications (/notifications) with an e-mail copy through the outbox. Texts are
 * composed in the recipient's language when the notification is created, so the list reads
 * the same whenever it is opened. Call these inside the transaction of the change they announce.
 */
import { and, count, desc, eq, inArray, isNull } from 'drizzle-orm';
import { isLocale } from '~/locales';
import { notifications, users } from '~/db/schema';
import type { Db } from '~/utils/db.server';
import { createI18n } from '~/utils/i18n';
import { enqueueEmail } from '~/utils/mail.server';

export type Translate = (key: string, options?: Record<string, unknown>) => string;
/** A fixed text, or one composed with `t` in the recipient's language. */
export type NotificationText = string | ((t: Translate) => string);

export interface NewNotification {
  userId: string;
  /** Dotted kind, e.g. 'report.status'; lets the list and later filters tell kinds apart. */
  kind: string;
  title: NotificationText;
  body?: NotificationText;
  /** A path inside the site, e.g. '/reports/…'. */
  link?: string | null;
  /**
   * The e-mail copy: sent when the user has an e-mail address, with the link made absolute on
   * `baseUrl`. `false` keeps the notification in-app only.
   */
  email?: false | { baseUrl: string };
}

export interface CreatedNotification {
  id: number;
  /** The outbox job of the e-mail copy, or null when none was sent. */
  emailJobId: number | null;
}

/** Writes the notification and enqueues its e-mail copy; null when the user no longer exists. */
export async function createNotification(db: Db, input: NewNotification): Promise<CreatedNotification | null> {
  const [recipient] = await db.select({ email: users.email, locale: users.locale }).from(users).where(eq(users.id, input.userId));
  if (!recipient) return null;
  const i18n = createI18n(isLocale(recipient.locale) ? recipient.locale : 'zh-CN');
  const t: Translate = (key, options) => i18n.t(key, options ?? {});
  const compose = (text: NotificationText | undefined) => (typeof text === 'function' ? text(t) : (text ?? ''));
  // One line: it becomes the e-mail subject.
  const title = compose(input.title).replace(/\s+/g, ' ').trim().slice(0, 200);
  const body = compose(input.body);
  const [row] = await db
    .insert(notifications)
    .values({ userId: input.userId, kind: input.kind, title, body, link: input.link ?? null })
    .returning({ id: notifications.id });
  let emailJobId: number | null = null;
  if (input.email !== false && input.email && recipient.email) {
    const url = input.link ? new URL(input.link, input.email.baseUrl).toString() : null;
    const text = [body, url ? `${t('reports:notifications.emailOpen')} ${url}` : null, t('reports:notifications.emailFooter')].filter(Boolean).join('\n\n');
    emailJobId = await enqueueEmail(db, { to: recipient.email, subject: title, text });
  }
  return { id: row!.id, emailJobId };
}

/** The same notification for several people (each in their own language); duplicates are sent once. */
export async function notifyUsers(db: Db, userIds: readonly (string | null | undefined)[], input: Omit<NewNotification, 'userId'>): Promise<number> {
  let sent = 0;
  for (const userId of new Set(userIds.filter((id): id is string => Boolean(id)))) {
    if (await createNotification(db, { ...input, userId })) sent++;
  }
  return sent;
}

export const NOTIFICATIONS_PAGE_SIZE = 30;

export async function listNotifications(db: Db, userId: string, { limit = NOTIFICATIONS_PAGE_SIZE, offset = 0, unreadOnly = false } = {}) {
  return db
    .select({
      id: notifications.id,
      kind: notifications.kind,
      title: notifications.title,
      body: notifications.body,
      link: notifications.link,
      readAt: notifications.readAt,
      createdAt: notifications.createdAt,
    })
    .from(notifications)
    .where(and(eq(notifications.userId, userId), unreadOnly ? isNull(notifications.readAt) : undefined))
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(Math.min(limit, 200))
    .offset(offset);
}

export async function countNotifications(db: Db, userId: string): Promise<{ total: number; unread: number }> {
  const [row] = await db
    .select({ total: count(), unread: count(notifications.readAt) })
    .from(notifications)
    .where(eq(notifications.userId, userId));
  const total = Number(row?.total ?? 0);
  // count(read_at) counts the read ones.
  return { total, unread: total - Number(row?.unread ?? 0) };
}

/** For a header badge. */
export async function countUnreadNotifications(db: Db, userId: string): Promise<number> {
  return (await countNotifications(db, userId)).unread;
}

/**
 * Marks the user's notifications read: the ids given, or all of them. Other users' ids are
 * ignored, so a forged id cannot touch someone else's list. Returns how many changed.
 */
export async function markRead(db: Db, userId: string, ids: readonly number[] | 'all', now: Date): Promise<number> {
  if (ids !== 'all' && ids.length === 0) return 0;
  const changed = await db
    .update(notifications)
    .set({ readAt: now })
    .where(and(eq(notifications.userId, userId), isNull(notifications.readAt), ids === 'all' ? undefined : inArray(notifications.id, [...ids])))
    .returning({ id: notifications.id });
  return changed.length;
}
