/**
 * `npm run search:reindex`: rebuilds the Meilisearch index from the database and swaps it in
 * with no downtime. Needs MEILI_URL (and MEILI_MASTER_KEY when the server has one).
 */
import { reindexSearch } from '~/models/search-sync.server';
import { openDatabaseFromEnv } from '~/utils/context.server';
import { parseEnv } from '~/utils/env.server';
import { createMeilisearchFromEnv } from '~/utils/search/index.server';

async function main(): Promise<number> {
  const env = parseEnv();
  const meilisearch = createMeilisearchFromEnv(env, { requestTimeoutMs: 60_000, taskTimeoutMs: 10 * 60_000 });
  if (!meilisearch) {
    console.error('MEILI_URL is not set: there is no Meilisearch to reindex (the Postgres search needs no reindex).');
    return 2;
  }
  const database = await openDatabaseFromEnv(env);
  try {
    const report = await reindexSearch(database.db, meilisearch);
    console.log(
      `Reindexed ${report.documents} products into \`${report.indexUid}\` in ${report.durationMs} ms` +
        (report.caughtUp > 0 ? `; re-delivered ${report.caughtUp} changed while it ran.` : '.'),
    );
    return 0;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`search:reindex failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
