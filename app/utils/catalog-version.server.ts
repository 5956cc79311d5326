/**
 * Notices catalog changes through the outbox: every catalog change queues a `search.sync` job in
 * the transaction that made it, and report changes a `page-cache.purge` job, so the newest such
 * job id moves whenever the catalog does. Each server process polls it (one indexed row every
 * `pollMs`) and calls `onChange` when it moved; when the poll fails, `onChange` is called too
 * (nobody can tell what changed) and `onError` gets the error. Two catalog transactions
 * committing out of id order can hide the later commit from the poll: callers bound that case
 * with a TTL of their own.
 *
 * The page cache empties itself with one; without the page cache, server.js starts one for the
 * zone's shared counts (app/utils/memo.server.ts), so they never outlive a change by more than a poll.
 */
import { sql } from 'drizzle-orm';
import { SEARCH_SYNC_JOB } from '~/models/search-sync.server';
import { queryRows, type Db } from './db.server';
import { PAGE_CACHE_PURGE_JOB } from './page-cache-purge.server';

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
    const [row] = await queryRows<{ id: string | number | null }>(
      db,
      sql`SELECT id FROM jobs WHERE kind IN (${SEARCH_SYNC_JOB}, ${PAGE_CACHE_PURGE_JOB}) ORDER BY id DESC LIMIT 1`,
    );
    const next = row?.id == null ? null : String(row.id);
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
