/**
 * The PostgreSQL client survives its connections being killed (pg_terminate_backend, as in a
 * failover): transactions and queries in flight fail with a connection error, nothing crashes
 * the process (postgres.js alone throws from a timer when a transaction's connection dies), and
 * the next queries and transactions succeed on fresh connections, none failing with the old
 * connections' stale errors. PostgreSQL only: PGlite has no connections to lose.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, queryRows, reconnectDelaySeconds, type Database } from '~/utils/db.server';
import type { Sql } from 'postgres';
import { guardPostgresClient, isConnectionLost, isPostgresWriteOnClosedSocket, isSessionTerminated } from '~/utils/postgres-guard.server';
import { createTestDatabase, type TestDatabase } from '../setup/db';

describe('reconnect delay', () => {
  it('starts at tens of milliseconds and never exceeds a second, so requests during an outage fail fast', () => {
    expect(reconnectDelaySeconds(0, () => 1)).toBeCloseTo(0.05);
    expect(reconnectDelaySeconds(3, () => 0)).toBeCloseTo(0.2);
    for (const retries of [5, 10, 50, 1000]) expect(reconnectDelaySeconds(retries, () => 1)).toBe(1);
  });
});

describe('postgres.js writing to a closed socket (porsager/postgres#1208)', () => {
  const withStack = (error: Error, stack: string) => Object.assign(error, { stack });
  const closedWrite = `TypeError: Cannot read properties of null (reading 'write')
    at nextWrite (file:///srv/app/node_modules/postgres/src/connection.js:254:22)
    at process.processImmediate (node:internal/timers:483:21)`;

  it('is recognised by its place in postgres.js, so server.js can log it and keep serving', () => {
    expect(isPostgresWriteOnClosedSocket(withStack(new TypeError("Cannot read properties of null (reading 'write')"), closedWrite))).toBe(true);
  });

  it('leaves every other uncaught exception fatal', () => {
    expect(isPostgresWriteOnClosedSocket(withStack(new Error('x'), closedWrite))).toBe(false);
    expect(isPostgresWriteOnClosedSocket(withStack(new TypeError('x'), 'TypeError: x\n    at nextWrite (file:///srv/app/build/index.js:1:1)'))).toBe(false);
    expect(isPostgresWriteOnClosedSocket(withStack(new TypeError('x'), 'TypeError: x\n    at handle (file:///srv/app/node_modules/postgres/src/connection.js:400:1)'))).toBe(false);
    expect(isPostgresWriteOnClosedSocket('nextWrite postgres/src/connection.js')).toBe(false);
  });
});

describe('connection errors', () => {
  it('finds the code through drizzle’s wrapping', () => {
    const wrapped = (code: string) => Object.assign(new Error('Failed query: select 1'), { cause: Object.assign(new Error('driver'), { code }) });
    expect(isConnectionLost(wrapped('CONNECTION_CLOSED'))).toBe(true);
    expect(isConnectionLost(wrapped('08006'))).toBe(true);
    expect(isConnectionLost(wrapped('57P01'))).toBe(true);
    expect(isConnectionLost(wrapped('23505'))).toBe(false);
    expect(isConnectionLost(new Error('app refusal'))).toBe(false);
    expect(isSessionTerminated(wrapped('57P01'))).toBe(true);
    expect(isSessionTerminated(wrapped('CONNECTION_CLOSED'))).toBe(false);
  });
});

describe('a blocked pool', () => {
  /** A stand-in for a postgres.js pool whose queries all answer `answer()`. */
  function fakePool(answer: () => Promise<unknown>) {
    const pool = {
      queries: 0,
      ended: false,
      options: { parsers: {} as Record<string, unknown>, serializers: {} as Record<string, unknown> },
      unsafe() {
        pool.queries += 1;
        const result = { values: () => result, then: (f: (v: unknown) => unknown, r: (e: unknown) => unknown) => answer().then(f, r) };
        return result;
      },
      end: async () => {
        pool.ended = true;
      },
    };
    return pool;
  }
  const timeout = () => Promise.reject(Object.assign(new Error('write CONNECT_TIMEOUT'), { code: 'CONNECT_TIMEOUT' }));

  it('is replaced by a fresh pool when a connection times out while a new one connects', async () => {
    const pools = [fakePool(timeout), fakePool(() => Promise.resolve([{ ok: 1 }]))];
    let made = 0;
    const replaced: unknown[] = [];
    const guarded = guardPostgresClient(() => pools[made++] as unknown as Sql, { onPoolReplaced: (error) => replaced.push(error) });
    const parser = (value: string) => value;
    guarded.sql.options.parsers['1184'] = parser;
    await expect(guarded.sql.unsafe('select 1')).rejects.toMatchObject({ code: 'CONNECT_TIMEOUT' });
    await expect.poll(() => replaced.length).toBe(1);
    expect(await guarded.sql.unsafe('select 2')).toEqual([{ ok: 1 }]);
    expect(pools[0]!.ended).toBe(true);
    expect(pools[1]!.options.parsers['1184']).toBe(parser);
    await guarded.end();
    expect(pools[1]!.ended).toBe(true);
  });

  it('is kept when the database does not answer a fresh pool either, and checked again only after a while', async () => {
    const pools = [fakePool(timeout), fakePool(timeout), fakePool(timeout)];
    let made = 0;
    const replaced: unknown[] = [];
    const guarded = guardPostgresClient(() => pools[made++] as unknown as Sql, { onPoolReplaced: (error) => replaced.push(error) });
    await expect(guarded.sql.unsafe('select 1')).rejects.toMatchObject({ code: 'CONNECT_TIMEOUT' });
    await expect.poll(() => pools[1]!.ended).toBe(true);
    await expect(guarded.sql.unsafe('select 1')).rejects.toMatchObject({ code: 'CONNECT_TIMEOUT' });
    expect(replaced).toEqual([]);
    expect(pools[0]!.queries).toBe(2);
    expect(made).toBe(2);
    await guarded.end();
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('a killed PostgreSQL connection (needs TEST_DATABASE_URL)', () => {
  let database: TestDatabase;
  let app: Database;
  const APP_NAME = 'dibiao-zhunong';

  beforeAll(async () => {
    database = await createTestDatabase('postgres', { maxConnections: 1 });
    app = await openDatabase({ driver: 'postgres', url: database.url!, maxConnections: 6 });
  });
  afterAll(async () => {
    await app?.close();
    await database?.destroy();
  });

  /** Waits until `count` of the app's backends run a query matching `pattern`, then terminates every app backend. */
  async function killWhenRunning(pattern: string, count: number): Promise<number> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const [row] = await queryRows<{ n: number }>(
        database.db,
        sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' AND query LIKE ${pattern}`,
      );
      if (Number(row!.n) >= count) break;
      if (Date.now() > deadline) throw new Error(`only ${row!.n} backends ran ${pattern}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const killed = await queryRows<{ ok: boolean }>(
      database.db,
      sql`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = ${APP_NAME}`,
    );
    return killed.filter((k) => k.ok).length;
  }

  /** As many queries and transactions as the pool has connections, twice: each connection is used again. */
  async function round() {
    for (let pass = 0; pass < 2; pass += 1) {
      const plain = await Promise.all(Array.from({ length: 6 }, (_, i) => queryRows<{ n: number }>(app.db, sql`SELECT ${i}::int AS n`)));
      expect(plain.map((rows) => Number(rows[0]!.n))).toEqual([0, 1, 2, 3, 4, 5]);
      const inTx = await Promise.all(
        Array.from({ length: 6 }, (_, i) => app.db.transaction(async (tx) => Number((await queryRows<{ n: number }>(tx, sql`SELECT ${i}::int AS n`))[0]!.n))),
      );
      expect(inTx).toEqual([0, 1, 2, 3, 4, 5]);
    }
    expect(await app.ping()).toBe(true);
  }

  /**
   * The pool comes back by itself within seconds (a request sent in the instant a killed
   * connection closes may still fail), then every query and transaction succeeds.
   */
  async function expectRecovered() {
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        await round();
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
    }
    await round();
    await round();
  }

  it('fails transactions whose connection is killed mid-query, without crashing, and runs the next ones', async () => {
    await round();
    const transactions = Array.from({ length: 4 }, (_, i) =>
      app.db
        .transaction(async (tx) => {
          await tx.execute(sql`SELECT ${i}::int`);
          await tx.execute(sql`SELECT pg_sleep(30) /* guard-tx */`);
          return 'committed';
        })
        .catch((error: unknown) => error),
    );
    expect(await killWhenRunning('%guard-tx%', 4)).toBeGreaterThanOrEqual(4);
    const outcomes = await Promise.all(transactions);
    for (const outcome of outcomes) expect(isConnectionLost(outcome)).toBe(true);
    await expectRecovered();
  });

  it('fails writes killed mid-query, runs killed reads again, and the next queries never see the old connections’ errors', async () => {
    const writes = Array.from({ length: 3 }, () => app.db.execute(sql`DO $$ BEGIN PERFORM pg_sleep(30); END $$ /* guard-write */`).catch((error: unknown) => error));
    expect(await killWhenRunning('%guard-write%', 3)).toBeGreaterThanOrEqual(3);
    for (const outcome of await Promise.all(writes)) expect(isConnectionLost(outcome)).toBe(true);
    await expectRecovered();

    // A read cannot apply anything twice: the caller gets its answer from another connection.
    const reads = Array.from({ length: 3 }, (_, i) => queryRows<{ n: number }>(app.db, sql`SELECT ${i}::int AS n, pg_sleep(0.5) /* guard-read */`));
    expect(await killWhenRunning('%guard-read%', 3)).toBeGreaterThanOrEqual(3);
    expect((await Promise.all(reads)).map((rows) => Number(rows[0]!.n))).toEqual([0, 1, 2]);
    await expectRecovered();
  });

  it('rolls back as usual when a transaction fails for another reason', async () => {
    await app.db.execute(sql`CREATE TABLE IF NOT EXISTS guard_probe (id int primary key)`);
    const refused = await app.db
      .transaction(async (tx) => {
        await tx.execute(sql`INSERT INTO guard_probe VALUES (1)`);
        throw new Error('refused by the app');
      })
      .catch((error: unknown) => error);
    expect((refused as Error).message).toBe('refused by the app');
    const duplicate = await app.db.transaction(async (tx) => tx.execute(sql`INSERT INTO guard_probe VALUES (2), (2)`)).catch((error: unknown) => error);
    expect(isConnectionLost(duplicate)).toBe(false);
    expect(await queryRows(app.db, sql`SELECT id FROM guard_probe`)).toEqual([]);
    await expectRecovered();
  });
});
