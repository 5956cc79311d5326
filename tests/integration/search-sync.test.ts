/**
 * Meilisearch kept in step with the catalog through the outbox: changes are queued in the
 * changing transaction, delivered by the job runner (retried while Meilisearch is down), rebuilt
 * without downtime, checked for drift; queries fall back to Postgres while Meilisearch is away.
 */
import { eq, sql } from 'drizzle-orm';
import { Meilisearch } from 'meilisearch';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { cooperatives, geographicalIndications, jobs, productVariants, products, searchDocuments } from '~/db/schema';
import {
  deliverSearchSync,
  enqueueSearchSync,
  productIdsOfCooperative,
  productIdsOfGi,
  reindexSearch,
  SEARCH_SYNC_JOB,
  searchSyncJobHandler,
  verifySearchIndex,
} from '~/models/search-sync.server';
import { openDatabase, type Db } from '~/utils/db.server';
import { createJobRunner, PermanentJobError, type JobContext } from '~/utils/jobs.server';
import { createSearch, searchHealth } from '~/utils/search/index.server';
import { createMeilisearchSearch, type MeilisearchSearch } from '~/utils/search/meilisearch.server';
import type { SearchQuery } from '~/utils/search/types';
import { startMeilisearchDouble, type MeilisearchDouble } from '../doubles/meilisearch-double';
import { describeEachDriver } from '../setup/db';

const silent = pino({ level: 'silent' });
let sequence = 0;

/** Real time plus an offset the test moves, so jobs enqueued now are due and retries can be hurried. */
function movableClock() {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    advance: (ms: number) => {
      offset += ms;
    },
  };
}

async function createCooperative(db: Db, status: 'verified' | 'pending' = 'verified'): Promise<number> {
  sequence += 1;
  const [row] = await db
    .insert(cooperatives)
    .values({
      slug: `sync-coop-${sequence}`,
      legalName: `秭归县第${sequence}橙农专业合作社`,
      creditCode: `93420527MA${String(sequence).padStart(8, '0')}`,
      regionCode: '420527',
      verificationStatus: status,
    })
    .returning({ id: cooperatives.id });
  return row!.id;
}

async function createGi(db: Db): Promise<number> {
  sequence += 1;
  const [row] = await db
    .insert(geographicalIndications)
    .values({ slug: `sync-gi-${sequence}`, name: '秭归脐橙', kind: 'protected_product', categorySlug: 'fruit' })
    .returning({ id: geographicalIndications.id });
  return row!.id;
}

/** A catalog write as the catalog models make it: the change and its search sync in one transaction. */
async function createProduct(db: Db, cooperativeId: number, title: string, giId: number | null = null): Promise<number> {
  sequence += 1;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(products)
      .values({
        slug: `sync-product-${sequence}`,
        cooperativeId,
        giId,
        categorySlug: 'fruit',
        originRegionCode: '420527',
        title,
        status: 'published',
        publishedAt: new Date(),
      })
      .returning({ id: products.id });
    await tx.insert(productVariants).values({ productId: row!.id, spec: '5kg', priceFen: 3990, stock: 10 });
    await enqueueSearchSync(tx, [row!.id], 'product.created');
    return row!.id;
  });
}

async function retitle(db: Db, productId: number, title: string) {
  await db.transaction(async (tx) => {
    await tx.update(products).set({ title }).where(eq(products.id, productId));
    await enqueueSearchSync(tx, [productId], 'product.updated');
  });
}

function query(overrides: Partial<SearchQuery> = {}): SearchQuery {
  return { q: '', filters: {}, sort: 'relevance', page: 1, pageSize: 50, facets: false, ...overrides };
}

const jobContext = (db: Db): JobContext => ({ db, now: () => new Date(), logger: silent, jobId: 0, attempt: 1 });

describeEachDriver('search sync to Meilisearch', (t) => {
  let double: MeilisearchDouble;
  let indexCount = 0;
  const clock = movableClock();

  beforeAll(async () => {
    double = await startMeilisearchDouble();
  });
  afterAll(async () => {
    await double.close();
  });
  beforeEach(async () => {
    await t.database.db.delete(jobs);
  });

  /** An adapter on a fresh index and a runner delivering to it. */
  function setup(db: Db = t.database.db) {
    indexCount += 1;
    const meilisearch = createMeilisearchSearch({
      url: double.url,
      apiKey: double.masterKey!,
      indexUid: `sync_${t.driver}_${indexCount}`,
      requestTimeoutMs: 10_000, // generous: these tests are about correctness, not latency, and CI machines are busy
      taskTimeoutMs: 10_000,
    });
    const runner = (runnerDb: Db = db) =>
      createJobRunner({
        db: runnerDb,
        handlers: { [SEARCH_SYNC_JOB]: searchSyncJobHandler(meilisearch) },
        logger: silent,
        now: clock.now,
        backoff: () => 60_000,
      });
    const indexed = () => double.documents(meilisearch.indexUid) as { id: number; title: string }[];
    return { meilisearch, runner, indexed };
  }

  it('rewrites the Postgres search rows in the changing transaction and queues one sync job, or neither when it rolls back', async () => {
    const db = t.database.db;
    const cooperativeId = await createCooperative(db);
    const id = await createProduct(db, cooperativeId, '秭归脐橙');
    const [row] = await db.select().from(searchDocuments).where(eq(searchDocuments.productId, id));
    expect(row?.title).toBe('秭归脐橙');
    const queued = await db.select().from(jobs).where(eq(jobs.kind, SEARCH_SYNC_JOB));
    expect(queued.map((j) => j.payload)).toEqual([{ productIds: [id], reason: 'product.created' }]);

    await expect(
      db.transaction(async (tx) => {
        await tx.update(products).set({ title: '不该出现' }).where(eq(products.id, id));
        await enqueueSearchSync(tx, [id], 'product.updated');
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect((await db.select().from(searchDocuments).where(eq(searchDocuments.productId, id)))[0]?.title).toBe('秭归脐橙');
    expect(await db.select().from(jobs).where(eq(jobs.kind, SEARCH_SYNC_JOB))).toHaveLength(1);
  });

  it('delivers a change made while Meilisearch is down once it is back', async () => {
    const db = t.database.db;
    const { runner, indexed } = setup();
    const cooperativeId = await createCooperative(db);
    const id = await createProduct(db, cooperativeId, '湖北秭归脐橙');
    expect(await runner().runDue()).toBe(1);
    expect(indexed().map((d) => d.title)).toEqual(['湖北秭归脐橙']);

    await double.setDown(true);
    try {
      await retitle(db, id, '秭归伦晚脐橙');
      expect(await runner().runDue()).toBe(1);
      const [failed] = await db.select().from(jobs).where(sql`${jobs.kind} = ${SEARCH_SYNC_JOB} AND ${jobs.status} = 'pending'`);
      expect(failed).toMatchObject({ attempts: 1 });
      expect(failed?.lastError).toMatch(/MeilisearchRequestError|fetch failed|ECONNREFUSED/);
      clock.advance(61_000);
      expect(await runner().runDue()).toBe(1);
      expect(indexed().map((d) => d.title)).toEqual(['湖北秭归脐橙']);
    } finally {
      await double.setDown(false);
    }

    clock.advance(61_000);
    expect(await runner().runDue()).toBe(1);
    expect(indexed().map((d) => d.title)).toEqual(['秭归伦晚脐橙']);
    const settled = await db.select().from(jobs).where(eq(jobs.kind, SEARCH_SYNC_JOB));
    expect(settled.every((j) => j.status === 'done')).toBe(true);
  });

  it('retries a delivery whose Meilisearch task failed', async () => {
    const db = t.database.db;
    const { runner, meilisearch, indexed } = setup();
    await meilisearch.ensureIndex();
    const id = await createProduct(db, await createCooperative(db), '赣南脐橙');
    double.failNextTask('internal');
    await runner().runDue();
    const [job] = await db.select().from(jobs).where(eq(jobs.kind, SEARCH_SYNC_JOB));
    expect(job).toMatchObject({ status: 'pending', attempts: 1 });
    expect(job?.lastError).toMatch(/MeilisearchTaskError.*failed: internal/);
    clock.advance(61_000);
    await runner().runDue();
    expect(indexed().map((d) => d.id)).toEqual([id]);
  });

  it('delivers each change exactly once when two runners on separate connections run at the same time', async () => {
    const db = t.database.db;
    const { runner, meilisearch, indexed } = setup();
    await meilisearch.ensureIndex();
    const cooperativeId = await createCooperative(db);
    const ids: number[] = [];
    for (let i = 0; i < 12; i += 1) ids.push(await createProduct(db, cooperativeId, `秭归脐橙${i}号`));
    const other = t.database.url ? await openDatabase({ driver: 'postgres', url: t.database.url, maxConnections: 4 }) : undefined;
    const from = double.requests.length;
    try {
      const first = runner();
      const second = runner(other?.db ?? db);
      let ran = 0;
      for (;;) {
        const [a, b] = await Promise.all([first.runDue(), second.runDue()]);
        ran += a + b;
        if (a + b === 0) break;
      }
      expect(ran).toBe(12);
    } finally {
      await other?.close();
    }
    const settled = await db.select().from(jobs).where(eq(jobs.kind, SEARCH_SYNC_JOB));
    expect(settled.map((j) => [j.status, j.attempts])).toEqual(ids.map(() => ['done', 1]));
    const deliveries = double.requests
      .slice(from)
      .filter((r) => r.method === 'POST' && r.path === `/indexes/${meilisearch.indexUid}/documents`)
      .flatMap((r) => (r.body as { id: number }[]).map((d) => d.id));
    expect(deliveries.sort((a, b) => a - b)).toEqual(ids);
    expect(indexed().map((d) => d.id).sort((a, b) => a - b)).toEqual(ids);
  });

  it('removes the document of a product that is no longer listed, and of one whose cooperative lost its verification', async () => {
    const db = t.database.db;
    const { runner, indexed } = setup();
    const cooperativeId = await createCooperative(db);
    const archived = await createProduct(db, cooperativeId, '秭归夏橙');
    const kept = await createProduct(db, cooperativeId, '秭归脐橙');
    const elsewhere = await createProduct(db, await createCooperative(db), '赣南脐橙');
    await runner().runDue();
    expect(indexed().map((d) => d.id).sort((a, b) => a - b)).toEqual([archived, kept, elsewhere]);

    await db.transaction(async (tx) => {
      await tx.update(products).set({ status: 'archived' }).where(eq(products.id, archived));
      await enqueueSearchSync(tx, [archived], 'product.archived');
    });
    await db.transaction(async (tx) => {
      const [other] = await tx.select({ cooperativeId: products.cooperativeId }).from(products).where(eq(products.id, elsewhere));
      await tx.update(cooperatives).set({ verificationStatus: 'suspended' }).where(eq(cooperatives.id, other!.cooperativeId));
      await enqueueSearchSync(tx, await productIdsOfCooperative(tx, other!.cooperativeId), 'cooperative.suspended');
    });
    await runner().runDue();
    expect(indexed().map((d) => d.id)).toEqual([kept]);
  });

  it('writes the current state whenever a delivery comes: late, repeated or out of order', async () => {
    const db = t.database.db;
    const { meilisearch, indexed } = setup();
    const id = await createProduct(db, await createCooperative(db), '秭归脐橙');
    await retitle(db, id, '秭归脐橙（新果）');
    const [older, newer] = await db.select().from(jobs).where(eq(jobs.kind, SEARCH_SYNC_JOB)).orderBy(jobs.id);
    const handler = searchSyncJobHandler(meilisearch);
    await handler(newer!.payload, jobContext(db));
    await handler(older!.payload, jobContext(db));
    await handler(older!.payload, jobContext(db));
    expect(indexed()).toEqual([expect.objectContaining({ id, title: '秭归脐橙（新果）' })]);
  });

  it('finds the products a cooperative or GI change touches', async () => {
    const db = t.database.db;
    const giId = await createGi(db);
    const first = await createCooperative(db);
    const second = await createCooperative(db);
    const a = await createProduct(db, first, '秭归脐橙', giId);
    const b = await createProduct(db, first, '秭归夏橙');
    const c = await createProduct(db, second, '秭归脐橙', giId);
    expect((await productIdsOfCooperative(db, first)).sort((x, y) => x - y)).toEqual([a, b]);
    expect((await productIdsOfGi(db, giId)).sort((x, y) => x - y)).toEqual([a, c]);
    expect(await productIdsOfGi(db, giId, second)).toEqual([c]);
  });

  it('does nothing without Meilisearch configured, and refuses a malformed payload for good', async () => {
    const db = t.database.db;
    await expect(searchSyncJobHandler(null)({ productIds: [1], reason: 'x' }, jobContext(db))).resolves.toBeUndefined();
    await expect(searchSyncJobHandler(null)({ productIds: 'all' }, jobContext(db))).rejects.toBeInstanceOf(PermanentJobError);
    const { meilisearch } = setup();
    await expect(searchSyncJobHandler(meilisearch)({ productIds: [] }, jobContext(db))).rejects.toBeInstanceOf(PermanentJobError);
  });

  it('rebuilds the index with no moment when searches fail, and re-delivers changes that raced with the rebuild', async () => {
    const db = t.database.db;
    const { meilisearch, indexed } = setup();
    const cooperativeId = await createCooperative(db);
    const raced = await createProduct(db, cooperativeId, '秭归脐橙');
    await reindexSearch(db, meilisearch);
    const listed = indexed().length;
    expect(listed).toBeGreaterThan(0);

    let searching = true;
    const totals: number[] = [];
    const failures: unknown[] = [];
    const searches = (async () => {
      while (searching) {
        try {
          totals.push((await meilisearch.search(query())).total);
        } catch (error) {
          failures.push(error);
        }
      }
    })();
    // A change delivered while the new index is being filled lands in the old one.
    const racing: MeilisearchSearch = {
      ...meilisearch,
      rebuild: async (documents) => {
        await retitle(db, raced, '秭归脐橙（改）');
        await deliverSearchSync(db, meilisearch, [raced]);
        await db.update(jobs).set({ status: 'done', finishedAt: new Date() }).where(eq(jobs.kind, SEARCH_SYNC_JOB));
        return meilisearch.rebuild(documents);
      },
    };
    const report = await reindexSearch(db, racing);
    searching = false;
    await searches;

    expect(failures).toEqual([]);
    expect(totals.length).toBeGreaterThan(3);
    expect(new Set(totals)).toEqual(new Set([listed]));
    expect(report).toMatchObject({ indexUid: meilisearch.indexUid, documents: listed, caughtUp: 1 });
    expect(double.indexUids().filter((uid) => uid.startsWith(meilisearch.indexUid))).toEqual([meilisearch.indexUid]);
    expect(indexed().find((d) => d.id === raced)?.title).toBe('秭归脐橙（改）');
    expect((await verifySearchIndex(db, meilisearch)).ok).toBe(true);
  });

  it('verify finds planted drift: a missing, an extra and a stale document, and changed settings', async () => {
    const db = t.database.db;
    const { meilisearch } = setup();
    const cooperativeId = await createCooperative(db);
    const missing = await createProduct(db, cooperativeId, '秭归脐橙');
    const stale = await createProduct(db, cooperativeId, '秭归夏橙');
    await reindexSearch(db, meilisearch);
    const clean = await verifySearchIndex(db, meilisearch);
    expect(clean).toMatchObject({ ok: true, missing: [], extra: [], stale: [], settings: [] });
    expect(clean.indexed).toBe(clean.expected);

    const client = new Meilisearch({ host: double.url, apiKey: double.masterKey! });
    const index = client.index(meilisearch.indexUid);
    const [staleDocument] = (await index.getDocuments({ ids: [stale] })).results;
    await index.deleteDocuments([missing]).waitTask();
    await index.addDocuments([{ ...staleDocument, id: 999_999 }, { ...staleDocument, title: '过期的标题' }]).waitTask();
    await index.updateSettings({ filterableAttributes: ['provinceCode'] }).waitTask();

    const drift = await verifySearchIndex(db, meilisearch);
    expect(drift).toMatchObject({ ok: false, missing: [missing], extra: [999_999], stale: [stale], settings: ['filterableAttributes'] });

    const never = setup().meilisearch;
    const absent = await verifySearchIndex(db, never);
    expect(absent).toMatchObject({ ok: false, indexMissing: true, indexed: 0, extra: [], stale: [] });
    expect(absent.missing).toHaveLength(absent.expected);
  });

  it('answers from Postgres, marked degraded, while Meilisearch is down or slow, and goes back once it recovers', async () => {
    const db = t.database.db;
    const { meilisearch, runner } = setup();
    await createProduct(db, await createCooperative(db), '恩施玉露');
    await runner().runDue();
    const search = createSearch({ MEILI_URL: double.url, MEILI_MASTER_KEY: double.masterKey! }, db, {
      meilisearch,
      timeoutMs: 300,
      coolDownMs: 5_000,
      now: clock.now,
    });
    const healthy = await search.search(query({ q: '玉露' }));
    expect(healthy).toMatchObject({ adapter: 'meilisearch', degraded: false });
    expect(await searchHealth(search)).toMatchObject({ adapter: 'meilisearch', state: 'ok', fallback: 'postgres' });

    await double.setDown(true);
    try {
      const fallen = await search.search(query({ q: '玉露' }));
      expect(fallen).toMatchObject({ adapter: 'postgres', degraded: true });
      expect(fallen.hits.map((h) => h.productId)).toEqual(healthy.hits.map((h) => h.productId));
      expect((await search.suggest('玉露', 5)).map((s) => s.title)).toEqual(['恩施玉露']);
      const health = await searchHealth(search);
      expect(health).toMatchObject({ adapter: 'meilisearch', state: 'degraded', fallback: 'postgres' });
      expect(health.since).toEqual(expect.any(String));
      expect(health.lastError).toMatch(/Meilisearch/);
    } finally {
      await double.setDown(false);
    }

    // Within the cool-down the primary is left alone, even though it is back.
    const before = double.requests.length;
    expect(await search.search(query({ q: '玉露' }))).toMatchObject({ adapter: 'postgres', degraded: true });
    expect(double.requests.slice(before).filter((r) => r.path.endsWith('/search'))).toEqual([]);
    clock.advance(6_000);
    expect(await search.search(query({ q: '玉露' }))).toMatchObject({ adapter: 'meilisearch', degraded: false });
    expect((await searchHealth(search)).state).toBe('ok');

    double.setLatency(1_500);
    try {
      const started = Date.now();
      expect(await search.search(query({ q: '玉露' }))).toMatchObject({ adapter: 'postgres', degraded: true });
      expect(Date.now() - started).toBeLessThan(1_200);
    } finally {
      double.setLatency(0);
    }
  });

  it('uses Postgres alone when MEILI_URL is unset', async () => {
    const search = createSearch({ MEILI_URL: undefined, MEILI_MASTER_KEY: undefined }, t.database.db);
    expect(search.name).toBe('postgres');
    expect(await searchHealth(search)).toEqual({ adapter: 'postgres', state: 'ok' });
    expect(await search.search(query())).toMatchObject({ adapter: 'postgres', degraded: false });
  });
});
