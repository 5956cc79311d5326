import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { associationMembers, associations, cooperativeMembers, cooperatives, jobs, passwordResetTokens, sessions, users } from '~/db/schema';
import { action as deleteAction } from '~/routes/account.delete/route';
import { loader as exportLoader } from '~/routes/account.export/route';
import { action as passwordAction } from '~/routes/account.password/route';
import { action as forgotAction } from '~/routes/forgot-password/route';
import { action as loginAction } from '~/routes/login/route';
import { action as resetAction, loader as resetLoader } from '~/routes/reset-password.$token/route';
import { action as signupAction } from '~/routes/signup/route';
import { getOptionalUser } from '~/utils/auth.server';
import type { AppContext } from '~/utils/context.server';
import { EMAIL_JOB, type EmailMessage } from '~/utils/mail.server';
import { sha256Hex } from '~/utils/session.server';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';

const PASSWORD = '潜江龙虾 swims upstream 2020';
const NEW_PASSWORD = '恩施玉露 steeped twice';

type Handler = (args: { request: Request; params: Record<string, string>; context: { app: AppContext } }) => unknown;

async function call(app: AppContext, handler: Handler, request: Request, params: Record<string, string> = {}) {
  try {
    return await handler({ request, params, context: { app } });
  } catch (error) {
    if (error instanceof Response) return error;
    throw error;
  }
}

let ipCounter = 0;
function post(url: string, fields: Record<string, string>, cookie?: string) {
  ipCounter += 1;
  return new Request(url, {
    method: 'POST',
    body: new URLSearchParams(fields),
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Forwarded-For': `192.0.2.${ipCounter % 250}`,
      ...(cookie ? { Cookie: cookie } : {}),
    },
  });
}

function get(url: string, cookie?: string) {
  return new Request(url, { headers: cookie ? { Cookie: cookie } : {} });
}

function cookieOf(response: unknown): string {
  expect(response).toBeInstanceOf(Response);
  return (response as Response).headers.get('Set-Cookie')!.split(';')[0]!;
}

function dataOf(result: unknown): { status: number; payload: Record<string, unknown> & { error?: Record<string, string[] | null> } } {
  expect(result).not.toBeInstanceOf(Response);
  const { data, init } = result as { data: never; init: ResponseInit | null };
  return { status: init?.status ?? 200, payload: data };
}

let counter = 0;
function uniqueMobile() {
  counter += 1;
  return `137${String(Date.now() % 1e4).padStart(4, '0')}${String(counter).padStart(4, '0')}`;
}

describeEachDriver('own account', (t) => {
  let clock = new Date('2020-02-12T02:00:00Z');
  let app: AppContext;
  beforeAll(() => {
    app = createTestApp(t.database, { PUBLIC_URL: 'https://dibiao.example' }, () => clock);
  });

  async function signup(email?: string) {
    const mobile = uniqueMobile();
    const fields: Record<string, string> = { displayName: '陈合作', mobile, password: PASSWORD, confirmPassword: PASSWORD, consent: 'on' };
    if (email) fields.email = email;
    const cookie = cookieOf(await call(app, signupAction as Handler, post('http://localhost/signup', fields)));
    const user = await getOptionalUser(get('http://localhost/', cookie), app);
    return { cookie, mobile, userId: user!.id };
  }

  async function login(account: string, password: string) {
    return call(app, loginAction as Handler, post('http://localhost/login', { account, password }));
  }

  const isSignedIn = async (cookie: string) => (await getOptionalUser(get('http://localhost/', cookie), app)) !== null;

  describe('changing the password', () => {
    it('checks the current password and keeps the form free of passwords', async () => {
      const { cookie } = await signup();
      const { status, payload } = dataOf(
        await call(
          app,
          passwordAction as Handler,
          post('http://localhost/account/password', { currentPassword: 'wrong wrong wrong', newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD }, cookie),
        ),
      );
      expect(status).toBe(400);
      expect(payload.error?.currentPassword).toEqual(['account:password.wrongPassword']);
      expect(JSON.stringify(payload)).not.toContain(NEW_PASSWORD);
    });

    it('refuses a common new password', async () => {
      const { cookie } = await signup();
      const { payload } = dataOf(
        await call(
          app,
          passwordAction as Handler,
          post('http://localhost/account/password', { currentPassword: PASSWORD, newPassword: 'Iloveyou123', confirmPassword: 'Iloveyou123' }, cookie),
        ),
      );
      expect(payload.error?.newPassword).toEqual(['auth:errors.passwordCommon']);
    });

    it('ends every other session but keeps this one', async () => {
      const { cookie, mobile } = await signup();
      const elsewhere = cookieOf(await login(mobile, PASSWORD));
      const response = await call(
        app,
        passwordAction as Handler,
        post('http://localhost/account/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD }, cookie),
      );
      expect((response as Response).headers.get('Location')).toBe('/account?passwordChanged=1');
      expect(await isSignedIn(cookie)).toBe(true);
      expect(await isSignedIn(elsewhere)).toBe(false);
      expect(dataOf(await login(mobile, PASSWORD)).status).toBe(400);
      expect((await login(mobile, NEW_PASSWORD)) as Response).toBeInstanceOf(Response);
    });
  });

  describe('password reset', () => {
    async function requestReset(account: string) {
      return call(app, forgotAction as Handler, post('http://localhost/forgot-password', { account }));
    }

    async function lastEmailTo(to: string): Promise<EmailMessage | undefined> {
      const rows = await t.database.db.select().from(jobs).where(eq(jobs.kind, EMAIL_JOB)).orderBy(jobs.id);
      return rows.map((r) => r.payload as EmailMessage).filter((m) => m.to === to).at(-1);
    }

    function tokenFrom(message: EmailMessage): string {
      const match = /https:\/\/dibiao\.example\/reset-password\/([A-Za-z0-9_-]+)/.exec(message.text);
      expect(match).not.toBeNull();
      return match![1]!;
    }

    it('answers the same whether or not the account exists, and mails only a real one', async () => {
      await signup('farmer.reset@example.com');
      const known = (await requestReset('Farmer.Reset@example.com')) as Response;
      const unknown = (await requestReset('nobody@example.com')) as Response;
      expect(known.status).toBe(302);
      expect(unknown.status).toBe(302);
      expect(known.headers.get('Location')).toBe(unknown.headers.get('Location'));
      expect(await lastEmailTo('farmer.reset@example.com')).toBeDefined();
      expect(await lastEmailTo('nobody@example.com')).toBeUndefined();
    });

    it('resets the password through the mailed link once, ending every session', async () => {
      const { cookie, mobile, userId } = await signup('reset.flow@example.com');
      await requestReset(mobile);
      const message = await lastEmailTo('reset.flow@example.com');
      expect(message?.subject).toContain('重置');
      const token = tokenFrom(message!);

      const [stored] = await t.database.db.select().from(passwordResetTokens).where(eq(passwordResetTokens.userId, userId));
      expect(stored?.tokenHash).toBe(sha256Hex(token));
      expect(stored?.expiresAt.getTime()).toBe(clock.getTime() + 60 * 60 * 1000);

      expect(await call(app, resetLoader as Handler, get(`http://localhost/reset-password/${token}`), { token })).toEqual({ valid: true });
      const done = (await call(
        app,
        resetAction as Handler,
        post(`http://localhost/reset-password/${token}`, { password: NEW_PASSWORD, confirmPassword: NEW_PASSWORD }),
        { token },
      )) as Response;
      expect(done.headers.get('Location')).toBe('/login?reset=1');
      expect(await isSignedIn(cookie)).toBe(false);
      expect(await t.database.db.select().from(sessions).where(eq(sessions.userId, userId))).toEqual([]);
      expect((await login(mobile, NEW_PASSWORD)) as Response).toBeInstanceOf(Response);

      expect(await call(app, resetLoader as Handler, get(`http://localhost/reset-password/${token}`), { token })).toEqual({ valid: false });
      const again = dataOf(
        await call(app, resetAction as Handler, post(`http://localhost/reset-password/${token}`, { password: PASSWORD, confirmPassword: PASSWORD }), { token }),
      );
      expect(again.payload.invalid).toBe(true);
      expect((await login(mobile, PASSWORD)) as Response).not.toBeInstanceOf(Response);
    });

    it('refuses a link older than an hour', async () => {
      const start = clock;
      try {
        const { mobile } = await signup('reset.late@example.com');
        await requestReset(mobile);
        const token = tokenFrom((await lastEmailTo('reset.late@example.com'))!);
        clock = new Date(start.getTime() + 60 * 60 * 1000 + 1000);
        expect(await call(app, resetLoader as Handler, get(`http://localhost/reset-password/${token}`), { token })).toEqual({ valid: false });
        const late = dataOf(
          await call(
            app,
            resetAction as Handler,
            post(`http://localhost/reset-password/${token}`, { password: NEW_PASSWORD, confirmPassword: NEW_PASSWORD }),
            { token },
          ),
        );
        expect(late.payload.invalid).toBe(true);
      } finally {
        clock = start;
      }
    });

    it('applies the password policy on the reset form too', async () => {
      const { mobile } = await signup('reset.policy@example.com');
      await requestReset(mobile);
      const token = tokenFrom((await lastEmailTo('reset.policy@example.com'))!);
      const weak = dataOf(
        await call(app, resetAction as Handler, post(`http://localhost/reset-password/${token}`, { password: mobile, confirmPassword: mobile }), { token }),
      );
      expect((weak.payload.result as { error: Record<string, string[]> }).error.password).toEqual(['auth:errors.passwordSameAsAccount']);
      expect(await call(app, resetLoader as Handler, get(`http://localhost/reset-password/${token}`), { token })).toEqual({ valid: true });
    });
  });

  describe('data export', () => {
    it('downloads the profile, roles, memberships and sessions as JSON, without any hash', async () => {
      const { cookie, userId } = await signup('export.me@example.com');
      const [coop] = await t.database.db
        .insert(cooperatives)
        .values({ slug: `export-coop-${userId.slice(0, 8)}`, legalName: '秭归县脐橙专业合作社', creditCode: `93420527${userId.replace(/-/g, '').slice(0, 10).toUpperCase()}`, regionCode: '420527' })
        .returning();
      await t.database.db.insert(cooperativeMembers).values({ cooperativeId: coop!.id, userId, role: 'owner' });
      const [association] = await t.database.db
        .insert(associations)
        .values({ slug: `assoc-${userId.slice(0, 8)}`, name: '秭归县脐橙协会', regionCode: '420527' })
        .returning();
      await t.database.db.insert(associationMembers).values({ associationId: association!.id, userId });

      const response = (await call(app, exportLoader as Handler, get('http://localhost/account/export', cookie))) as Response;
      expect(response.headers.get('Content-Type')).toContain('application/json');
      expect(response.headers.get('Content-Disposition')).toMatch(/^attachment; filename="dibiao-account-2020-02-12\.json"$/);
      const body = await response.text();
      const exported = JSON.parse(body) as { sections: { name: string; data: unknown }[] };
      const section = (name: string) => exported.sections.find((s) => s.name === name)?.data;
      expect(section('profile')).toMatchObject({ id: userId, email: 'export.me@example.com', displayName: '陈合作' });
      expect(section('roles')).toEqual(['customer']);
      expect(section('cooperativeMemberships')).toEqual([expect.objectContaining({ cooperativeId: coop!.id, legalName: '秭归县脐橙专业合作社', role: 'owner' })]);
      expect(section('associationMemberships')).toEqual([expect.objectContaining({ associationId: association!.id, name: '秭归县脐橙协会' })]);
      expect(section('sessions')).toHaveLength(1);

      const [user] = await t.database.db.select().from(users).where(eq(users.id, userId));
      const [session] = await t.database.db.select().from(sessions).where(eq(sessions.userId, userId));
      expect(body).not.toContain(user!.passwordHash);
      expect(body).not.toContain('argon2');
      expect(body).not.toContain(session!.idHash);
      expect(body).not.toMatch(/passwordHash|idHash|tokenHash/);
    });

    it('is only for the signed-in person', async () => {
      const response = (await call(app, exportLoader as Handler, get('http://localhost/account/export'))) as Response;
      expect(response.status).toBe(302);
      expect(response.headers.get('Location')).toBe('/login?redirectTo=%2Faccount%2Fexport');
    });
  });

  describe('deleting the account', () => {
    it('requires the password', async () => {
      const { cookie, userId } = await signup();
      const { status, payload } = dataOf(await call(app, deleteAction as Handler, post('http://localhost/account/delete', { password: 'not mine' }, cookie)));
      expect(status).toBe(400);
      expect((payload.result as { error: Record<string, string[]> }).error.password).toEqual(['account:delete.wrongPassword']);
      expect(await t.database.db.select().from(users).where(eq(users.id, userId))).toHaveLength(1);
    });

    it('removes the user with their sessions and memberships, and signs out', async () => {
      const { cookie, userId } = await signup();
      const [coop] = await t.database.db
        .insert(cooperatives)
        .values({ slug: `member-coop-${userId.slice(0, 8)}`, legalName: '潜江市虾稻合作社', creditCode: `93429005${userId.replace(/-/g, '').slice(0, 10).toUpperCase()}`, regionCode: '429005' })
        .returning();
      await t.database.db.insert(cooperativeMembers).values({ cooperativeId: coop!.id, userId, role: 'member' });
      const response = (await call(app, deleteAction as Handler, post('http://localhost/account/delete', { password: PASSWORD }, cookie))) as Response;
      expect(response.status).toBe(302);
      expect(response.headers.get('Set-Cookie')).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/);
      expect(await t.database.db.select().from(users).where(eq(users.id, userId))).toEqual([]);
      expect(await t.database.db.select().from(sessions).where(eq(sessions.userId, userId))).toEqual([]);
      expect(await t.database.db.select().from(cooperativeMembers).where(eq(cooperativeMembers.userId, userId))).toEqual([]);
      expect(await isSignedIn(cookie)).toBe(false);
    });

    it('refuses while the user is the only owner of a cooperative, and allows it once there is another owner', async () => {
      const owner = await signup();
      const other = await signup();
      const [coop] = await t.database.db
        .insert(cooperatives)
        .values({ slug: `sole-coop-${owner.userId.slice(0, 8)}`, legalName: '恩施玉露茶叶合作社', creditCode: `93422801${owner.userId.replace(/-/g, '').slice(0, 10).toUpperCase()}`, regionCode: '420527' })
        .returning();
      await t.database.db.insert(cooperativeMembers).values([
        { cooperativeId: coop!.id, userId: owner.userId, role: 'owner' },
        { cooperativeId: coop!.id, userId: other.userId, role: 'member' },
      ]);
      const refused = dataOf(await call(app, deleteAction as Handler, post('http://localhost/account/delete', { password: PASSWORD }, owner.cookie)));
      expect(refused.status).toBe(409);
      expect(refused.payload.soleOwnerOf).toEqual(['恩施玉露茶叶合作社']);
      expect(await t.database.db.select().from(users).where(eq(users.id, owner.userId))).toHaveLength(1);

      await t.database.db
        .update(cooperativeMembers)
        .set({ role: 'owner' })
        .where(and(eq(cooperativeMembers.cooperativeId, coop!.id), eq(cooperativeMembers.userId, other.userId)));
      const allowed = (await call(app, deleteAction as Handler, post('http://localhost/account/delete', { password: PASSWORD }, owner.cookie))) as Response;
      expect(allowed.status).toBe(302);
      expect(await t.database.db.select().from(users).where(eq(users.id, owner.userId))).toEqual([]);
    });
  });
});
