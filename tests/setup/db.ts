/**
 * Test databases. Integration tests run on PGlite always and on PostgreSQL too when
 * TEST_DATABASE_URL is set; each test file gets its own database, so files run in parallel.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { openDatabase, type Database, type DriverName } from '~/utils/db.server';
import { withDatabase } from './global-setup';
import { PGLITE_SNAPSHOT } from './paths';

export const testDrivers: DriverName[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabase extends Database {
  /** The PostgreSQL URL of this database (postgres driver only), for a second app instance. */
  url?: string;
  /** Closes and, on PostgreSQL, drops the database. */
  destroy(): Promise<void>;
}

export async function createTestDatabase(driver: DriverName, options: { maxConnections?: number } = {}): Promise<TestDatabase> {
  if (driver === 'pglite') {
    const snapshot = new Blob([fs.readFileSync(PGLITE_SNAPSHOT)]);
    const database = await openDatabase({ driver: 'pglite', loadDataDir: snapshot });
    return { ...database, destroy: () => database.close() };
  }
  const baseUrl = process.env.TEST_DATABASE_URL;
  if (!baseUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `dibiao_test_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = await openDatabase({ driver: 'postgres', url: baseUrl, maxConnections: 1 });
  await admin.db.execute(sql.raw(`CREATE DATABASE ${name} TEMPLATE ${inject('pgTemplate')}`));
  await admin.close();
  const url = withDatabase(baseUrl, name);
  const database = await openDatabase({ driver: 'postgres', url, maxConnections: options.maxConnections ?? 10 });
  return {
    ...database,
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
 * Runs a describe block once per driver with a fresh database for the block:
 * `describeEachDriver('checkout', (ctx) => { it('…', async () => { ctx.db … }) })`.
 */
export function describeEachDriver(name: string, body: (t: { readonly database: TestDatabase; readonly driver: DriverName }) => void) {
  for (const driver of testDrivers) {
    describe(`${name} [${driver}]`, () => {
      let database: TestDatabase | undefined;
      beforeAll(async () => {
        database = await createTestDatabase(driver);
      });
      afterAll(async () => {
        await database?.destroy();
      });
      body({
        get database() {
          if (!database) throw new Error('database not ready');
          return database;
        },
        driver,
      });
    });
  }
}
