/**
 * A throwaway migrated database for a benchmark run: an in-memory PGlite, or a PostgreSQL
 * database created from template0 with a UTF-8 ctype (CJK needs it) and dropped afterwards.
 */
import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { syncReferenceData } from '~/models/reference-data.server';
import { openDatabase, type Database, type DriverName } from '~/utils/db.server';

export interface BenchDatabase {
  database: Database;
  /** The PostgreSQL URL of the database (postgres only). */
  url?: string;
  /** Closes and, on PostgreSQL, drops the database. */
  destroy(): Promise<void>;
}

export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function createBenchDatabase(driver: DriverName, baseUrl?: string): Promise<BenchDatabase> {
  if (driver === 'pglite') {
    const database = await openDatabase({ driver: 'pglite' });
    await database.migrate();
    await syncReferenceData(database.db);
    return { database, destroy: () => database.close() };
  }
  if (!baseUrl) throw new Error('--driver postgres needs BENCH_DATABASE_URL or TEST_DATABASE_URL');
  const name = `dibiao_bench_${crypto.randomBytes(4).toString('hex')}`;
  const admin = await openDatabase({ driver: 'postgres', url: baseUrl, maxConnections: 1 });
  await admin.db.execute(
    sql.raw(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'`),
  );
  await admin.close();
  const url = withDatabaseName(baseUrl, name);
  const database = await openDatabase({ driver: 'postgres', url, maxConnections: 2 });
  await database.migrate();
  await syncReferenceData(database.db);
  return {
    database,
    url,
    destroy: async () => {
      await database.close();
      const cleanup = await openDatabase({ driver: 'postgres', url: baseUrl, maxConnections: 1 });
      await cleanup.db.execute(sql.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      await cleanup.close();
    },
  };
}

/**
 * Drops and creates the PostgreSQL database `name` (UTF-8, C.UTF-8 ctype, from template0) on the
 * server of `baseUrl`, migrated and with reference data; returns its URL. For a named, kept
 * benchmark database (bench:server's `bench_server`).
 */
export async function recreateNamedDatabase(baseUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  const admin = await openDatabase({ driver: 'postgres', url: baseUrl, maxConnections: 1 });
  try {
    await admin.db.execute(sql.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    await admin.db.execute(
      sql.raw(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'`),
    );
  } finally {
    await admin.close();
  }
  const url = withDatabaseName(baseUrl, name);
  const database = await openDatabase({ driver: 'postgres', url, maxConnections: 1 });
  try {
    await database.migrate();
    await syncReferenceData(database.db);
  } finally {
    await database.close();
  }
  return url;
}

/** The comment on database `name`, or null when there is no such database or no comment. */
export async function readDatabaseComment(baseUrl: string, name: string): Promise<string | null> {
  const admin = await openDatabase({ driver: 'postgres', url: baseUrl, maxConnections: 1 });
  try {
    const rows = (await admin.db.execute(
      sql`SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = ${name}`,
    )) as unknown as { comment: string | null }[];
    return rows[0]?.comment ?? null;
  } finally {
    await admin.close();
  }
}

export async function writeDatabaseComment(url: string, name: string, comment: string): Promise<void> {
  const database = await openDatabase({ driver: 'postgres', url, maxConnections: 1 });
  try {
    await database.db.execute(sql.raw(`COMMENT ON DATABASE ${name} IS '${comment.replaceAll("'", "''")}'`));
  } finally {
    await database.close();
  }
}
