/**
 * Keeping Meilisearch in step with the catalog through the outbox.
 *
 * Every change to what a product's search document holds (the product, its variants, stock or
 * prices, its stalled stock, its GI or GI authorization, its cooperative's verification) calls
 * `enqueueSearchSync` in the same transaction: the Postgres search rows are rewritten at once, and
 * a `search.sync` job is queued for Meilisearch. The job carries product ids only; on delivery the
 * documents are rebuilt from the database as they are then, so a late, repeated or reordered
 * delivery writes the current state and is harmless. Delivery waits for Meilisearch's task to
 * succeed; anything else throws, and the job runner retries with backoff until Meilisearch is back.
 */
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { products } from '~/db/schema';
import { queryRows, type Db } from '~/utils/db.server';
import { enqueueJob, PermanentJobError, type JobHandler } from '~/utils/jobs.server';
import { MeilisearchApiError } from 'meilisearch';
import { toMeiliDocument, type MeiliProductDocument, type MeilisearchSearch } from '~/utils/search/meilisearch.server';
import { buildSearchDocuments, syncSearchDocuments } from './search-documents.server';

export const SEARCH_SYNC_JOB = 'search.sync';
const MAX_IDS_PER_JOB = 500;
/** With backoff doubling up to an hour, about a day of retries: a longer outage is for search:reindex. */
const MAX_ATTEMPTS = 30;
/**
 * One advisory lock serializes deliveries across instances: a delivery reads the database and
 * enqueues its Meilisearch tasks under the lock, and Meilisearch applies tasks in order, so a
 * delivery that read older data can never land after one that read newer data.
 */
const DELIVERY_LOCK = 7_311_001;

const payloadSchema = z.object({
  productIds: z.array(z.number().int().positive()).min(1).max(MAX_IDS_PER_JOB),
  reason: z.string().max(200).optional(),
});

export type SearchSyncPayload = z.infer<typeof payloadSchema>;

function uniqueIds(productIds: readonly number[]): number[] {
  return [...new Set(productIds.filter((id) => Number.isInteger(id) && id > 0))].sort((a, b) => a - b);
}

/**
 * Call inside the transaction that changed these products (pass the transaction as `db`):
 * rewrites their Postgres search rows and queues their Meilisearch sync. `reason` is for logs
 * (e.g. 'product.updated', 'stock.reserved', 'cooperative.verified'). Returns the job ids.
 */
export async function enqueueSearchSync(db: Db, productIds: readonly number[], reason: string): Promise<number[]> {
  const ids = uniqueIds(productIds);
  if (ids.length === 0) return [];
  const jobIds: number[] = [];
  for (let i = 0; i < ids.length; i += MAX_IDS_PER_JOB) {
    const payload: SearchSyncPayload = { productIds: ids.slice(i, i + MAX_IDS_PER_JOB), reason: reason.slice(0, 200) };
    jobIds.push(await enqueueJob(db, { kind: SEARCH_SYNC_JOB, payload, maxAttempts: MAX_ATTEMPTS }));
  }
  await syncSearchDocuments(db, ids);
  return jobIds;
}

/** Every product of a cooperative (its verification decides whether they are listed). */
export async function productIdsOfCooperative(db: Db, cooperativeId: number): Promise<number[]> {
  const rows = await db.select({ id: products.id }).from(products).where(eq(products.cooperativeId, cooperativeId));
  return rows.map((r) => r.id);
}

/** Every product that carries a GI, or only one cooperative's when its authorization changed. */
export async function productIdsOfGi(db: Db, giId: number, cooperativeId?: number): Promise<number[]> {
  const rows = await db
    .select({ id: products.id })
    .from(products)
    .where(cooperativeId === undefined ? eq(products.giId, giId) : sql`${products.giId} = ${giId} AND ${products.cooperativeId} = ${cooperativeId}`);
  return rows.map((r) => r.id);
}

export interface DeliveryResult {
  upserted: number;
  removed: number;
}

/** Writes the current documents of these products to Meilisearch (deleting unlisted ones) and waits for it. */
export async function deliverSearchSync(db: Db, meilisearch: MeilisearchSearch, productIds: readonly number[]): Promise<DeliveryResult> {
  const ids = uniqueIds(productIds);
  if (ids.length === 0) return { upserted: 0, removed: 0 };
  // Set up before taking the lock, which is held only for a read and an enqueue.
  await meilisearch.ensureIndex();
  const { tasks, upserted, removed } = await db.transaction(async (tx) => {
    // A delivery that cannot get the lock soon gives its connection back and is retried later.
    await tx.execute(sql`SET LOCAL lock_timeout = '5s'`);
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${DELIVERY_LOCK}::bigint)`);
    const documents = await buildSearchDocuments(tx, ids);
    const listed = new Set(documents.map((d) => d.id));
    const removals = ids.filter((id) => !listed.has(id));
    return { tasks: await meilisearch.enqueueChanges(documents, removals), upserted: documents.length, removed: removals.length };
  });
  await meilisearch.waitForTasks(tasks);
  return { upserted, removed };
}

/** The `search.sync` job handler; without Meilisearch configured it only checks the payload. */
export function searchSyncJobHandler(meilisearch: MeilisearchSearch | null): JobHandler {
  return async (payload, ctx) => {
    const parsed = payloadSchema.safeParse(payload);
    if (!parsed.success) throw new PermanentJobError(`malformed ${SEARCH_SYNC_JOB} payload: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    if (!meilisearch) return;
    const result = await deliverSearchSync(ctx.db, meilisearch, parsed.data.productIds);
    ctx.logger.debug({ ...result, reason: parsed.data.reason }, 'search documents delivered to Meilisearch');
  };
}

export interface ReindexReport {
  indexUid: string;
  documents: number;
  /** Products re-delivered after the swap because their sync raced with the rebuild. */
  caughtUp: number;
  durationMs: number;
}

/**
 * Rebuilds the Meilisearch index from the database without downtime: a new index is filled and
 * swapped in atomically (see MeilisearchSearch.rebuild). Syncs delivered while it was being built
 * went to the old index, so their products are delivered again afterwards.
 */
export async function reindexSearch(db: Db, meilisearch: MeilisearchSearch, now: () => Date = () => new Date()): Promise<ReindexReport> {
  const started = now();
  const documents = await buildSearchDocuments(db);
  const { indexUid } = await meilisearch.rebuild(documents);
  const raced = await queryRows<{ id: number }>(
    db,
    sql`SELECT DISTINCT (jsonb_array_elements_text(payload->'productIds'))::int AS id
        FROM jobs
        WHERE kind = ${SEARCH_SYNC_JOB}
          AND (status = 'running' OR finished_at >= ${started.toISOString()}::timestamptz - interval '5 seconds')`,
  );
  const caughtUp = raced.map((r) => Number(r.id));
  if (caughtUp.length > 0) await deliverSearchSync(db, meilisearch, caughtUp);
  return { indexUid, documents: documents.length, caughtUp: caughtUp.length, durationMs: now().getTime() - started.getTime() };
}

export interface VerifyReport {
  indexUid: string;
  /** Listed products in the database. */
  expected: number;
  /** Documents in the index. */
  indexed: number;
  /** Listed products the index lacks. */
  missing: number[];
  /** Documents of products that are not listed (or do not exist). */
  extra: number[];
  /** Documents that differ from what the database says now. */
  stale: number[];
  /** Index settings that differ from the adapter's. */
  settings: string[];
  /** The index does not exist at all (never built, or deleted). */
  indexMissing: boolean;
  /** Sync jobs not yet delivered: drift on their products may only be in flight. */
  pendingJobs: number;
  ok: boolean;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Compares the index with the database: missing, extra and stale documents, and settings. */
export async function verifySearchIndex(db: Db, meilisearch: MeilisearchSearch): Promise<VerifyReport> {
  const expected = new Map((await buildSearchDocuments(db)).map((d) => [d.id, toMeiliDocument(d)] as const));
  let indexMissing = false;
  const indexed = await meilisearch.allDocuments().catch((error: unknown) => {
    if (!(error instanceof MeilisearchApiError && error.cause?.code === 'index_not_found')) throw error;
    indexMissing = true;
    return [];
  });
  const actual = new Map<number, MeiliProductDocument>(indexed.map((d) => [Number(d.id), d] as const));
  const missing: number[] = [];
  const stale: number[] = [];
  for (const [id, document] of expected) {
    const found = actual.get(id);
    if (!found) missing.push(id);
    else if (canonicalJson(found) !== canonicalJson(document)) stale.push(id);
  }
  const extra = [...actual.keys()].filter((id) => !expected.has(id)).sort((a, b) => a - b);
  const settings = indexMissing ? [] : await meilisearch.settingsDrift();
  const [pending] = await queryRows<{ n: number }>(
    db,
    sql`SELECT count(*)::int AS n FROM jobs WHERE kind = ${SEARCH_SYNC_JOB} AND status IN ('pending', 'running')`,
  );
  return {
    indexUid: meilisearch.indexUid,
    expected: expected.size,
    indexed: actual.size,
    missing,
    extra,
    stale,
    settings,
    indexMissing,
    pendingJobs: Number(pending?.n ?? 0),
    ok: !indexMissing && missing.length === 0 && extra.length === 0 && stale.length === 0 && settings.length === 0,
  };
}
