/**
 * Keeps a lost PostgreSQL connection from taking the app down with it. postgres.js 3.4.9 (the
 * current release) recovers from a dropped connection by reconnecting, except in three places
 * (porsager/postgres#1208, #1154, #1215, all open):
 *
 * 1. A transaction whose connection dies under a query: `begin()` answers the failure by writing
 *    ROLLBACK to the connection it has just closed. That write throws a TypeError from a
 *    setImmediate callback, which no caller can catch, so the process exits.
 * 2. A connection killed during a query keeps the server's "terminating connection" error and
 *    hands it to the first query it runs after reconnecting, which then fails although the new
 *    connection is fine (the query was never sent).
 * 3. A query written to a connection in the instant its socket closes leaves the connection's
 *    write buffer blocked: every reconnect then times out (CONNECT_TIMEOUT) for a minute or more.
 *
 * `guardPostgresClient` wraps the client drizzle uses:
 * - A transaction that loses its connection stops there: its callback's failure is held back
 *   until `begin()` rejects by its own close handler (the server has rolled the transaction
 *   back), and no further query of it reaches the connection. Other failures roll back as usual.
 * - A query outside a transaction that failed with the server's termination error, or a SELECT
 *   whose connection broke, runs again (at most twice) on another connection: such a statement was aborted,
 *   never sent, or only reads, so running it again cannot apply anything twice. A transaction
 *   whose BEGIN failed that way (its callback never ran) is begun again.
 * - A connection timing out while a new one connects at once means a blocked connection: the
 *   pool is replaced by a fresh one (queries already running finish on the old pool).
 */
import type { Sql, TransactionSql } from 'postgres';

/**
 * Error codes that mean the connection under a query is gone rather than the query refused:
 * postgres.js's own, the socket's, and PostgreSQL's shutdown and connection-exception classes
 * (57P0x, 08xxx). Drizzle wraps driver errors, so the causes are searched too.
 */
const CONNECTION_LOST_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  'CONNECT_TIMEOUT',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  '57P01',
  '57P02',
  '57P03',
]);

/** The server ended the session (admin_shutdown, crash_shutdown): the statement did not commit. */
const TERMINATED_CODES = new Set(['57P01', '57P02']);

/** An established connection broke under the query (rather than the database being unreachable). */
const BROKEN_CODES = new Set(['CONNECTION_CLOSED', 'ECONNRESET', 'EPIPE', ...TERMINATED_CODES]);

const READ_ONLY = /^\s*select\b/i;

/**
 * A query may meet a connection that broke and then, retried, the stale error of another one
 * reconnecting: four attempts, a pause before each retry that doubles (100, 200, 400 ms), so on a
 * loaded machine the other killed connections have reported closing before the last try.
 */
const MAX_ATTEMPTS = 4;
const RETRY_DELAY_MS = 100;

function hasCode(error: unknown, test: (code: string) => boolean): boolean {
  let current = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && test(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

export function isConnectionLost(error: unknown): boolean {
  return hasCode(error, (code) => CONNECTION_LOST_CODES.has(code) || code.startsWith('08'));
}

export function isSessionTerminated(error: unknown): boolean {
  return hasCode(error, (code) => TERMINATED_CODES.has(code));
}

/** How long a transaction whose query lost its connection waits to see that connection close. */
const CLOSE_WAIT_MS = 2000;

interface TransactionState {
  /** A query of this transaction failed because its connection is gone. */
  lost: boolean;
  /** Settles when `begin()` settles: while the callback still runs, only its connection closing does that. */
  ended: Promise<void>;
}

type Callback = (sql: TransactionSql) => unknown;
type Variadic<R> = (...args: unknown[]) => R;

interface PendingQueryLike extends PromiseLike<unknown> {
  values(): PendingQueryLike;
}

/** How soon after one check for a blocked pool another may be made. */
const CHECK_INTERVAL_MS = 10_000;

export interface GuardedPostgres {
  /** The client to hand to drizzle (and to query directly). */
  sql: Sql;
  /** Ends the pool in use and any being retired. */
  end(options?: { timeout?: number }): Promise<void>;
}

export interface GuardOptions {
  /** Called when a blocked pool was replaced by a fresh one. */
  onPoolReplaced?: (error: unknown) => void;
}

/** `create` makes a new pool with the same settings (called again when the pool must be replaced). */
export function guardPostgresClient(create: () => Sql, options: GuardOptions = {}): GuardedPostgres {
  const first = create();
  let current = first;
  const retiring = new Set<Promise<void>>();
  let replacing: Promise<void> | null = null;
  let lastCheckedAt = -Infinity;

  /** After a connect timeout: if a fresh pool connects, the current one is blocked, so use the fresh one. */
  function checkBlocked(error: unknown) {
    if (!hasCode(error, (code) => code === 'CONNECT_TIMEOUT') || replacing || Date.now() - lastCheckedAt < CHECK_INTERVAL_MS) return;
    lastCheckedAt = Date.now();
    replacing = (async () => {
      const fresh = create();
      try {
        await fresh.unsafe('select 1');
      } catch {
        await fresh.end({ timeout: 0 });
        return; // the database itself does not answer: nothing to gain
      }
      // drizzle set its type parsers on the first client; the new one needs the same.
      Object.assign(fresh.options.parsers, first.options.parsers);
      Object.assign(fresh.options.serializers, first.options.serializers);
      const old = current;
      current = fresh;
      options.onPoolReplaced?.(error);
      const ending = old
        .end({ timeout: 10 })
        .catch(() => {})
        .finally(() => retiring.delete(ending));
      retiring.add(ending);
    })()
      .catch(() => {}) // a failed check changes nothing; the next timeout checks again
      .finally(() => {
        replacing = null;
      });
  }

  const unsafe = (...args: unknown[]) => retrying(() => current.unsafe as unknown as Variadic<PendingQueryLike>, args, checkBlocked);
  const begin = async (...args: unknown[]) => {
    const fn = args.pop() as Callback;
    for (let attempt = 1; ; attempt += 1) {
      let started = false;
      try {
        return await guardedBegin(current, args, (tx) => {
          started = true;
          return fn(tx);
        });
      } catch (error) {
        checkBlocked(error);
        // Failed before the callback ran (at BEGIN, e.g. with a stale termination error): nothing happened yet.
        if (started || attempt >= MAX_ATTEMPTS || !hasCode(error, (code) => BROKEN_CODES.has(code))) throw error;
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      }
    }
  };
  const sql = new Proxy(first, {
    get: (_target, prop) => (prop === 'unsafe' ? unsafe : prop === 'begin' ? begin : prop === 'options' ? first.options : Reflect.get(current, prop)),
  });
  return {
    sql,
    async end(endOptions) {
      await replacing;
      await Promise.all([current.end(endOptions), ...retiring]);
    },
  };
}

/**
 * `unsafe(...)` as drizzle uses it (awaited, or `.values()` first). Runs again when it failed
 * with the server's termination error, or when it only reads and its connection broke.
 */
function retrying(unsafe: () => Variadic<PendingQueryLike>, args: unknown[], onError: (error: unknown) => void): PendingQueryLike {
  let asValues = false;
  let result: Promise<unknown> | undefined;
  const run = () => {
    const query = unsafe()(...args);
    return asValues ? query.values() : query;
  };
  const retryable = (error: unknown) => isSessionTerminated(error) || (typeof args[0] === 'string' && READ_ONLY.test(args[0]) && hasCode(error, (code) => BROKEN_CODES.has(code)));
  const attempt = async (): Promise<unknown> => {
    for (let tries = 1; ; tries += 1) {
      try {
        return await run();
      } catch (error) {
        if (tries >= MAX_ATTEMPTS || !retryable(error)) throw error;
        // Other connections killed at the same moment may not have reported closing yet: let them.
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * 2 ** (tries - 1)));
      }
    }
  };
  const settle = () =>
    (result ??= attempt().catch((error: unknown) => {
      onError(error);
      throw error;
    }));
  const pending: PendingQueryLike = {
    values() {
      asValues = true;
      return pending;
    },
    then: (onFulfilled, onRejected) => settle().then(onFulfilled, onRejected),
  };
  return pending;
}

function guardedBegin(client: Sql, options: unknown[], fn: Callback): Promise<unknown> {
  let markEnded!: () => void;
  const state: TransactionState = { lost: false, ended: new Promise<void>((resolve) => (markEnded = resolve)) };
  const outcome = (client.begin as Variadic<Promise<unknown>>)(...options, (tx: TransactionSql) => runGuarded(fn, guardScope(tx, state), state));
  outcome.then(markEnded, markEnded);
  return outcome;
}

async function runGuarded(fn: Callback, sql: TransactionSql, state: TransactionState): Promise<unknown> {
  try {
    return await fn(sql);
  } catch (error) {
    if (!state.lost && !isConnectionLost(error)) throw error;
    state.lost = true;
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      state.ended.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), CLOSE_WAIT_MS);
      }),
    ]).finally(() => clearTimeout(timer));
    // Closed: begin() has already rejected; settling now would make it write ROLLBACK to the dead connection.
    if (closed) return new Promise<never>(() => {});
    // The connection is still open after all: roll back on it as usual.
    throw error;
  }
}

/** The transaction's `sql` for drizzle, refusing queries once the transaction's connection is lost. */
function guardScope(tx: TransactionSql, state: TransactionState): TransactionSql {
  const lostQuery = (): PendingQueryLike => {
    const fail = () => Promise.reject(Object.assign(new Error('the connection of this transaction was lost'), { code: 'CONNECTION_CLOSED' }));
    const pending: PendingQueryLike = { values: () => pending, then: (onFulfilled, onRejected) => fail().then(onFulfilled, onRejected) };
    return pending;
  };
  const unsafe = (...args: unknown[]) => (state.lost ? lostQuery() : (tx.unsafe as Variadic<unknown>)(...args));
  const savepoint = (...args: unknown[]) => {
    const fn = args.pop() as Callback;
    return (tx.savepoint as Variadic<Promise<unknown>>)(...args, (sp: TransactionSql) => runGuarded(fn, guardScope(sp, state), state));
  };
  return new Proxy(tx, {
    get: (target, prop, receiver) => (prop === 'unsafe' ? unsafe : prop === 'savepoint' ? savepoint : Reflect.get(target, prop, receiver)),
  });
}

/**
 * The uncaught TypeError of upstream bug 1 above (porsager/postgres#1208): postgres.js's deferred
 * write to a connection whose socket is already gone, thrown from a setImmediate callback. The
 * guard keeps transactions from causing it; should one slip through (a race on a loaded machine),
 * server.js logs it and keeps serving instead of exiting: the connection is closed, and a write
 * buffer it leaves blocked is case 3, which the guard replaces the pool for.
 */
export function isPostgresWriteOnClosedSocket(error: unknown): boolean {
  if (!(error instanceof TypeError)) return false;
  const stack = error.stack ?? '';
  return /\bnextWrite\b/.test(stack) && /postgres[\\/]src[\\/]connection\.js/.test(stack);
}
