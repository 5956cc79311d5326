/**
 * `npm run search:verify`: compares the Meilisearch index with the database and reports drift
 * (missing, extra and stale documents, settings). Exits 1 on drift, so it can run from cron or CI.
 */
import { verifySearchIndex } from '~/models/search-sync.server';
import { openDatabaseFromEnv } from '~/utils/context.server';
import { parseEnv } from '~/utils/env.server';
import { createMeilisearchFromEnv } from '~/utils/search/index.server';

const SHOWN = 20;

function list(ids: number[]): string {
  return ids.length <= SHOWN ? ids.join(', ') : `${ids.slice(0, SHOWN).join(', ')} … (${ids.length - SHOWN} more)`;
}

async function main(): Promise<number> {
  const env = parseEnv();
  const meilisearch = createMeilisearchFromEnv(env, { requestTimeoutMs: 60_000 });
  if (!meilisearch) {
    console.error('MEILI_URL is not set: there is no Meilisearch index to verify.');
    return 2;
  }
  const database = await openDatabaseFromEnv(env);
  try {
    const report = await verifySearchIndex(database.db, meilisearch);
    if (report.indexMissing) console.log(`Index \`${report.indexUid}\` does not exist.`);
    else console.log(`Index \`${report.indexUid}\`: ${report.indexed} documents; the database lists ${report.expected} products.`);
    if (report.missing.length) console.log(`Missing (${report.missing.length}): ${list(report.missing)}`);
    if (report.extra.length) console.log(`Extra (${report.extra.length}): ${list(report.extra)}`);
    if (report.stale.length) console.log(`Stale (${report.stale.length}): ${list(report.stale)}`);
    if (report.settings.length) console.log(`Settings differ: ${report.settings.join(', ')}`);
    if (report.pendingJobs > 0) console.log(`${report.pendingJobs} search sync jobs are still queued; some drift may be in flight.`);
    console.log(report.ok ? 'No drift.' : 'Drift found: run `npm run search:reindex` to rebuild the index.');
    return report.ok ? 0 : 1;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`search:verify failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
