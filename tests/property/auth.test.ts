/**
 * Property-based tests of the account forms, through the real actions: signup, login and the
 * password reset request. Generated inputs per driver: PGlite 2,400 (signup 900, login 900,
 * reset 600); PostgreSQL 720 (POSTGRES_SHARE, 30%). Seed 0x5eed_0007 (override with PROPERTY_SEED).
 *
 * For every input: no 500, and when the action refuses it (4xx or a validation reply) no table's
 * row count changes (rate-limit counters excepted, which a refusal bumps by design).
 */
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { seedDemoData } from '~/models/demo-seed.server';
import { action as forgotAction } from '~/routes/forgot-password/route';
import { action as loginAction } from '~/routes/login/route';
import { action as signupAction } from '~/routes/signup/route';
import type { AppContext } from '~/utils/context.server';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';
import { Checker, expectSomeAccepted, forwardedFor, formRequest, hostileForm, mobileNumber, plainEmail, runsFor, seedOf, type FormEntries } from './helpers';

const SEED = seedOf(0x5eed_0007);
const DOMAIN = 'demo.dibiao.example';
const DEMO_ACCOUNTS = [`customer@${DOMAIN}`, '13800000000', `admin@${DOMAIN}`, `coop-zigui-chengxiang@${DOMAIN}`, `CUSTOMER@${DOMAIN.toUpperCase()}`, '+86 138 0000 0000'];
const PASSWORDS = ['Demo-Customer-2020', 'Demo-Admin-2020', '秭归脐橙 tastes best in spring', 'Gannan-orange-2020!x'];
const TIMEOUT = 240_000;

/** Unsigned or forged cookies: the actions must treat them as no cookie. */
const cookieHeader = fc.option(
  fc.oneof(
    fc.constantFrom('session=abc', 'cart=00000000-0000-0000-0000-000000000000', '__Host-session=x.y', 'session=; cart='),
    fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 200 }).map((v) => `session=${v}; cart=${v}`),
  ),
  { nil: undefined },
);

/** The form with confirmPassword posted exactly as password was. */
function withConfirmation(entries: FormEntries): FormEntries {
  const passwords = entries.filter(([name]) => name === 'password');
  return [...entries.filter(([name]) => name !== 'confirmPassword'), ...passwords.map(([, value]): [string, string] => ['confirmPassword', value])];
}

describeEachDriver('account forms under generated input', (t) => {
  const clock = new Date('2020-02-10T08:00:00Z');
  let app: AppContext;
  const checker = () =>
    new Checker({
      get app() {
        return app;
      },
    });

  beforeAll(async () => {
    app = createTestApp(t.database, {}, () => clock);
    await seedDemoData(app.db, clock);
  });

  it(
    'signup: never a 500, and a refused signup creates no user, role or session',
    async () => {
      const c = checker();
      const form = hostileForm({
        displayName: fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }), fc.constantFrom('王农户', 'Li Si', '  赵 ')),
        // Sometimes an account that is already registered.
        mobile: fc.oneof({ weight: 8, arbitrary: mobileNumber }, { weight: 1, arbitrary: fc.constantFrom('13800000000', '+86 139-0000-0001') }),
        email: fc.oneof({ weight: 8, arbitrary: plainEmail }, { weight: 1, arbitrary: fc.constantFrom(`customer@${DOMAIN}`, 'Wang@Example.com', `Customer@${DOMAIN}`) }),
        password: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...PASSWORDS) }, { weight: 1, arbitrary: fc.constantFrom('password1', '12345678', 'short') }),
        confirmPassword: fc.constantFrom(...PASSWORDS),
        consent: fc.oneof({ weight: 6, arbitrary: fc.constant('on') }, { weight: 1, arbitrary: fc.constantFrom('true', 'off', 'yes') }),
        redirectTo: fc.constantFrom('/', '/account', '//evil.example', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)'),
      });
      const confirm = fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) });
      await fc.assert(
        // Mostly the confirmation repeats the password as posted, so most forms reach the database.
        fc.asyncProperty(form, confirm, forwardedFor, cookieHeader, async (generated, repeat, ip, cookie) => {
          const entries = repeat ? withConfirmation(generated) : generated;
          const outcome = await c.check(signupAction, formRequest('/signup', entries, { ip, cookie }));
          if (outcome.status === 302) expect(outcome.location?.startsWith('/')).toBe(true);
          if (outcome.location) expect(outcome.location.startsWith('//')).toBe(false);
        }),
        { seed: SEED, numRuns: runsFor(t.driver, 900) },
      );
      expectSomeAccepted(c, 'signup');
    },
    TIMEOUT,
  );

  it(
    'login: never a 500, and a refused login creates no session',
    async () => {
      const c = checker();
      const form = hostileForm({
        account: fc.oneof(fc.constantFrom(...DEMO_ACCOUNTS), mobileNumber, plainEmail),
        password: fc.oneof(fc.constantFrom(...PASSWORDS, 'Demo-Cooperative-2020'), fc.string({ maxLength: 40 })),
        redirectTo: fc.constantFrom('/', '/account', '//evil.example', 'https://evil.example/'),
      });
      // Now and then the right password for the account, so some logins succeed.
      const rightPair = fc.oneof(
        { weight: 4, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.constantFrom<[string, string]>([`customer@${DOMAIN}`, 'Demo-Customer-2020'], ['13800000000', 'Demo-Customer-2020'], [`admin@${DOMAIN}`, 'Demo-Admin-2020']) },
      );
      await fc.assert(
        fc.asyncProperty(form, rightPair, forwardedFor, cookieHeader, async (generated, pair, ip, cookie) => {
          const entries: FormEntries = pair ? [...generated.filter(([name]) => name !== 'account' && name !== 'password'), ['account', pair[0]], ['password', pair[1]]] : generated;
          const outcome = await c.check(loginAction, formRequest('/login', entries, { ip, cookie }));
          if (outcome.location) expect(outcome.location.startsWith('//')).toBe(false);
        }),
        { seed: SEED + 1, numRuns: runsFor(t.driver, 900) },
      );
      expectSomeAccepted(c, 'login');
    },
    TIMEOUT,
  );

  it(
    'password reset request: never a 500, and a refused request creates no token and sends no mail',
    async () => {
      const c = checker();
      const form = hostileForm({ account: fc.oneof(fc.constantFrom(...DEMO_ACCOUNTS), mobileNumber, plainEmail) });
      await fc.assert(
        fc.asyncProperty(form, forwardedFor, async (entries, ip) => {
          const outcome = await c.check(forgotAction, formRequest('/forgot-password', entries, { ip }));
          // The same answer whether the account exists or not.
          if (outcome.status === 302) expect(outcome.location).toBe('/forgot-password?sent=1');
        }),
        { seed: SEED + 2, numRuns: runsFor(t.driver, 600) },
      );
      expectSomeAccepted(c, 'password reset');
    },
    TIMEOUT,
  );
});
