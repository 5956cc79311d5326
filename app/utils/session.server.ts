/**
 * Database sessions. The browser holds a random 32-byte id in a cookie signed with the app's
 * secret; the `sessions` table holds only its SHA-256, so a leaked table cannot be replayed.
 * Sessions end after 7 idle days and, whatever the activity, 30 days after they began.
 */
import crypto from 'node:crypto';
import { createCookie, type Cookie } from '@remix-run/node';
import { and, eq, lte, ne } from 'drizzle-orm';
import { sessions } from '~/db/schema';
import type { AppContext } from './context.server';
import type { Db } from './db.server';

export const SESSION_IDLE_MS = 7 * 24 * 60 * 60 * 1000;
export const SESSION_ABSOLUTE_MS = 30 * 24 * 60 * 60 * 1000;
/** Activity is written back at most this often, so reading pages costs no write per request. */
export const SESSION_TOUCH_INTERVAL_MS = 60 * 60 * 1000;

const SECURE_COOKIE_NAME = '__Host-session';
const PLAIN_COOKIE_NAME = 'session';

export function sha256Hex(value: string): string {
  return crypto.createHash('sha256').update(value).digest('hex');
}

/** A fresh unguessable token (256 bits), URL-safe. */
export function randomToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/**
 * True when the visitor reached us over HTTPS, directly or through the TLS-terminating proxy in
 * front of us (the Express server trusts a loopback proxy). A forged header on plain HTTP only
 * makes the browser drop the Secure cookie, which harms nobody but the forger.
 */
export function isSecureRequest(request: Request): boolean {
  if (new URL(request.url).protocol === 'https:') return true;
  const forwarded = request.headers.get('X-Forwarded-Proto')?.split(',')[0]?.trim().toLowerCase();
  return forwarded === 'https';
}

const cookieCache = new Map<string, Cookie>();

/**
 * The session cookie for this request: `__Host-` prefixed and Secure over HTTPS (the prefix makes
 * browsers refuse it unless Secure, Path=/ and host-only), a plain name for local HTTP.
 */
export function getSessionCookie(request: Request, secret: string): Cookie {
  const secure = isSecureRequest(request);
  const cacheKey = `${secure}:${secret}`;
  let cookie = cookieCache.get(cacheKey);
  if (!cookie) {
    cookie = createCookie(secure ? SECURE_COOKIE_NAME : PLAIN_COOKIE_NAME, {
      secrets: [secret],
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      secure,
      maxAge: SESSION_ABSOLUTE_MS / 1000,
    });
    cookieCache.set(cacheKey, cookie);
  }
  return cookie;
}

/** The session id the request carries (signature checked), or null. */
export async function readSessionId(request: Request, secret: string): Promise<string | null> {
  const value: unknown = await getSessionCookie(request, secret).parse(request.headers.get('Cookie'));
  return typeof value === 'string' && value.length > 0 ? value : null;
}

export function serializeSessionCookie(request: Request, secret: string, sessionId: string): Promise<string> {
  return getSessionCookie(request, secret).serialize(sessionId);
}

export function serializeExpiredSessionCookie(request: Request, secret: string): Promise<string> {
  return getSessionCookie(request, secret).serialize('', { maxAge: 0, expires: new Date(0) });
}

function expiryFor(createdAt: Date, lastSeenAt: Date): Date {
  return new Date(Math.min(lastSeenAt.getTime() + SESSION_IDLE_MS, createdAt.getTime() + SESSION_ABSOLUTE_MS));
}

/** Stores a new session and returns its id (the only copy of it). */
export async function insertSession(db: Db, { userId, now, userAgent }: { userId: string; now: Date; userAgent?: string | null }): Promise<string> {
  const id = randomToken();
  await db.insert(sessions).values({
    idHash: sha256Hex(id),
    userId,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: expiryFor(now, now),
    userAgent: userAgent?.slice(0, 300) ?? null,
  });
  return id;
}

/**
 * The user id of a live session, extending its idle expiry when the last recorded activity is
 * older than the touch interval. An expired session is deleted on sight.
 */
export async function resolveSession(app: AppContext, sessionId: string): Promise<{ userId: string; idHash: string } | null> {
  const idHash = sha256Hex(sessionId);
  const [row] = await app.db.select().from(sessions).where(eq(sessions.idHash, idHash));
  if (!row) return null;
  const now = app.now();
  if (now >= row.expiresAt || now.getTime() >= row.createdAt.getTime() + SESSION_ABSOLUTE_MS) {
    await app.db.delete(sessions).where(eq(sessions.idHash, idHash));
    return null;
  }
  if (now.getTime() - row.lastSeenAt.getTime() >= SESSION_TOUCH_INTERVAL_MS) {
    await app.db
      .update(sessions)
      .set({ lastSeenAt: now, expiresAt: expiryFor(row.createdAt, now) })
      .where(eq(sessions.idHash, idHash));
  }
  return { userId: row.userId, idHash };
}

export async function deleteSessionById(db: Db, sessionId: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.idHash, sha256Hex(sessionId)));
}

/** Ends every session of a user, or every one but `keepSessionId`. */
export async function deleteUserSessions(db: Db, userId: string, keepSessionId?: string | null): Promise<void> {
  await db
    .delete(sessions)
    .where(keepSessionId ? and(eq(sessions.userId, userId), ne(sessions.idHash, sha256Hex(keepSessionId))) : eq(sessions.userId, userId));
}

export async function listUserSessions(db: Db, userId: string) {
  return db
    .select({ createdAt: sessions.createdAt, lastSeenAt: sessions.lastSeenAt, expiresAt: sessions.expiresAt, userAgent: sessions.userAgent })
    .from(sessions)
    .where(eq(sessions.userId, userId))
    .orderBy(sessions.createdAt);
}

/** Deletes sessions past their expiry (for a periodic job; lookups already refuse them). */
export async function pruneExpiredSessions(db: Db, now: Date): Promise<void> {
  await db.delete(sessions).where(lte(sessions.expiresAt, now));
}
