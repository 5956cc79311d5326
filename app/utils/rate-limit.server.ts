/**
 * Fixed-window rate limits in the `rate_limits` table, so every app instance counts together.
 * One `INSERT … ON CONFLICT DO UPDATE` both opens a new window and counts the hit, so
 * concurrent requests can never let more than `limit` through in a window.
 */
import crypto from 'node:crypto';
import { eq, lt, sql } from 'drizzle-orm';
import { rateLimits } from '~/db/schema';
import { queryRows, type Db } from './db.server';

export interface RateLimitRule {
  limit: number;
  windowMs: number;
}

export interface RateLimitResult {
  allowed: boolean;
  remaining: number;
  /** 0 when allowed; otherwise how long until the window resets. */
  retryAfterMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The limits the app applies. Login counts attempts; a successful login clears its account+IP count. */
export const RATE_LIMITS = {
  /** One account from one address: the tight limit, so a guesser elsewhere cannot lock the owner out. */
  loginAccountIp: { limit: 10, windowMs: 15 * MINUTE },
  /** One account from everywhere: the hard cap on guesses per hour. */
  loginAccount: { limit: 100, windowMs: HOUR },
  /** One address against any accounts (credential stuffing); generous for carrier-grade NAT. */
  loginIp: { limit: 300, windowMs: HOUR },
  signupIp: { limit: 10, windowMs: HOUR },
  passwordResetIp: { limit: 10, windowMs: HOUR },
  /** Quietly stops mail-bombing one inbox; the page answers the same either way. */
  passwordResetAccount: { limit: 3, windowMs: HOUR },
  /**
   * Search suggestions fire per keystroke (debounced), and many buyers may share one address
   * behind a carrier's NAT: generous, it only stops a script hammering the search.
   */
  searchSuggestIp: { limit: 600, windowMs: MINUTE },
} as const satisfies Record<string, RateLimitRule>;

/**
 * Keys carry what a visitor typed (an account name): a long or odd one is stored as its prefix and
 * a SHA-256, so it always fits the primary key's index and never holds a NUL.
 */
const PRINTABLE = /^[^\p{Cc}]*$/u;

function storedKey(key: string): string {
  if (key.length <= 200 && PRINTABLE.test(key)) return key;
  const prefix = [...key.slice(0, 40)].filter((c) => PRINTABLE.test(c)).join('');
  return `${prefix}#${crypto.createHash('sha256').update(key).digest('hex')}`;
}

/** Counts one hit against `key` and says whether it is within the limit. */
export async function hitRateLimit(db: Db, rawKey: string, { limit, windowMs, now }: RateLimitRule & { now: Date }): Promise<RateLimitResult> {
  const key = storedKey(rawKey);
  const at = now.toISOString();
  const windowStartBefore = new Date(now.getTime() - windowMs).toISOString();
  // In SET, column references read the row as it was before this update.
  const [row] = await queryRows<{ count: number; window_start: string | Date }>(
    db,
    sql`INSERT INTO rate_limits (key, count, window_start) VALUES (${key}, 1, ${at}::timestamptz)
      ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN rate_limits.window_start <= ${windowStartBefore}::timestamptz THEN 1 ELSE rate_limits.count + 1 END,
        window_start = CASE WHEN rate_limits.window_start <= ${windowStartBefore}::timestamptz THEN ${at}::timestamptz ELSE rate_limits.window_start END
      RETURNING count::int AS count, window_start`,
  );
  const count = Number(row!.count);
  const windowStart = new Date(row!.window_start);
  const allowed = count <= limit;
  return {
    allowed,
    remaining: Math.max(0, limit - count),
    retryAfterMs: allowed ? 0 : Math.max(0, windowStart.getTime() + windowMs - now.getTime()),
  };
}

export async function resetRateLimit(db: Db, key: string): Promise<void> {
  await db.delete(rateLimits).where(eq(rateLimits.key, storedKey(key)));
}

/** Deletes counters whose window began before `before` (no limit here spans more than an hour). */
export async function pruneRateLimits(db: Db, before: Date): Promise<void> {
  await db.delete(rateLimits).where(lt(rateLimits.windowStart, before));
}

/**
 * The client address for rate limits: the last X-Forwarded-For entry, which is the one our own
 * reverse proxy appended (entries before it are whatever the client sent, so they are never
 * trusted). Without a proxy the header is the client's own word: the server should then set it
 * from the socket address (Express `req.ip`, which honours `trust proxy`) before Remix sees the
 * request. 'unknown' when absent, so such requests share one bucket.
 */
export function getClientIp(request: Request): string {
  const entries = (request.headers.get('X-Forwarded-For') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return entries.at(-1) ?? 'unknown';
}

export interface LoginAttemptCheck {
  allowed: boolean;
  retryAfterMs: number;
  /** Attempts on this account from this address in the current window, this one included. */
  attempts: number;
  /** The key a successful login clears. */
  accountIpKey: string;
}

/**
 * Counts a login attempt. The account+IP limit is checked first and a refused attempt stops
 * there, so one address hammering an account only ever adds its first few attempts to the
 * account-wide count: the owner, signing in from elsewhere, is not locked out by it.
 */
export async function checkLoginAttempt(db: Db, { account, ip, now }: { account: string; ip: string; now: Date }): Promise<LoginAttemptCheck> {
  const accountIpKey = `login:account-ip:${account}:${ip}`;
  const steps: [string, RateLimitRule][] = [
    [accountIpKey, RATE_LIMITS.loginAccountIp],
    [`login:ip:${ip}`, RATE_LIMITS.loginIp],
    [`login:account:${account}`, RATE_LIMITS.loginAccount],
  ];
  let attempts = 0;
  for (const [key, rule] of steps) {
    const result = await hitRateLimit(db, key, { ...rule, now });
    if (key === accountIpKey) attempts = rule.limit - result.remaining;
    if (!result.allowed) return { allowed: false, retryAfterMs: result.retryAfterMs, accountIpKey, attempts };
  }
  return { allowed: true, retryAfterMs: 0, accountIpKey, attempts };
}

/**
 * How long a failed login answers late: nothing for the first three attempts (typos), then
 * doubling from `baseMs` up to eight times it. A guesser's rate drops long before the hard
 * limits refuse, and the owner, signing in from elsewhere, is never slowed by it.
 */
export function failedLoginDelayMs(attempts: number, baseMs: number): number {
  if (attempts <= 3 || baseMs <= 0) return 0;
  return Math.min(baseMs * 2 ** (attempts - 4), baseMs * 8);
}

/** Seconds for a Retry-After header. */
export function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}
