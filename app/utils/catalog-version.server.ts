/**
 * Notices catalog changes through the outbox: every catalog change queues a `search.sync` job in
 * the transaction that made it, and report changes a `page-cache.purge` job. Each server process
 * polls (every `pollMs`) the newest such job id and how many such jobs the last
 * RECENT_WINDOW ids hold, and calls `onChange` when either moved: a transaction that took its id
 * before another one but committed after it raises the count though not the newest id. When the
 * poll fails, `onChange` is called too (nobody can tell what changed) and `onError` gets the
 * error. Pruning finished jobs may move the count without a change: one needless emptying.
 *
 * server.js runs one per process and empties the page cache and the zone's shared counts
 * (app/utils/memo.server.ts) from it.
 */
import { sql } from 'drizzle-orm';
import { SEARCH_SYNC_JOB } from '~/models/search-sync.server';
import { queryRows, type Db } from './db.server';
import { PAGE_CACHE_PURGE_JOB } from './page-cache-purge.server';

/** How far below the newest id a late commit is still noticed (concurrent transactions take ids close together). */
const RECENT_WINDOW = 1_000;

export interface CatalogVersionWatcher {
  /** Looks at the outbox now (the poll does this every pollMs); true when the catalog changed. */
  check(): Promise<boolean>;
  stop(): void;
}

export function watchCatalogVersion({
  db,
  pollMs = 1_000,
  onChange,
  onError,
}: {
  db: Db;
  pollMs?: number;
  onChange: () => void;
  onError?: (error: unknown) => void;
}): CatalogVersionWatcher {
  let version: string | null | undefined;

  async function check(): Promise<boolean> {
    const kinds = sql`kind IN (${SEARCH_SYNC_JOB}, ${PAGE_CACHE_PURGE_JOB})`;
    const [row] = await queryRows<{ id: string | number | null; recent: string | number }>(
      db,
      sql`WITH newest AS (SELECT max(id) AS id FROM jobs WHERE ${kinds})
          SELECT newest.id, (SELECT count(*) FROM jobs WHERE ${kinds} AND id > newest.id - ${RECENT_WINDOW}) AS recent FROM newest`,
    );
    const next = row?.id == null ? null : `${row.id}:${row.recent}`;
    const changed = version !== undefined && next !== version;
    version = next;
    if (changed) onChange();
    return changed;
  }

  let polling = false;
  const timer = setInterval(() => {
    if (polling) return;
    polling = true;
    check()
      .catch((error: unknown) => {
        onChange();
        onError?.(error);
      })
      .finally(() => {
        polling = false;
      });
  }, pollMs);
  timer.unref();
  void check().catch(() => {});

  return { check, stop: () => clearInterval(timer) };
}
