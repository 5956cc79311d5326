/** An AppContext on a test database, for calling models, loaders and actions directly. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { AppContext } from '~/utils/context.server';
import type { Database } from '~/utils/db.server';
import { parseEnv } from '~/utils/env.server';
import { createMemo } from '~/utils/memo.server';
import { createSearch } from '~/utils/search/index.server';

export function createTestApp(database: Database, overrides: Partial<Record<string, string>> = {}, now?: () => Date): AppContext {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dibiao-test-'));
  const env = parseEnv({ NODE_ENV: 'test', DATA_DIR: dataDir, SESSION_SECRET: 'test-secret-test-secret-test-secret-0000',
    // Failed logins answer at once unless a test asks for the delay.
    LOGIN_FAILURE_DELAY_MS: '0',
    // Loaders read the database every time unless a test asks for the zone's short-lived cache.
    CATALOG_CACHE_SECONDS: '0',
    ...overrides,
  });
  return {
    env,
    database,
    db: database.db,
    logger: pino({ level: 'silent' }),
    search: createSearch(env, database.db, { meilisearch: null, now }),
    meilisearch: null,
    payments: null,
    now: now ?? (() => new Date()),
    sessionSecret: env.SESSION_SECRET!,
    version: 'test',
    catalogCache: createMemo({ ttlMs: env.CATALOG_CACHE_SECONDS * 1000 }),
  };
}
