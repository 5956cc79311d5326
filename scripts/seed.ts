/**
 * `npm run db:seed`: migrates the database named by the environment, syncs reference data and,
 * when it holds no users and no products yet, loads the demo catalog and accounts.
 */
import { DEMO_ACCOUNTS, seedDemoDataIfEmpty } from '~/models/demo-seed.server';
import { syncReferenceData } from '~/models/reference-data.server';
import { openDatabaseFromEnv } from '~/utils/context.server';
import type { Database } from '~/utils/db.server';
import { EnvError, parseEnv } from '~/utils/env.server';

async function main(): Promise<number> {
  const env = parseEnv();
  const target = env.DATABASE_URL ? `PostgreSQL at ${new URL(env.DATABASE_URL).host}` : `embedded PGlite in ${env.PGLITE_DIR}`;
  console.log(`Seeding ${target}`);
  if (!env.DATABASE_URL) console.log('PGlite does not lock its data folder: make sure no server has it open while seeding.');

  let database: Database;
  try {
    database = await openDatabaseFromEnv(env);
  } catch (error) {
    console.error(`Could not open the database: ${error instanceof Error ? error.message : String(error)}`);
    if (!env.DATABASE_URL) {
      console.error(`Hint: an embedded PGlite data folder can be open in one process only. Stop the running server (npm start / npm run dev) and run npm run db:seed again.`);
    }
    return 1;
  }

  try {
    const startedAt = performance.now();
    await database.migrate();
    await syncReferenceData(database.db);
    const seeded = await seedDemoDataIfEmpty(database.db, new Date());
    const ms = Math.round(performance.now() - startedAt);
    if (!seeded) {
      console.log(`The database already holds users or products: demo data left out (${ms} ms).`);
      return 0;
    }
    console.log(`Demo data seeded in ${ms} ms. Demo accounts:`);
    console.table(DEMO_ACCOUNTS.map((a) => ({ role: a.role, email: a.email, mobile: a.mobile ?? '', password: a.password })));
    return 0;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof EnvError ? error.message : error);
    process.exit(1);
  },
);
