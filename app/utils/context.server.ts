/**
 * The application context: every outside part, chosen once at start-up from the validated
 * environment, handed to loaders and actions as `context.app`.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { seedDemoDataIfEmpty } from '~/models/demo-seed.server';
import { syncReferenceData } from '~/models/reference-data.server';
import { openDatabase, type Database, type Db } from './db.server';
import type { Env } from './env.server';
import { createMemo, type Memo } from './memo.server';
import { createLogger, type Logger } from './log.server';
import { createStripePaymentsFromEnv, type StripePayments } from './payments/stripe.server';
import { createMeilisearchFromEnv, createSearch, prepareMeilisearch } from './search/index.server';
import type { MeilisearchSearch } from './search/meilisearch.server';
import type { SearchAdapter } from './search/types';

/** How long past CATALOG_CACHE_SECONDS the zone's shared counts are still shown while they reload. */
const CATALOG_CACHE_STALE_MS = 30_000;

export interface AppContext {
  env: Env;
  database: Database;
  db: Db;
  logger: Logger;
  /** The storefront's search: Postgres, or Meilisearch falling back to Postgres. */
  search: SearchAdapter;
  /** The Meilisearch adapter itself when MEILI_URL is set (the sync job writes to it). */
  meilisearch: MeilisearchSearch | null;
  /** Stripe Checkout when STRIPE_SECRET_KEY is set; null means offline payment only. */
  payments: StripePayments | null;
  /** The clock every rule reads, so tests can move time. */
  now: () => Date;
  sessionSecret: string;
  version: string;
  /** Zone aggregates every visitor shares, reused for seconds and emptied on catalog changes (memo.server.ts). */
  catalogCache: Memo;
}

declare module '@remix-run/node' {
  interface AppLoadContext {
    app: AppContext;
    /** The CSP nonce of this response (set by server.js). */
    cspNonce?: string;
  }
}

export const APP_VERSION = process.env.npm_package_version ?? '0.1.0';

/** With DATABASE_URL the secret is required (env validation); the embedded default keeps one in its data folder. */
export function resolveSessionSecret(env: Env): string {
  if (env.SESSION_SECRET) return env.SESSION_SECRET;
  const file = path.join(env.DATA_DIR, 'session-secret');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  fs.mkdirSync(env.DATA_DIR, { recursive: true });
  const secret = crypto.randomBytes(32).toString('hex');
  fs.writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

export async function openDatabaseFromEnv(env: Env): Promise<Database> {
  if (env.DATABASE_URL) {
    const database = await openDatabase({ driver: 'postgres', url: env.DATABASE_URL });
    if (!(await database.ping())) {
      await database.close();
      throw new Error(`Cannot reach the database at DATABASE_URL (${new URL(env.DATABASE_URL).host})`);
    }
    return database;
  }
  return openDatabase({ driver: 'pglite', dataDir: env.PGLITE_DIR });
}

export interface CreateContextOptions {
  env: Env;
  database?: Database;
  logger?: Logger;
  now?: () => Date;
}

/** Opens the database, applies migrations and reference data, and assembles the context. */
export async function createAppContext(options: CreateContextOptions): Promise<AppContext> {
  const { env } = options;
  const logger = options.logger ?? createLogger(env.LOG_LEVEL);
  const database = options.database ?? (await openDatabaseFromEnv(env));
  await database.migrate();
  await syncReferenceData(database.db);
  const now = options.now ?? (() => new Date());
  const meilisearch = createMeilisearchFromEnv(env);
  if (meilisearch && env.MEILI_URL) await prepareMeilisearch(meilisearch, env.MEILI_URL);
  if (env.SEED_ON_START && (await seedDemoDataIfEmpty(database.db, now()))) {
    logger.info('seeded demo data into the empty database');
  }
  return {
    env,
    database,
    db: database.db,
    logger,
    search: createSearch(env, database.db, { meilisearch, now, logger }),
    meilisearch,
    payments: createStripePaymentsFromEnv(env),
    now,
    sessionSecret: resolveSessionSecret(env),
    version: APP_VERSION,
    catalogCache: createMemo({ ttlMs: env.CATALOG_CACHE_SECONDS * 1000, staleMs: CATALOG_CACHE_STALE_MS }),
  };
}
