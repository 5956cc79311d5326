/**
 * The outbox poll behind the page cache and the zone's shared counts
 * (app/utils/catalog-version.server.ts): it reports a catalog change once, ignores other jobs, and
 * notices a job that committed after a newer one (a lower id appearing late).
 */
import { sql } from 'drizzle-orm';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { jobs } from '~/db/schema';
import { SEARCH_SYNC_JOB } from '~/models/search-sync.server';
import { watchCatalogVersion, type CatalogVersionWatcher } from '~/utils/catalog-version.server';
import { queryRows, type Db } from '~/utils/db.server';
import { enqueueJob } from '~/utils/jobs.server';
import { PAGE_CACHE_PURGE_JOB } from '~/utils/page-cache-purge.server';
import { describeEachDriver } from '../setup/db';

describeEachDriver('the catalog version watcher', (t) => {
  let db: Db;
  let watcher: CatalogVersionWatcher | undefined;
  let changes = 0;

  beforeAll(() => {
    db = t.database.db;
  });
  afterEach(() => watcher?.stop());

  /** A watcher whose timer never fires during the test: each look is an explicit check(). */
  async function start() {
    changes = 0;
    watcher = watchCatalogVersion({ db, pollMs: 3_600_000, onChange: () => (changes += 1) });
    await watcher.check();
    return watcher;
  }

  it('reports each catalog change once, and ignores jobs of other kinds', async () => {
    const w = await start();
    expect(await w.check()).toBe(false);
    await enqueueJob(db, { kind: SEARCH_SYNC_JOB, payload: { productIds: [1] } });
    expect(await w.check()).toBe(true);
    expect(await w.check()).toBe(false);
    await enqueueJob(db, { kind: 'mail.send', payload: {} });
    expect(await w.check()).toBe(false);
    await enqueueJob(db, { kind: PAGE_CACHE_PURGE_JOB, payload: { reason: 'report.filed' } });
    expect(await w.check()).toBe(true);
    expect(changes).toBe(2);
  });

  it('notices a job that appears below the newest id (a transaction that committed late)', async () => {
    const w = await start();
    const newest = await enqueueJob(db, { kind: SEARCH_SYNC_JOB, payload: {} });
    expect(await w.check()).toBe(true);
    // What a slower transaction that took its id first leaves behind when it commits.
    await db.insert(jobs).values({ id: newest - 1_000_000, kind: PAGE_CACHE_PURGE_JOB, payload: {} }).onConflictDoNothing();
    expect(await w.check()).toBe(false); // far below the window: only the TTL covers it
    await db.execute(sql`select setval(pg_get_serial_sequence('jobs', 'id'), ${newest + 10})`);
    const late = newest + 5;
    await enqueueJob(db, { kind: SEARCH_SYNC_JOB, payload: {} }); // id newest + 11
    expect(await w.check()).toBe(true);
    await db.insert(jobs).values({ id: late, kind: PAGE_CACHE_PURGE_JOB, payload: {} });
    expect(await w.check()).toBe(true);
    expect(await w.check()).toBe(false);
  });

  it.skipIf(t.driver !== 'postgres')('notices two concurrent transactions committing out of id order (PostgreSQL only: PGlite has one connection)', async () => {
    const w = await start();
    let releaseFirst!: () => void;
    const firstMayCommit = new Promise<void>((resolve) => (releaseFirst = resolve));
    let firstInserted!: () => void;
    const firstHasId = new Promise<void>((resolve) => (firstInserted = resolve));
    const first = db.transaction(async (tx) => {
      await enqueueJob(tx, { kind: PAGE_CACHE_PURGE_JOB, payload: { reason: 'first' } });
      firstInserted();
      await firstMayCommit;
    });
    await firstHasId;
    const secondId = await enqueueJob(db, { kind: SEARCH_SYNC_JOB, payload: {} });
    expect(await w.check()).toBe(true);
    releaseFirst();
    await first;
    const [row] = await queryRows<{ id: number }>(db, sql`select max(id)::int as id from jobs where payload->>'reason' = 'first'`);
    expect(row!.id).toBeLessThan(secondId);
    expect(await w.check()).toBe(true);
    expect(changes).toBe(2);
  });
});
