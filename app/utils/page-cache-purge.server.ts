/**
 * The page cache's second outbox signal, beside `search.sync`: a change that alters storefront
 * pages without touching a product's search document (a logistics report filed or moved, whose
 * delay notice shows on product and checkout pages) queues a `page-cache.purge` job in its own
 * transaction. The job does nothing when run; every instance's page cache sees it in the outbox.
 */
import { enqueueJob, type JobHandler } from './jobs.server';
import type { Db } from './db.server';

export const PAGE_CACHE_PURGE_JOB = 'page-cache.purge';

export async function enqueuePageCachePurge(db: Db, reason: string): Promise<void> {
  await enqueueJob(db, { kind: PAGE_CACHE_PURGE_JOB, payload: { reason: reason.slice(0, 100) }, maxAttempts: 1 });
}

/** Nothing to do when run: the signal was the row itself. */
export const pageCachePurgeJobHandler: JobHandler = async () => {};
