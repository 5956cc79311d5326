/**
 * Shared pieces of the property-based tests: hostile form generators, a way to call a route's
 * action like Remix does and classify what came back, and the database checks that every
 * rejected input must pass (row counts unchanged; other people's rows untouched).
 *
 * The four files generate 10,000 inputs on PGlite and 3,000 on PostgreSQL (POSTGRES_SHARE),
 * each file from a fixed seed; fast-check prints the seed and path of any failure. Locally:
 * PROPERTY_SEED=<n> explores other inputs, PROPERTY_RUNS_SCALE=<x> runs more or fewer, and
 * PROPERTY_TALLY=1 prints what the inputs did (accepted or refused, by status) and the time spent.
 */
import fc from 'fast-check';
import { sql, type SQL } from 'drizzle-orm';
import { expect } from 'vitest';
import type { AppContext } from '~/utils/context.server';
import { queryRows, type Db, type DriverName } from '~/utils/db.server';

export const ORIGIN = 'http://localhost';

/**
 * PostgreSQL runs this share of each property's inputs: the generated inputs are the same kind
 * on both drivers, and PGlite (which CI always runs) carries the 10,000.
 */
export const POSTGRES_SHARE = 0.3;

/**
 * Generated inputs for one property on this driver. PROPERTY_RUNS_SCALE multiplies them (0.1 for
 * a quick local look, 5 for a deep run); the default is what CI runs.
 */
export function runsFor(driver: DriverName, pglite: number): number {
  const scale = Number(process.env.PROPERTY_RUNS_SCALE);
  const base = driver === 'pglite' ? pglite : pglite * POSTGRES_SHARE;
  return Math.max(1, Math.round(base * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}

/** The fixed seed of a file, unless PROPERTY_SEED asks for another (to explore locally). */
export function seedOf(fileSeed: number): number {
  const override = Number(process.env.PROPERTY_SEED);
  return Number.isSafeInteger(override) && process.env.PROPERTY_SEED ? override : fileSeed;
}

// ------------------------------------------------------------------ generators

const SQLISH = [
  "' OR '1'='1",
  "' OR 1=1 --",
  "'; DROP TABLE users; --",
  '1; SELECT pg_sleep(5)',
  '" OR ""="',
  "\\'",
  "E'\\\\x00'",
  '$$;$$',
  '%',
  '_%_',
  '1 UNION SELECT password_hash FROM users',
  "admin'--",
  'NULL',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '{"$gt":""}',
  '__proto__',
  'constructor',
];

const HTMLISH = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '<svg onload=alert(1)>',
  'javascript:alert(1)',
  '{{7*7}}',
  '${7*7}',
  '<!--',
  ']]>',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '%00',
  '%2e%2e%2f',
  '&lt;b&gt;',
  '\u202Egnp.exe',
];

const WEIRD_WHITESPACE = [' ', '   ', '\t', '\n', '\r\n', '\u3000', '\u200B', '\u00A0', '\uFEFF', '\u2028'];

const NUMBERISH = [
  '0',
  '-0',
  '-1',
  '1e3',
  '1e309',
  '-1e309',
  'NaN',
  'Infinity',
  '-Infinity',
  '0x10',
  '0b11',
  '1_000',
  '１２３',
  '1.5',
  '0.0001',
  '2147483647',
  '2147483648',
  '-2147483649',
  '9007199254740991',
  '9007199254740993',
  '99999999999999999999999999',
  ' 7 ',
  '7abc',
  '+5',
  '¥12.50',
  '12,50',
  '1.999',
  '9'.repeat(400),
];

/** Any text: unicode, raw code points (lone surrogates too), control characters, NUL. */
export const unicodeText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)), maxLength: 10 }),
  fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })).map(([a, b]) => `${a}\u0000${b}`),
);

/** `length` pseudo-random characters (ASCII, CJK, emoji, accents) from `seed`: incompressible, and cheap to shrink. */
function scrambledText(seed: number, length: number): string {
  const ranges: [number, number][] = [
    [0x21, 0x7e],
    [0x4e00, 0x9fff],
    [0x1f600, 0x1f64f],
    [0xc0, 0x24f],
  ];
  let state = seed >>> 0 || 1;
  let out = '';
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    const [lo, hi] = ranges[state % ranges.length]!;
    out += String.fromCodePoint(lo + ((state >>> 3) % (hi - lo + 1)));
  }
  return out;
}

/** One long "word" (letters and CJK, no spaces or punctuation), to make a valid value huge without breaking its form. */
export const longWord = fc
  .tuple(fc.integer({ min: 1, max: 0x7fffffff }), fc.integer({ min: 1000, max: 4000 }))
  .map(([seed, n]) => [...scrambledText(seed, n)].map((c) => (/[a-z\u4e00-\u9fff]/i.test(c) ? c : 'q')).join(''));

/** Long text: one character repeated up to 100k times, or a few thousand random (incompressible) ones. */
export const hugeText = fc.oneof(
  fc.tuple(fc.constantFrom('a', '脐', '😀', "'", '<', '\u0000', ' ', '9'), fc.integer({ min: 81, max: 100_000 })).map(([c, n]) => c.repeat(n)),
  fc.tuple(fc.integer({ min: 1, max: 0x7fffffff }), fc.integer({ min: 200, max: 6000 })).map(([seed, n]) => scrambledText(seed, n)),
);

export const numberish = fc.oneof(
  fc.constantFrom(...NUMBERISH),
  fc.integer().map(String),
  fc.double().map(String),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String),
);

/** Short hostile fragments, to put inside otherwise valid values. */
export const hostileFragment = fc.oneof(
  fc.constantFrom('\u0000', '\u0007', '\u001b[31m', '\r\n', '\ud800', '\udfff', '\u202e', '\u200b', "'", '"', '\\', '<b>', '%00', '😀', '𠮷', 'e\u0301'),
  fc.constantFrom(...SQLISH, ...HTMLISH),
);

/** Whatever a hostile or broken client might put in a form field. */
export const nastyText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: unicodeText },
  { weight: 2, arbitrary: fc.constantFrom(...SQLISH, ...HTMLISH) },
  { weight: 1, arbitrary: fc.constantFrom(...WEIRD_WHITESPACE) },
  { weight: 2, arbitrary: numberish },
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 2, arbitrary: hugeText },
  { weight: 1, arbitrary: fc.uuid().map(String) },
);

/** One field as posted: absent, once, or several times. */
export type PostedField = string[];

/**
 * A field that is mostly `valid` but sometimes missing, empty, hostile, valid with something
 * hostile inside, valid but thousands of characters long, of the wrong type, or posted twice.
 */
export function mutated(valid: fc.Arbitrary<string>, validWeight = 6): fc.Arbitrary<PostedField> {
  const arms: fc.WeightedArbitrary<PostedField>[] = [
    { weight: 1, arbitrary: fc.constant([]) },
    { weight: 1, arbitrary: fc.constant(['']) },
    { weight: 3, arbitrary: nastyText.map((v) => [v]) },
    { weight: 2, arbitrary: fc.tuple(valid, hostileFragment, fc.nat()).map(([v, f, at]) => [v.slice(0, at % (v.length + 1)) + f + v.slice(at % (v.length + 1))]) },
    { weight: 1, arbitrary: fc.tuple(longWord, valid).map(([w, v]) => [w + v]) },
    { weight: 1, arbitrary: numberish.map((v) => [v]) },
    { weight: 1, arbitrary: fc.tuple(valid, fc.oneof(valid, nastyText)).map(([a, b]) => [a, b]) },
  ];
  if (validWeight > 0) arms.push({ weight: validWeight, arbitrary: valid.map((v) => [v]) });
  return fc.oneof(...arms);
}

export type FormShape = Record<string, fc.Arbitrary<string>>;
export type FormEntries = [name: string, value: string][];

/**
 * Generated forms for a field model (each arbitrary in `shape` gives values the form would
 * accept, give or take a rule only the models know). A fifth are sent as generated, so the
 * action gets past its schema and the models are exercised; two fifths with one field broken;
 * the rest with every field mutated independently. Any may carry unknown fields.
 */
export function hostileForm(shape: FormShape): fc.Arbitrary<FormEntries> {
  const names = Object.keys(shape);
  const validOnly = fc.record(Object.fromEntries(names.map((n) => [n, shape[n]!.map((v) => [v])]))) as fc.Arbitrary<Record<string, PostedField>>;
  const oneBroken = fc.integer({ min: -1, max: names.length - 1 }).chain((index) => {
    if (index < 0) return validOnly;
    const name = names[index]!;
    return fc.tuple(validOnly, mutated(shape[name]!, 0)).map(([fields, broken]) => ({ ...fields, [name]: broken }));
  });
  const allMutated = fc.record(Object.fromEntries(names.map((n) => [n, mutated(shape[n]!)]))) as fc.Arbitrary<Record<string, PostedField>>;
  const extras = fc.array(fc.tuple(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'id', 'userId', 'cooperativeId', 'status', 'role', 'intent'), fc.string({ maxLength: 12 })), nastyText), {
    maxLength: 2,
  });
  return fc.tuple(fc.oneof({ weight: 1, arbitrary: validOnly }, { weight: 2, arbitrary: oneBroken }, { weight: 2, arbitrary: allMutated }), extras).map(([fields, extra]) => [
    ...Object.entries(fields).flatMap(([name, values]) => values.map((v): [string, string] => [name, v])),
    ...extra,
  ]);
}

/** Mostly `valid`, now and then one of the values a model or a bound must refuse. */
export function mostly<T>(valid: fc.Arbitrary<T>, refused: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ weight: 8, arbitrary: valid }, { weight: 1, arbitrary: refused });
}

/** A plain e-mail address that any validator takes. */
export const plainEmail = fc
  .tuple(fc.stringMatching(/^[a-z][a-z0-9.]{0,11}[a-z0-9]$/), fc.stringMatching(/^[a-z0-9]{1,10}$/), fc.constantFrom('com', 'cn', 'example', 'org'))
  .filter(([local]) => !local.includes('..'))
  .map(([local, domain, tld]) => `${local}@${domain}.${tld}`);

/** A valid-looking mainland mobile number. */
export const mobileNumber = fc.tuple(fc.constantFrom('13', '15', '17', '18', '19'), fc.stringMatching(/^\d{9}$/)).map(([a, b]) => a + b);

/** An X-Forwarded-For header a client might send (the app reads the last entry). */
export const forwardedFor = fc.oneof(
  { weight: 6, arbitrary: fc.ipV4() },
  { weight: 1, arbitrary: fc.ipV6() },
  { weight: 1, arbitrary: fc.constant('203.0.113.7') },
  { weight: 1, arbitrary: fc.array(fc.ipV4(), { minLength: 2, maxLength: 4 }).map((a) => a.join(', ')) },
  { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 300 }) },
  { weight: 1, arbitrary: fc.constant('') },
);

// ------------------------------------------------------------------ requests

/** A POST of the entries, urlencoded or as multipart/form-data (optionally with files). */
export function formRequest(
  path: string,
  entries: FormEntries,
  { cookie, ip, multipart = false, files = [] }: { cookie?: string; ip?: string; multipart?: boolean; files?: [string, File][] } = {},
): Request {
  const headers: Record<string, string> = {};
  if (cookie) headers.Cookie = cookie;
  if (ip !== undefined) headers['X-Forwarded-For'] = ip;
  if (multipart || files.length > 0) {
    const form = new FormData();
    for (const [name, value] of entries) form.append(name, value);
    for (const [name, file] of files) form.append(name, file);
    return new Request(`${ORIGIN}${path}`, { method: 'POST', body: form, headers });
  }
  headers['Content-Type'] = 'application/x-www-form-urlencoded';
  return new Request(`${ORIGIN}${path}`, { method: 'POST', body: new URLSearchParams(entries), headers });
}

// ------------------------------------------------------------------ calling actions

export type RouteHandler = (args: { request: Request; params: Record<string, string>; context: { app: AppContext } }) => unknown;

export interface Outcome {
  status: number;
  location: string | null;
  body: unknown;
}

/**
 * Calls an action like Remix does. A returned or thrown Response, a `data()` reply or a plain
 * object all become an Outcome; any other thrown error would be a 500 and is rethrown, with the
 * route named, to fail the property.
 */
export async function callAction(app: AppContext, handler: unknown, request: Request, params: Record<string, string> = {}): Promise<Outcome> {
  let result: unknown;
  try {
    result = await (handler as RouteHandler)({ request, params, context: { app } });
  } catch (error) {
    if (!(error instanceof Response)) {
      const wrapped = new Error(`${request.method} ${new URL(request.url).pathname} threw (a 500): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      if (error instanceof Error && error.stack) wrapped.stack = `${wrapped.message}\n--- original stack ---\n${error.stack}`;
      throw wrapped;
    }
    result = error;
  }
  if (result instanceof Response) return { status: result.status, location: result.headers.get('Location'), body: null };
  if (result && typeof result === 'object' && (result as { type?: string }).type === 'DataWithResponseInit') {
    const { data, init } = result as { data: unknown; init: ResponseInit | null };
    const location = init?.headers ? new Headers(init.headers).get('Location') : null;
    return { status: init?.status ?? 200, location, body: data };
  }
  return { status: 200, location: null, body: result };
}

/** Whether an action's answer refuses the input: a 4xx, a redirect to log in, or a returned validation error or problem. */
export function isRejected(outcome: Outcome): boolean {
  if (outcome.status >= 400) return true;
  // requireUser sends whoever is not signed in to the login page.
  if (outcome.location?.startsWith('/login')) return true;
  return hasError(outcome.body) || hasError((outcome.body as { result?: unknown } | null)?.result);
}

function hasError(body: unknown): boolean {
  if (!body || typeof body !== 'object') return false;
  const b = body as { status?: unknown; error?: unknown; problem?: unknown };
  if (b.status === 'error') return true;
  if (b.problem) return true;
  if (typeof b.error === 'string') return true;
  if (b.error && typeof b.error === 'object' && Object.values(b.error).some((v) => Array.isArray(v) && v.length > 0)) return true;
  return false;
}

// ------------------------------------------------------------------ database checks

/** The tables each test database counts, once its counting function exists. */
const countedTables = new WeakMap<Db, string[]>();

/**
 * Every table of the schema except `rate_limits` (whose counters a refused request bumps by
 * design). The counting goes in a PL/pgSQL function of the throwaway test database, which keeps
 * its query plans: half the cost of sending the statement each time.
 */
async function prepareCounts(db: Db): Promise<string[]> {
  const known = countedTables.get(db);
  if (known) return known;
  const rows = await queryRows<{ name: string }>(db, sql`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'rate_limits' ORDER BY tablename`);
  const tableNames = rows.map((r) => r.name);
  if (tableNames.length < 10) throw new Error(`expected the app's tables, found ${tableNames.join(', ')}`);
  const counts = tableNames.map((n) => `(SELECT count(*)::int FROM "${n}")`).join(', ');
  await db.execute(sql.raw(`CREATE OR REPLACE FUNCTION property_test_row_counts() RETURNS int[] LANGUAGE plpgsql STABLE AS $$ BEGIN RETURN ARRAY[${counts}]; END $$`));
  countedTables.set(db, tableNames);
  return tableNames;
}

interface Snapshot {
  counts: Record<string, number>;
  victims: string | null;
}

/**
 * Row counts of all the app's tables and, when given, a hash of the rows `victims` selects (as
 * text, in the query's order), in one statement.
 */
async function snapshot(db: Db, victims: SQL | null): Promise<Snapshot> {
  const tableNames = await prepareCounts(db);
  const hash = victims ? sql`(SELECT md5(coalesce(string_agg(v::text, '|'), '')) FROM (${victims}) v)` : sql`NULL`;
  const [row] = await queryRows<{ counts: number[] | string; victims: string | null }>(db, sql`SELECT property_test_row_counts() AS counts, ${hash} AS victims`);
  const list = typeof row!.counts === 'string' ? row!.counts.replace(/[{}]/g, '').split(',') : row!.counts;
  if (list.length !== tableNames.length) throw new Error(`row counts: expected ${tableNames.length} numbers, got ${list.length}`);
  return { counts: Object.fromEntries(tableNames.map((name, i) => [name, Number(list[i])])), victims: row!.victims };
}

/** Tallies what the generated inputs did, to show the properties reach past the schemas. */
export class Tally {
  private readonly counts = new Map<string, number>();
  add(outcome: Outcome, rejected: boolean) {
    const key = rejected ? `rejected ${outcome.status}` : `accepted ${outcome.status}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  get accepted(): number {
    return [...this.counts].filter(([k]) => k.startsWith('accepted')).reduce((s, [, n]) => s + n, 0);
  }
  get total(): number {
    return [...this.counts.values()].reduce((s, n) => s + n, 0);
  }
  toString(): string {
    return [...this.counts].map(([k, n]) => `${k}: ${n}`).join(', ');
  }
}

export interface CheckOptions {
  /** Whether the outcome refuses the input; `isRejected` unless a route says otherwise. */
  rejected?: (outcome: Outcome) => boolean;
}

/**
 * Sends requests and checks the invariants of each: never a 500 (a thrown non-Response error
 * fails), never a 5xx status; when the input is rejected, every table's row count is unchanged;
 * the `victims` rows (other people's, which this caller must never change) never change,
 * whether the input was accepted or not.
 *
 * One statement after each request takes the counts and the victims' hash, and serves as the
 * "before" of the next request; a test that writes to the database between requests must call
 * `changed()`.
 */
export class Checker {
  private last: Snapshot | null = null;
  private victimHash: string | null = null;
  readonly tally = new Tally();

  constructor(
    private readonly t: { readonly app: AppContext },
    private readonly victims: (() => SQL) | null = null,
  ) {}

  /** Forget the last counts (the test wrote to the database itself). */
  changed(): void {
    this.last = null;
  }

  /** Milliseconds spent in the actions and in the database checks, for PROPERTY_TALLY. */
  readonly timing = { action: 0, checks: 0 };

  private async take(): Promise<Snapshot> {
    const started = performance.now();
    const taken = await snapshot(this.t.app.db, this.victims ? this.victims() : null);
    this.timing.checks += performance.now() - started;
    this.victimHash ??= taken.victims;
    return taken;
  }

  async check(handler: unknown, request: Request, params: Record<string, string> = {}, { rejected = isRejected }: CheckOptions = {}): Promise<Outcome> {
    const path = new URL(request.url).pathname;
    const before = this.last ?? (await this.take());
    this.last = null;
    const started = performance.now();
    const outcome = await callAction(this.t.app, handler, request, params);
    this.timing.action += performance.now() - started;
    expect(outcome.status, `status of POST ${path}`).toBeLessThan(500);
    const refused = rejected(outcome);
    this.tally.add(outcome, refused);
    const after = await this.take();
    if (refused) expect(after.counts, `row counts after a rejected POST ${path} (status ${outcome.status})`).toEqual(before.counts);
    expect(after.victims, `other people's rows after POST ${path} (status ${outcome.status})`).toBe(this.victimHash);
    this.last = after;
    return outcome;
  }
}

/**
 * Checks that some generated inputs got through (so the property reached the models, not only
 * the schema), and prints the tally when PROPERTY_TALLY is set.
 */
export function expectSomeAccepted(checker: Checker, name: string): void {
  if (process.env.PROPERTY_TALLY) {
    const { action, checks } = checker.timing;
    process.stdout.write(`[property] ${name}: ${checker.tally.toString()} (actions ${Math.round(action)} ms, checks ${Math.round(checks)} ms)\n`);
  }
  expect(checker.tally.accepted, `${name}: ${checker.tally.toString()}`).toBeGreaterThan(0);
}
