import { describe, expect, it } from 'vitest';
import { createUser } from '~/models/user.server';
import { action as forgotAction } from '~/routes/forgot-password/route';
import { action as loginAction } from '~/routes/login/route';
import { loader as suggestLoader } from '~/routes/search.suggest/route';
import { action as signupAction } from '~/routes/signup/route';
import type { AppContext } from '~/utils/context.server';
import { failedLoginDelayMs, getClientIp, hitRateLimit, RATE_LIMITS, resetRateLimit } from '~/utils/rate-limit.server';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const PASSWORD = '随州香菇 dried in the sun';

type Handler = (args: { request: Request; params: Record<string, string>; context: { app: AppContext } }) => unknown;

function post(url: string, fields: Record<string, string>, ip: string) {
  return new Request(url, {
    method: 'POST',
    body: new URLSearchParams(fields),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Forwarded-For': ip },
  });
}

/** The HTTP status an action answered with: a redirect Response, or data(…, { status }). */
async function statusOf(app: AppContext, handler: Handler, request: Request): Promise<number> {
  const result = await handler({ request, params: {}, context: { app } });
  if (result instanceof Response) return result.status;
  return (result as { init: ResponseInit | null }).init?.status ?? 200;
}

describe('client address', () => {
  it('takes the entry our proxy appended to X-Forwarded-For, never one the client wrote before it', () => {
    const request = (value?: string) => new Request('http://localhost/', { headers: value ? { 'X-Forwarded-For': value } : {} });
    expect(getClientIp(request('203.0.113.7'))).toBe('203.0.113.7');
    expect(getClientIp(request('1.2.3.4, 203.0.113.7'))).toBe('203.0.113.7');
    expect(getClientIp(request())).toBe('unknown');
  });
});

describeEachDriver('rate limits', (t) => {
  const start = new Date('2020-02-15T00:00:00Z');

  describe('counter', () => {
    it('allows `limit` hits in a window, then says how long to wait', async () => {
      const rule = { limit: 3, windowMs: 10 * MINUTE };
      const results = [];
      for (let i = 0; i < 4; i += 1) results.push(await hitRateLimit(t.database.db, 'test:window', { ...rule, now: new Date(start.getTime() + i * MINUTE) }));
      expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
      expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0]);
      expect(results[3]!.retryAfterMs).toBe(7 * MINUTE);
    });

    it('opens a fresh window once the old one has passed', async () => {
      const rule = { limit: 1, windowMs: 10 * MINUTE };
      expect((await hitRateLimit(t.database.db, 'test:fresh', { ...rule, now: start })).allowed).toBe(true);
      expect((await hitRateLimit(t.database.db, 'test:fresh', { ...rule, now: new Date(start.getTime() + 9 * MINUTE) })).allowed).toBe(false);
      const later = await hitRateLimit(t.database.db, 'test:fresh', { ...rule, now: new Date(start.getTime() + 10 * MINUTE) });
      expect(later).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
    });

    it('forgets a key when reset', async () => {
      const rule = { limit: 1, windowMs: HOUR };
      await hitRateLimit(t.database.db, 'test:reset', { ...rule, now: start });
      expect((await hitRateLimit(t.database.db, 'test:reset', { ...rule, now: start })).allowed).toBe(false);
      await resetRateLimit(t.database.db, 'test:reset');
      expect((await hitRateLimit(t.database.db, 'test:reset', { ...rule, now: start })).allowed).toBe(true);
    });

    it('never lets more than the limit through when 50 hits arrive at once', async () => {
      const results = await Promise.all(
        Array.from({ length: 50 }, () => hitRateLimit(t.database.db, 'test:concurrent', { limit: 10, windowMs: HOUR, now: start })),
      );
      expect(results.filter((r) => r.allowed)).toHaveLength(10);
    });
  });

  describe('login', () => {
    let clock = start;
    let app: AppContext;
    let mobileCounter = 0;

    async function account() {
      mobileCounter += 1;
      const mobile = `1360000${String(mobileCounter).padStart(4, '0')}`;
      app ??= createTestApp(t.database, {}, () => clock);
      await createUser(t.database.db, { displayName: '刘茶农', mobile, password: PASSWORD, privacyConsentAt: start, now: start });
      return mobile;
    }

    const attempt = (mobile: string, password: string, ip: string) =>
      statusOf(app, loginAction as Handler, post('http://localhost/login', { account: mobile, password }, ip));

    it('slows a guesser at one address after 10 failures without locking out the owner elsewhere', async () => {
      clock = start;
      const mobile = await account();
      const attacker = [];
      for (let i = 0; i < 40; i += 1) attacker.push(await attempt(mobile, `guess number ${i}`, '203.0.113.66'));
      expect(attacker.slice(0, 10).every((s) => s === 400)).toBe(true);
      expect(attacker.slice(10).every((s) => s === 429)).toBe(true);
      expect(await attempt(mobile, PASSWORD, '203.0.113.66')).toBe(429);
      expect(await attempt(mobile, PASSWORD, '198.51.100.20')).toBe(302);
    });

    it('tells the guesser when to come back and lets them try again after the window', async () => {
      clock = start;
      const mobile = await account();
      for (let i = 0; i < RATE_LIMITS.loginAccountIp.limit; i += 1) await attempt(mobile, 'wrong password here', '203.0.113.67');
      const refused = (await (loginAction as Handler)({
        request: post('http://localhost/login', { account: mobile, password: 'wrong password here' }, '203.0.113.67'),
        params: {},
        context: { app },
      })) as { data: { error: Record<string, string[]> }; init: ResponseInit & { headers: Record<string, string> } };
      expect(refused.init.status).toBe(429);
      expect(refused.data.error['']).toEqual(['auth:errors.tooManyAttempts']);
      expect(Number(refused.init.headers['Retry-After'])).toBe(15 * 60);
      clock = new Date(start.getTime() + RATE_LIMITS.loginAccountIp.windowMs);
      expect(await attempt(mobile, PASSWORD, '203.0.113.67')).toBe(302);
    });

    it('caps failures for one account at 100 an hour across all addresses', async () => {
      clock = start;
      const mobile = await account();
      for (let ip = 0; ip < 10; ip += 1) {
        for (let i = 0; i < 10; i += 1) expect(await attempt(mobile, `spray ${i}`, `203.0.114.${ip}`)).toBe(400);
      }
      expect(await attempt(mobile, PASSWORD, '198.51.100.21')).toBe(429);
      clock = new Date(start.getTime() + HOUR);
      expect(await attempt(mobile, PASSWORD, '198.51.100.21')).toBe(302);
    });

    it('answers failed logins later and later from an address that keeps failing (typos are not slowed)', async () => {
      expect([1, 2, 3, 4, 5, 6, 7, 10].map((n) => failedLoginDelayMs(n, 200))).toEqual([0, 0, 0, 200, 400, 800, 1600, 1600]);
      expect(failedLoginDelayMs(9, 0)).toBe(0);
      clock = start;
      const mobile = await account();
      const slowed = createTestApp(t.database, { LOGIN_FAILURE_DELAY_MS: '60' }, () => clock);
      const timed = async () => {
        const began = performance.now();
        const status = await statusOf(slowed, loginAction as Handler, post('http://localhost/login', { account: mobile, password: 'guess guess' }, '203.0.113.69'));
        return { status, ms: performance.now() - began };
      };
      for (let i = 0; i < 4; i += 1) await timed();
      // The fifth failure waits at least 2 × 60 ms (a lower bound: a sleep never ends early).
      const fifth = await timed();
      expect(fifth.status).toBe(400);
      expect(fifth.ms).toBeGreaterThanOrEqual(115);
      // The owner elsewhere is not delayed, and signs in.
      expect(await statusOf(slowed, loginAction as Handler, post('http://localhost/login', { account: mobile, password: PASSWORD }, '198.51.100.22'))).toBe(302);
    });

    it('clears the address count after a successful login', async () => {
      clock = start;
      const mobile = await account();
      for (let i = 0; i < 9; i += 1) await attempt(mobile, 'typo typo typo', '203.0.113.68');
      expect(await attempt(mobile, PASSWORD, '203.0.113.68')).toBe(302);
      for (let i = 0; i < 9; i += 1) expect(await attempt(mobile, 'typo typo typo', '203.0.113.68')).toBe(400);
      expect(await attempt(mobile, PASSWORD, '203.0.113.68')).toBe(302);
    });
  });

  describe('signup and password reset', () => {
    it('limits signups from one address', async () => {
      const app = createTestApp(t.database, {}, () => start);
      const statuses = [];
      for (let i = 0; i <= RATE_LIMITS.signupIp.limit; i += 1) {
        const fields = { displayName: '新用户', email: `signup.limit.${i}@example.com`, password: PASSWORD, confirmPassword: PASSWORD, consent: 'on' };
        statuses.push(await statusOf(app, signupAction as Handler, post('http://localhost/signup', fields, '203.0.113.80')));
      }
      expect(statuses.slice(0, -1).every((s) => s === 302)).toBe(true);
      expect(statuses.at(-1)).toBe(429);
      const elsewhere = { displayName: '新用户', email: 'signup.limit.other@example.com', password: PASSWORD, confirmPassword: PASSWORD, consent: 'on' };
      expect(await statusOf(app, signupAction as Handler, post('http://localhost/signup', elsewhere, '203.0.113.81'))).toBe(302);
    });

    it('limits reset requests from one address', async () => {
      const app = createTestApp(t.database, {}, () => start);
      const statuses = [];
      for (let i = 0; i <= RATE_LIMITS.passwordResetIp.limit; i += 1) {
        statuses.push(await statusOf(app, forgotAction as Handler, post('http://localhost/forgot-password', { account: `someone${i}@example.com` }, '203.0.113.90')));
      }
      expect(statuses.slice(0, -1).every((s) => s === 302)).toBe(true);
      expect(statuses.at(-1)).toBe(429);
    });
  });

  describe('search suggestions', () => {
    const suggest = (app: AppContext, q: string, ip: string) =>
      suggestLoader({ request: new Request(`http://localhost/search/suggest?q=${encodeURIComponent(q)}`, { headers: { 'X-Forwarded-For': ip } }), params: {}, context: { app } });

    it('answers one address 600 suggestions a minute, then 429 with Retry-After and an empty list, never cached', async () => {
      let clock = new Date(start.getTime() + 15_000);
      const app = createTestApp(t.database, {}, () => clock);
      const { limit, windowMs } = RATE_LIMITS.searchSuggestIp;
      expect(limit).toBeGreaterThanOrEqual(600);
      expect(windowMs).toBe(MINUTE);
      const statuses = new Map<number, number>();
      for (let i = 0; i < limit; i += 1) {
        const status = (await suggest(app, `脐${i % 10}`, '203.0.113.120')).status;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
      expect(Object.fromEntries(statuses)).toEqual({ 200: limit });

      const refused = await suggest(app, '脐橙', '203.0.113.120');
      expect(refused.status).toBe(429);
      expect(refused.headers.get('Retry-After')).toBe('60');
      expect(refused.headers.get('Cache-Control')).toBe('no-store');
      expect(await refused.json()).toEqual([]);

      // Another address is counted apart; an empty box costs nothing and is never refused.
      expect((await suggest(app, '脐橙', '203.0.113.121')).status).toBe(200);
      const blank = await suggest(app, ' ', '203.0.113.120');
      expect(blank.status).toBe(200);
      expect(await blank.json()).toEqual([]);

      clock = new Date(start.getTime() + 15_000 + 30_000);
      const later = await suggest(app, '脐橙', '203.0.113.120');
      expect(later.status).toBe(429);
      expect(later.headers.get('Retry-After')).toBe('30');
      clock = new Date(start.getTime() + 15_000 + windowMs);
      expect((await suggest(app, '脐橙', '203.0.113.120')).status).toBe(200);
    });
  });
});
