/** Who is signed in: reading the session cookie, signing in and out. */
import { redirect } from '@remix-run/node';
import type { Role } from '~/db/schema';
import { getUserById, loadUserAccess } from '~/models/user.server';
import type { AppContext } from './context.server';
import { safeRedirectPath } from './http.server';
import {
  deleteSessionById,
  deleteUserSessions,
  insertSession,
  readSessionId,
  resolveSession,
  serializeExpiredSessionCookie,
  serializeSessionCookie,
} from './session.server';

export interface CurrentUser {
  id: string;
  displayName: string;
  email: string | null;
  mobile: string | null;
  locale: string;
  roles: Role[];
  cooperativeIds: number[];
  associationIds: number[];
}

// The root loader and the page's loader both ask within one request: look up once.
const requestCache = new WeakMap<Request, Promise<CurrentUser | null>>();

/** The signed-in user, or null. */
export function getOptionalUser(request: Request, app: AppContext): Promise<CurrentUser | null> {
  let pending = requestCache.get(request);
  if (!pending) {
    pending = loadCurrentUser(request, app);
    requestCache.set(request, pending);
  }
  return pending;
}

async function loadCurrentUser(request: Request, app: AppContext): Promise<CurrentUser | null> {
  const sessionId = await readSessionId(request, app.sessionSecret);
  if (!sessionId) return null;
  const session = await resolveSession(app, sessionId);
  if (!session) return null;
  const user = await getUserById(app.db, session.userId);
  if (!user) return null;
  const access = await loadUserAccess(app.db, user.id);
  return {
    id: user.id,
    displayName: user.displayName,
    email: user.email,
    mobile: user.mobile,
    locale: user.locale,
    ...access,
  };
}

/** The path and query of this request, to come back to after signing in. */
export function currentPath(request: Request): string {
  const url = new URL(request.url);
  return url.pathname + url.search;
}

/** The signed-in user; otherwise throws a redirect to /login that comes back here afterwards. */
export async function requireUser(request: Request, app: AppContext): Promise<CurrentUser> {
  const user = await getOptionalUser(request, app);
  if (!user) throw redirect(`/login?${new URLSearchParams({ redirectTo: currentPath(request) })}`);
  return user;
}

/** For /login and /signup: a signed-in visitor goes on to where they were heading. */
export async function requireAnonymous(request: Request, app: AppContext): Promise<void> {
  if (await getOptionalUser(request, app)) {
    const to = safeRedirectPath(new URL(request.url).searchParams.get('redirectTo'), '/account');
    // Going back to /login or /signup would bounce here forever.
    throw redirect(/^\/(login|signup)(?:[/?#]|$)/.test(to) ? '/account' : to);
  }
}

/**
 * Signs the user in with a brand-new session id (never one the browser held before, so a
 * planted id is worthless) and redirects. A session the request already carried is ended.
 */
export async function createUserSession(app: AppContext, request: Request, userId: string, redirectTo: string): Promise<Response> {
  const previous = await readSessionId(request, app.sessionSecret);
  if (previous) await deleteSessionById(app.db, previous);
  const sessionId = await insertSession(app.db, { userId, now: app.now(), userAgent: request.headers.get('User-Agent') });
  requestCache.delete(request);
  return redirect(safeRedirectPath(redirectTo), {
    headers: { 'Set-Cookie': await serializeSessionCookie(request, app.sessionSecret, sessionId) },
  });
}

/** Ends this request's session server-side and redirects with the cookie cleared. */
export async function destroySession(app: AppContext, request: Request, redirectTo = '/'): Promise<Response> {
  const sessionId = await readSessionId(request, app.sessionSecret);
  if (sessionId) await deleteSessionById(app.db, sessionId);
  requestCache.delete(request);
  return redirect(safeRedirectPath(redirectTo), {
    headers: { 'Set-Cookie': await serializeExpiredSessionCookie(request, app.sessionSecret) },
  });
}

/** Ends every session of the user except the one this request carries. */
export async function endOtherSessions(app: AppContext, request: Request, userId: string): Promise<void> {
  const sessionId = await readSessionId(request, app.sessionSecret);
  await deleteUserSessions(app.db, userId, sessionId);
}

/** Ends every session of the user, everywhere. */
export async function endAllSessions(app: AppContext, userId: string): Promise<void> {
  await deleteUserSessions(app.db, userId);
}
