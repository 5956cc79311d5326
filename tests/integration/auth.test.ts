import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { sessions, userRoles, users } from '~/db/schema';
import { action as loginAction, loader as loginLoader } from '~/routes/login/route';
import { action as logoutAction, loader as logoutLoader } from '~/routes/logout/route';
import { action as signupAction } from '~/routes/signup/route';
import { getOptionalUser, requireUser } from '~/utils/auth.server';
import type { AppContext } from '~/utils/context.server';
import { requireRole } from '~/utils/permissions.server';
import { pruneExpiredSessions, SESSION_TOUCH_INTERVAL_MS, sha256Hex } from '~/utils/session.server';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';

const DAY = 24 * 60 * 60 * 1000;
const PASSWORD = '秭归脐橙 tastes best in spring';

type Handler = (args: { request: Request; params: Record<string, string>; context: { app: AppContext } }) => unknown;

/** Calls a loader or action like Remix does; a thrown Response (redirect, 403) is returned. */
async function call(app: AppContext, handler: Handler, request: Request, params: Record<string, string> = {}) {
  try {
    return await handler({ request, params, context: { app } });
  } catch (error) {
    if (error instanceof Response) return error;
    throw error;
  }
}

let ipCounter = 0;
/** A different address per request, so per-IP limits stay out of the way unless a test wants them. */
function nextIp() {
  ipCounter += 1;
  return `198.51.${Math.floor(ipCounter / 250)}.${ipCounter % 250}`;
}

function post(url: string, fields: Record<string, string>, { cookie, headers }: { cookie?: string; headers?: Record<string, string> } = {}) {
  return new Request(url, {
    method: 'POST',
    body: new URLSearchParams(fields),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Forwarded-For': nextIp(), ...(cookie ? { Cookie: cookie } : {}), ...headers },
  });
}

function get(url: string, cookie?: string, headers: Record<string, string> = {}) {
  return new Request(url, { headers: { ...(cookie ? { Cookie: cookie } : {}), ...headers } });
}

/** The `name=value` pair of a response's Set-Cookie, for the next request's Cookie header. */
function cookieOf(response: unknown): string {
  expect(response).toBeInstanceOf(Response);
  const header = (response as Response).headers.get('Set-Cookie');
  expect(header).toBeTruthy();
  return header!.split(';')[0]!;
}

/** The payload and status of an action that answered with `data(…)` instead of a redirect. */
function dataOf(result: unknown): { status: number; payload: { status?: string; error?: Record<string, string[] | null>; initialValue?: Record<string, unknown> } } {
  expect(result).not.toBeInstanceOf(Response);
  const { data, init } = result as { data: never; init: ResponseInit | null };
  return { status: init?.status ?? 200, payload: data };
}

let counter = 0;
function uniqueMobile() {
  counter += 1;
  return `139${String(Date.now() % 1e4).padStart(4, '0')}${String(counter).padStart(4, '0')}`;
}

describeEachDriver('accounts and sessions', (t) => {
  let clock = new Date('2020-02-10T08:00:00Z');
  let app: AppContext;
  beforeAll(() => {
    app = createTestApp(t.database, {}, () => clock);
  });

  async function signup(fields: Partial<Record<string, string>> = {}) {
    const mobile = fields.mobile ?? uniqueMobile();
    const form = { displayName: '王农户', mobile, password: PASSWORD, confirmPassword: PASSWORD, consent: 'on', ...fields } as Record<string, string>;
    const response = await call(app, signupAction as Handler, post('http://localhost/signup', form));
    return { response, mobile, cookie: cookieOf(response) };
  }

  async function login(account: string, password: string, { cookie, ip }: { cookie?: string; ip?: string } = {}) {
    return call(
      app,
      loginAction as Handler,
      post('http://localhost/login', { account, password, redirectTo: '/account' }, { cookie, headers: ip ? { 'X-Forwarded-For': ip } : {} }),
    );
  }

  const userFor = (cookie: string) => getOptionalUser(get('http://localhost/', cookie), app);

  describe('signup', () => {
    it('creates a customer with the privacy consent time and signs them in', async () => {
      const { response, mobile, cookie } = await signup({ email: 'Wang.NongHu@Example.com' });
      expect((response as Response).status).toBe(302);
      const [user] = await t.database.db.select().from(users).where(eq(users.mobile, mobile));
      expect(user?.email).toBe('wang.nonghu@example.com');
      expect(user?.privacyConsentAt?.toISOString()).toBe(clock.toISOString());
      expect(user?.passwordHash.startsWith('$argon2id$')).toBe(true);
      const roles = await t.database.db.select().from(userRoles).where(eq(userRoles.userId, user!.id));
      expect(roles.map((r) => r.role)).toEqual(['customer']);
      const current = await userFor(cookie);
      expect(current).toMatchObject({ id: user!.id, displayName: '王农户', roles: ['customer'], cooperativeIds: [], associationIds: [] });
    });

    it('refuses a signup without consent, without any contact, or with a mismatched confirmation', async () => {
      const result = dataOf(
        await call(app, signupAction as Handler, post('http://localhost/signup', { displayName: '李四', password: PASSWORD, confirmPassword: `${PASSWORD}!` })),
      );
      expect(result.status).toBe(400);
      expect(result.payload.error).toMatchObject({
        mobile: ['auth:errors.contactRequired'],
        consent: ['auth:errors.consentRequired'],
        confirmPassword: ['auth:errors.passwordMismatch'],
      });
    });

    it('keeps what was typed after an error but never sends a password back', async () => {
      const mobile = uniqueMobile();
      const result = dataOf(
        await call(
          app,
          signupAction as Handler,
          post('http://localhost/signup', { displayName: '李四', mobile, password: 'password1', confirmPassword: 'password1', consent: 'on' }),
        ),
      );
      expect(result.payload.error?.password).toEqual(['auth:errors.passwordCommon']);
      expect(result.payload.initialValue).toMatchObject({ displayName: '李四', mobile, consent: 'on' });
      expect(JSON.stringify(result.payload)).not.toContain('password1');
    });

    it('refuses a password equal to the mobile number and a mobile number that is not mainland China', async () => {
      const mobile = uniqueMobile();
      const same = dataOf(
        await call(app, signupAction as Handler, post('http://localhost/signup', { displayName: '李四', mobile, password: mobile, confirmPassword: mobile, consent: 'on' })),
      );
      expect(same.payload.error?.password).toEqual(['auth:errors.passwordSameAsAccount']);
      const foreign = dataOf(
        await call(
          app,
          signupAction as Handler,
          post('http://localhost/signup', { displayName: '李四', mobile: '12345678901', password: PASSWORD, confirmPassword: PASSWORD, consent: 'on' }),
        ),
      );
      expect(foreign.payload.error?.mobile).toEqual(['auth:errors.mobileInvalid']);
    });

    it('refuses a mobile number or e-mail that is already registered', async () => {
      const { mobile } = await signup({ email: 'taken@example.com' });
      const again = dataOf(
        await call(
          app,
          signupAction as Handler,
          post('http://localhost/signup', { displayName: '赵六', mobile, password: PASSWORD, confirmPassword: PASSWORD, consent: 'on' }),
        ),
      );
      expect(again.payload.error?.mobile).toEqual(['auth:errors.mobileTaken']);
      const email = dataOf(
        await call(
          app,
          signupAction as Handler,
          post('http://localhost/signup', { displayName: '赵六', email: 'TAKEN@example.com', password: PASSWORD, confirmPassword: PASSWORD, consent: 'on' }),
        ),
      );
      expect(email.payload.error?.email).toEqual(['auth:errors.emailTaken']);
    });
  });

  describe('login', () => {
    it('signs in by mobile number (also typed with +86 and spaces) and by e-mail in any case', async () => {
      const { mobile } = await signup({ email: 'li.si@example.com' });
      const byMobile = await login(mobile, PASSWORD);
      expect((byMobile as Response).status).toBe(302);
      expect((byMobile as Response).headers.get('Location')).toBe('/account');
      expect(await userFor(cookieOf(byMobile))).not.toBeNull();
      const spaced = `+86 ${mobile.slice(0, 3)} ${mobile.slice(3, 7)} ${mobile.slice(7)}`;
      expect(await userFor(cookieOf(await login(spaced, PASSWORD)))).not.toBeNull();
      const byEmail = await login('Li.Si@Example.COM', PASSWORD);
      expect((await userFor(cookieOf(byEmail)))?.email).toBe('li.si@example.com');
    });

    it('answers a wrong password and an unknown account with the same message and no cookie', async () => {
      const { mobile } = await signup();
      const wrong = await login(mobile, 'not the password at all');
      const unknown = await login('13000000000', PASSWORD);
      for (const result of [wrong, unknown]) {
        const { status, payload } = dataOf(result);
        expect(status).toBe(400);
        expect(payload.error?.['']).toEqual(['auth:errors.invalidCredentials']);
        expect(JSON.stringify(payload)).not.toContain('not the password');
      }
      expect(dataOf(wrong).payload.error).toEqual(dataOf(unknown).payload.error);
    });

    it('never reuses a session id the browser held before logging in', async () => {
      const { mobile, cookie: before } = await signup();
      const beforeUser = await userFor(before);
      const response = await login(mobile, PASSWORD, { cookie: before });
      const after = cookieOf(response);
      expect(after).not.toBe(before);
      expect(await userFor(before)).toBeNull();
      expect((await userFor(after))?.id).toBe(beforeUser?.id);
    });

    it('stores only the SHA-256 of the session id', async () => {
      const { cookie } = await signup();
      const user = await userFor(cookie);
      const [row] = await t.database.db.select().from(sessions).where(eq(sessions.userId, user!.id));
      const rawId = JSON.parse(Buffer.from(decodeURIComponent(cookie.split('=')[1]!).split('.')[0]!, 'base64').toString('utf8')) as string;
      expect(rawId).toHaveLength(43);
      expect(row?.idHash).toBe(sha256Hex(rawId));
      expect(row?.idHash).not.toContain(rawId);
    });

    it('does not accept a cookie whose signature was tampered with', async () => {
      const { cookie } = await signup();
      const [name, value] = cookie.split('=') as [string, string];
      const decoded = decodeURIComponent(value);
      const forged = `${name}=${encodeURIComponent(`${decoded.slice(0, -2)}${decoded.endsWith('AA') ? 'BB' : 'AA'}`)}`;
      expect(await userFor(forged)).toBeNull();
    });

    it('only redirects to paths on this site after login', async () => {
      const { mobile } = await signup();
      const response = await call(
        app,
        loginAction as Handler,
        post('http://localhost/login', { account: mobile, password: PASSWORD, redirectTo: '//evil.example/steal' }),
      );
      expect((response as Response).headers.get('Location')).toBe('/');
    });

    it('sends a signed-in visitor on from the login page', async () => {
      const { cookie } = await signup();
      const response = await call(app, loginLoader as Handler, get('http://localhost/login?redirectTo=%2Fcart', cookie));
      expect((response as Response).headers.get('Location')).toBe('/cart');
      const loop = await call(app, loginLoader as Handler, get('http://localhost/login?redirectTo=%2Flogin%3FredirectTo%3D%252Fcart', cookie));
      expect((loop as Response).headers.get('Location')).toBe('/account');
    });
  });

  describe('session cookie', () => {
    it('is HttpOnly, SameSite=Lax and Path=/ without Secure on plain local HTTP', async () => {
      const { response } = await signup();
      const header = (response as Response).headers.get('Set-Cookie')!;
      expect(header).toMatch(/^session=/);
      expect(header).toMatch(/; HttpOnly/i);
      expect(header).toMatch(/; SameSite=Lax/i);
      expect(header).toMatch(/; Path=\//i);
      expect(header).not.toMatch(/; Secure/i);
    });

    it('is Secure with the __Host- prefix on HTTPS, directly or behind a TLS proxy', async () => {
      for (const request of [
        post('https://dibiao.example/signup', {}),
        post('http://localhost/signup', {}, { headers: { 'X-Forwarded-Proto': 'https' } }),
      ]) {
        const form = { displayName: '周七', mobile: uniqueMobile(), password: PASSWORD, confirmPassword: PASSWORD, consent: 'on' };
        const secured = new Request(request.url, { method: 'POST', headers: request.headers, body: new URLSearchParams(form) });
        const response = (await call(app, signupAction as Handler, secured)) as Response;
        const header = response.headers.get('Set-Cookie')!;
        expect(header).toMatch(/^__Host-session=/);
        expect(header).toMatch(/; Secure/i);
        expect(header).toMatch(/; HttpOnly/i);
        expect(header).toMatch(/; SameSite=Lax/i);
        expect(header).toMatch(/; Path=\//i);
        expect(header).not.toMatch(/; Domain=/i);
        const cookie = header.split(';')[0]!;
        expect(await getOptionalUser(new Request(request.url, { headers: { ...Object.fromEntries(request.headers), Cookie: cookie } }), app)).not.toBeNull();
      }
    });
  });

  describe('logout', () => {
    it('asks for confirmation on GET and signs out only on POST', async () => {
      const { cookie } = await signup();
      expect(await call(app, logoutLoader as Handler, get('http://localhost/logout', cookie))).toBeNull();
      expect(await userFor(cookie)).not.toBeNull();
      const response = (await call(app, logoutAction as Handler, post('http://localhost/logout', {}, { cookie }))) as Response;
      expect(response.status).toBe(302);
      expect(response.headers.get('Set-Cookie')).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/);
    });

    it('deletes the session row, so the old cookie no longer signs anyone in', async () => {
      const { cookie } = await signup();
      const user = await userFor(cookie);
      await call(app, logoutAction as Handler, post('http://localhost/logout', {}, { cookie }));
      expect(await t.database.db.select().from(sessions).where(eq(sessions.userId, user!.id))).toEqual([]);
      expect(await userFor(cookie)).toBeNull();
    });
  });

  describe('expiry', () => {
    it('ends a session after 7 idle days', async () => {
      const start = clock;
      try {
        const { cookie } = await signup();
        clock = new Date(start.getTime() + 7 * DAY - 60_000);
        expect(await userFor(cookie)).not.toBeNull();
        clock = new Date(clock.getTime() + 7 * DAY + 60_000);
        expect(await userFor(cookie)).toBeNull();
      } finally {
        clock = start;
      }
    });

    it('lets a periodic job delete sessions that have expired', async () => {
      const start = clock;
      try {
        const { cookie } = await signup();
        const user = await userFor(cookie);
        await pruneExpiredSessions(t.database.db, new Date(start.getTime() + 6 * DAY));
        expect(await t.database.db.select().from(sessions).where(eq(sessions.userId, user!.id))).toHaveLength(1);
        await pruneExpiredSessions(t.database.db, new Date(start.getTime() + 7 * DAY));
        expect(await t.database.db.select().from(sessions).where(eq(sessions.userId, user!.id))).toEqual([]);
      } finally {
        clock = start;
      }
    });

    it('extends an active session, writing activity at most once an hour', async () => {
      const start = clock;
      try {
        const { cookie } = await signup();
        const user = await userFor(cookie);
        const read = async () => (await t.database.db.select().from(sessions).where(eq(sessions.userId, user!.id)))[0]!;
        const created = await read();
        clock = new Date(start.getTime() + SESSION_TOUCH_INTERVAL_MS / 2);
        await userFor(cookie);
        expect((await read()).lastSeenAt.getTime()).toBe(created.lastSeenAt.getTime());
        clock = new Date(start.getTime() + SESSION_TOUCH_INTERVAL_MS + 1000);
        await userFor(cookie);
        const touched = await read();
        expect(touched.lastSeenAt.getTime()).toBe(clock.getTime());
        expect(touched.expiresAt.getTime()).toBe(clock.getTime() + 7 * DAY);
      } finally {
        clock = start;
      }
    });

    it('ends even a daily-used session 30 days after it began', async () => {
      const start = clock;
      try {
        const { cookie } = await signup();
        for (let day = 1; day < 30; day += 1) {
          clock = new Date(start.getTime() + day * DAY);
          expect(await userFor(cookie)).not.toBeNull();
        }
        clock = new Date(start.getTime() + 30 * DAY);
        expect(await userFor(cookie)).toBeNull();
      } finally {
        clock = start;
      }
    });
  });

  describe('access', () => {
    it('sends a visitor to log in and back to where they were', async () => {
      const response = await call(app, ((args: { request: Request }) => requireUser(args.request, app)) as Handler, get('http://localhost/orders?page=2'));
      expect((response as Response).status).toBe(302);
      expect((response as Response).headers.get('Location')).toBe('/login?redirectTo=%2Forders%3Fpage%3D2');
    });

    it('answers 403 when the signed-in user lacks the role, and lets a holder through', async () => {
      const { cookie, mobile } = await signup();
      const guard = ((args: { request: Request }) => requireRole(args.request, app, ['coordinator', 'admin'])) as Handler;
      expect(((await call(app, guard, get('http://localhost/coordinator', cookie))) as Response).status).toBe(403);
      const [user] = await t.database.db.select().from(users).where(eq(users.mobile, mobile));
      await t.database.db.insert(userRoles).values({ userId: user!.id, role: 'admin' });
      const admitted = await call(app, guard, get('http://localhost/coordinator', cookie));
      expect(admitted).toMatchObject({ id: user!.id, roles: expect.arrayContaining(['admin', 'customer']) });
    });
  });
});
