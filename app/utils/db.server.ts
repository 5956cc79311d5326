/**
 * The database: PostgreSQL through `postgres` when a URL is given, otherwise embedded PGlite
 * (PostgreSQL compiled to wasm) with its data in a local folder. Same schema, same migrations.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations, SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from '~/db/schema';
import type { Logger } from './log.server';
import { guardPostgresClient } from './postgres-guard.server';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
export type DriverName = 'postgres' | 'pglite';

export interface Database {
  db: Db;
  driver: DriverName;
  /** Applies the drizzle migrations in `drizzle/`. */
  migrate(): Promise<void>;
  /** True when a trivial query answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export const MIGRATIONS_FOLDER = path.resolve(process.cwd(), 'drizzle');

export type DatabaseOptions =
  | { driver: 'postgres'; url: string; maxConnections?: number; logger?: Logger }
  /** `dataDir` undefined keeps the database in memory; `loadDataDir` starts from a dumped snapshot. */
  | { driver: 'pglite'; dataDir?: string; loadDataDir?: Blob };

const CONNECT_TIMEOUT_SECONDS = 5;

/** Seconds before reconnecting after `retries` failed connections in a row: 50 ms doubling to 1 s, jittered. */
export function reconnectDelaySeconds(retries: number, random: () => number = Math.random): number {
  return Math.min(0.05 * 2 ** retries, 1) * (0.5 + random() / 2);
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.driver === 'postgres') {
    const pool = guardPostgresClient(
      () =>
        postgres(options.url, {
          max: options.maxConnections ?? 10,
          onnotice: () => {},
          connection: { application_name: 'dibiao-zhunong' },
          // While the database is unreachable a request should fail within seconds, not wait out
          // postgres.js's defaults (30 s to connect, reconnects backing off to 20 s): requests that
          // arrive during an outage would queue behind the backoff and hang.
          connect_timeout: CONNECT_TIMEOUT_SECONDS,
          backoff: reconnectDelaySeconds,
        }),
      // The guard keeps a lost connection from crashing the process or blocking the pool (see there).
      { onPoolReplaced: (error) => options.logger?.warn({ err: error }, 'replaced the PostgreSQL connection pool: a connection stopped connecting') },
    );
    const guarded = pool.sql;
    const db = drizzlePostgres(guarded, { schema }) as unknown as Db;
    return {
      db,
      driver: 'postgres',
      migrate: () => migratePostgres(db as never, { migrationsFolder: MIGRATIONS_FOLDER }),
      ping: async () => {
        try {
          await guarded.unsafe('select 1');
          return true;
        } catch {
          return false;
        }
      },
      close: () => pool.end({ timeout: 5 }),
    };
  }
  let releaseLock = () => {};
  if (options.dataDir) {
    fs.mkdirSync(options.dataDir, { recursive: true });
    releaseLock = lockDataDir(options.dataDir);
  }
  const client = await PGlite.create({ dataDir: options.dataDir, loadDataDir: options.loadDataDir }).catch((error: unknown) => {
    releaseLock();
    throw error;
  });
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    driver: 'pglite',
    migrate: () => migratePglite(db as never, { migrationsFolder: MIGRATIONS_FOLDER }),
    ping: async () => {
      try {
        await client.query('select 1');
        return true;
      } catch {
        return false;
      }
    },
    close: async () => {
      await client.close();
      releaseLock();
    },
  };
}

/**
 * PGlite is one process's database: a second process opening the same folder would corrupt it
 * and PGlite does not refuse by itself, so a pid file beside the folder does.
 */
function lockDataDir(dataDir: string): () => void {
  const lockPath = `${path.resolve(dataDir)}.lock`;
  for (;;) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(fs.readFileSync(lockPath, 'utf8'), 10);
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new Error(`The embedded database in ${dataDir} is in use by process ${holder}; stop it first (one process at a time).`);
      }
      fs.rmSync(lockPath, { force: true }); // left behind by a process that died
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs raw SQL and returns its rows on either driver (postgres returns an array, PGlite `{rows}`). */
export async function queryRows<T = Record<string, unknown>>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
