/**
 * Load with faults: two app instances (`node server.js`) on one PostgreSQL database take
 * concurrent checkouts for limited stock while every backend of the database is terminated
 * twice and Meilisearch stops answering. Buyers whose checkout failed submit the same form again
 * afterwards, as a buyer would. Then, in the database:
 *
 * - no lost order: every checkout that was answered with the order page has its order row, with
 *   its items, cooperative orders and payment; every order row belongs to a buyer who was sent to
 *   it; no buyer has two orders;
 * - no oversold unit: stock never below zero, and sold + remaining == the stock we started with
 *   (and the contested variant sold out, so no unit went missing with a failed transaction);
 * - no corrupted row: order totals are the items plus shipping, cooperative orders add up to the
 *   order, the payment is for the total.
 *
 * Both instances answered every request (an error page at worst, never a hang) and are healthy
 * at the end, their job runners still running. PostgreSQL only.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs, productVariants } from '~/db/schema';
import { seedDemoData } from '~/models/demo-seed.server';
import { SEARCH_SYNC_JOB } from '~/models/search-sync.server';
import { openDatabase, queryRows } from '~/utils/db.server';
import { enqueueJob } from '~/utils/jobs.server';
import { startMeilisearchDouble, type MeilisearchDouble } from '../doubles/meilisearch-double';
import { createTestDatabase, type TestDatabase } from '../setup/db';
import { prepareBuyer, send, submitCheckout, waitFor200, type Buyer, type Outcome } from './helpers/buyers';
import { startServer, type RunningServer } from './helpers/server';

const SECRET = 'faults-under-load-secret-faults-under-load';
const BUYERS = 60;
const CONCURRENCY = 12;
const ZIGUI = 'zigui-qicheng-5kg-gift-box'; // every buyer wants one
const GANNAN = 'gannan-qicheng-5kg'; // every third buyer wants one too (another cooperative, with shipping)
const STOCK = { [ZIGUI]: 30, [GANNAN]: 10 } as const;

interface Attempt {
  buyer: number;
  round: 'during faults' | 'again after';
  outcome: Outcome;
}

describe.skipIf(!process.env.TEST_DATABASE_URL)('two instances under load while the database and Meilisearch fail (PostgreSQL only: needs TEST_DATABASE_URL)', () => {
  let database: TestDatabase;
  let meili: MeilisearchDouble;
  const servers: RunningServer[] = [];
  const variant: Record<string, { id: number; productId: number }> = {};

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    await seedDemoData(database.db, new Date());
    for (const slug of [ZIGUI, GANNAN]) {
      const [row] = await queryRows<{ id: number; product_id: number }>(
        database.db,
        sql`SELECT v.id, v.product_id FROM product_variants v JOIN products p ON p.id = v.product_id WHERE p.slug = ${slug} ORDER BY v.position, v.id LIMIT 1`,
      );
      variant[slug] = { id: row!.id, productId: row!.product_id };
      await database.db.update(productVariants).set({ stock: STOCK[slug as keyof typeof STOCK] }).where(eq(productVariants.id, row!.id));
    }
    meili = await startMeilisearchDouble();
    const env = { DATABASE_URL: database.url!, SESSION_SECRET: SECRET, SEED_ON_START: 'false', MEILI_URL: meili.url, MEILI_MASTER_KEY: meili.masterKey! };
    servers.push(...(await Promise.all([startServer({ env }), startServer({ env })])));
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await meili?.close();
    await database?.destroy();
  });

  /** Runs `work` over the items, `limit` at a time. */
  async function pool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: limit }, async () => {
        while (next < items.length) {
          const index = next++;
          results[index] = await work(items[index]!);
        }
      }),
    );
    return results;
  }

  /** Terminates every backend of the database but the admin's own, once some app queries are running. */
  async function terminateBackends(): Promise<number> {
    const admin = await openDatabase({ driver: 'postgres', url: database.url!, maxConnections: 1 });
    try {
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        const [row] = await queryRows<{ n: number }>(
          admin.db,
          sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')`,
        );
        if (Number(row!.n) >= 3) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const killed = await queryRows<{ ok: boolean }>(
        admin.db,
        sql`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      return killed.filter((k) => k.ok).length;
    } finally {
      await admin.close();
    }
  }

  it(`sells ${STOCK[ZIGUI]} + ${STOCK[GANNAN]} units to ${BUYERS} buyers on both instances through two database kills and a Meilisearch outage, losing and corrupting nothing`, async () => {
    // Carts and checkout forms, each buyer on the instance it will submit to.
    const buyers: Buyer[] = await pool(
      Array.from({ length: BUYERS }, (_, i) => i),
      CONCURRENCY,
      (i) =>
        prepareBuyer(servers[i % 2]!.url, i, [
          { variantId: variant[ZIGUI]!.id, quantity: 1 },
          ...(i % 3 === 0 ? [{ variantId: variant[GANNAN]!.id, quantity: 1 }] : []),
        ]),
    );

    const attempts: Attempt[] = [];
    const reads: Outcome[] = [];
    let checkoutsDone = false;
    // Browsing meanwhile: search pages (Meilisearch goes down halfway) and product pages on both instances.
    const browsing = (async () => {
      for (let n = 0; !checkoutsDone; n += 1) {
        const base = servers[n % 2]!.url;
        const path = n % 2 === 0 ? `/search?q=${encodeURIComponent('脐橙')}&visit=${n}` : `/products/${ZIGUI}?visit=${n}`;
        reads.push(await send(`${base}${path}`, {}, 30_000));
      }
    })();
    // Faults: Meilisearch stops answering, and every database backend is terminated twice.
    let killed = 0;
    const faults = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await meili.setDown(true, 'refuse');
      killed += await terminateBackends();
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      killed += await terminateBackends();
    })();

    const order = Array.from({ length: BUYERS }, (_, i) => i);
    await pool(order, CONCURRENCY, async (i) => {
      attempts.push({ buyer: i, round: 'during faults', outcome: await submitCheckout(buyers[i]!, 30_000) });
    });
    await faults;
    checkoutsDone = true;
    await browsing;
    expect(killed).toBeGreaterThan(0);

    // Every request got an answer; failures are error pages, never hangs or dropped connections.
    const all = [...attempts.map((a) => a.outcome), ...reads];
    expect(all.filter((o) => o.timedOut || o.networkError)).toEqual([]);
    for (const a of attempts) expect([302, 409, 500]).toContain(a.outcome.status);
    for (const r of reads) expect([200, 500]).toContain(r.status);
    // Search kept answering while Meilisearch was down (the Postgres fallback).
    expect(reads.filter((r, n) => n % 2 === 0 && r.status === 200).length).toBeGreaterThan(0);
    expect(servers.every((s) => s.child.exitCode === null && s.child.signalCode === null)).toBe(true);

    // Both instances are back by themselves; buyers whose checkout failed send the same form again.
    for (const s of servers) await waitFor200(`${s.url}/healthz`, 15_000);
    const failed = attempts.filter((a) => a.outcome.status >= 500).map((a) => a.buyer);
    await pool(failed, CONCURRENCY, async (i) => {
      attempts.push({ buyer: i, round: 'again after', outcome: await submitCheckout(buyers[i]!, 30_000) });
    });
    const retried = attempts.filter((a) => a.round === 'again after');
    for (const a of retried) expect([302, 409]).toContain(a.outcome.status);
    const summary = {
      placed: attempts.filter((a) => a.outcome.status === 302).length,
      refused: attempts.filter((a) => a.outcome.status === 409).length,
      failedDuringFaults: failed.length,
      reads: reads.length,
      readErrors: reads.filter((r) => r.status !== 200).length,
      backendsTerminated: killed,
    };
    console.info(`faults under load: ${JSON.stringify(summary)}`);

    // --- no lost order
    const placedBy = new Map<number, string>();
    for (const a of attempts.filter((x) => x.outcome.status === 302)) {
      const id = /^\/orders\/([0-9a-f-]{36})\?t=[\w-]+&placed=1$/.exec(a.outcome.location ?? '')?.[1];
      expect(id).toBeDefined();
      expect(placedBy.has(a.buyer)).toBe(false);
      placedBy.set(a.buyer, id!);
    }
    const rows = await queryRows<{ id: string; recipient: string; status: string; goods_fen: number; shipping_fen: number; total_fen: number }>(
      database.db,
      sql`SELECT id, recipient, status, goods_fen, shipping_fen, total_fen FROM orders`,
    );
    const rowsById = new Map(rows.map((r) => [r.id, r]));
    for (const [buyer, id] of placedBy) expect(rowsById.get(id)?.recipient).toBe(`买家${buyer}`);
    // Every order row was answered to its buyer: none was committed behind an error page and left unclaimed.
    expect(rows.map((r) => r.id).sort()).toEqual([...placedBy.values()].sort());
    expect(new Set(rows.map((r) => r.recipient)).size).toBe(rows.length);

    // --- no corrupted row
    const facts = await queryRows<{ id: string; items: number; goods: number; coop_goods: number; coop_shipping: number; coops: number; payments: number; paid_amount: number }>(
      database.db,
      sql`SELECT o.id,
                 (SELECT count(*)::int FROM order_items i WHERE i.order_id = o.id) AS items,
                 (SELECT coalesce(sum(i.unit_price_fen * i.quantity), 0)::int FROM order_items i WHERE i.order_id = o.id) AS goods,
                 (SELECT coalesce(sum(c.goods_fen), 0)::int FROM cooperative_orders c WHERE c.order_id = o.id) AS coop_goods,
                 (SELECT coalesce(sum(c.shipping_fen), 0)::int FROM cooperative_orders c WHERE c.order_id = o.id) AS coop_shipping,
                 (SELECT count(*)::int FROM cooperative_orders c WHERE c.order_id = o.id) AS coops,
                 (SELECT count(*)::int FROM payments p WHERE p.order_id = o.id) AS payments,
                 (SELECT coalesce(sum(p.amount_fen), 0)::int FROM payments p WHERE p.order_id = o.id) AS paid_amount
          FROM orders o`,
    );
    for (const f of facts) {
      const order = rowsById.get(f.id)!;
      expect(f.items).toBeGreaterThan(0);
      expect(f.coops).toBeGreaterThan(0);
      expect(f.payments).toBe(1);
      expect(Number(f.goods)).toBe(order.goods_fen);
      expect(order.total_fen).toBe(order.goods_fen + order.shipping_fen);
      expect({ goods: Number(f.coop_goods), shipping: Number(f.coop_shipping) }).toEqual({ goods: order.goods_fen, shipping: order.shipping_fen });
      expect(Number(f.paid_amount)).toBe(order.total_fen);
    }

    // --- no oversold unit
    for (const slug of [ZIGUI, GANNAN]) {
      const [s] = await queryRows<{ stock: number; sold: number }>(
        database.db,
        sql`SELECT (SELECT stock FROM product_variants WHERE id = ${variant[slug]!.id}) AS stock,
                   (SELECT coalesce(sum(i.quantity), 0)::int FROM order_items i JOIN orders o ON o.id = i.order_id
                     WHERE i.variant_id = ${variant[slug]!.id} AND o.status <> 'cancelled') AS sold`,
      );
      expect(Number(s!.stock)).toBeGreaterThanOrEqual(0);
      expect(Number(s!.sold) + Number(s!.stock)).toBe(STOCK[slug as keyof typeof STOCK]);
    }
    // Demand was twice the stock and every failed checkout was sent again: nothing left unsold.
    const [zigui] = await database.db.select({ stock: productVariants.stock }).from(productVariants).where(eq(productVariants.id, variant[ZIGUI]!.id));
    expect(zigui!.stock).toBe(0);
    expect(await queryRows(database.db, sql`SELECT id FROM product_variants WHERE stock < 0`)).toEqual([]);

    // The job runners still run: a job enqueued now is done.
    const jobId = await enqueueJob(database.db, { kind: SEARCH_SYNC_JOB, payload: { productIds: [variant[ZIGUI]!.productId], reason: 'faults under load' } });
    await meili.setDown(false);
    await expect
      .poll(async () => (await database.db.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, jobId)))[0]!.status, { timeout: 20_000, interval: 250 })
      .toBe('done');
  });
});
