/**
 * Checkout benchmark: `npm run bench:checkout -- [--buyers 1000] [--units 250] [--pool 20] [--concurrency 20]`.
 *
 * On a throwaway PostgreSQL database (BENCH_DATABASE_URL or TEST_DATABASE_URL; created from
 * template0 with a UTF-8 ctype and dropped afterwards), seeds the demo catalog, gives every buyer a
 * guest cart with one unit of the same product, limits that product's stock to --units, and lets
 * the buyers race through the checkout model (placeOrder, the code the /checkout action runs):
 * --concurrency checkouts in flight at once over a pool of --pool connections.
 *
 * Prints orders per second while stock lasts, checkouts per second (refusals included), latency
 * percentiles under contention, and the oversold count, which must be 0 (the process exits 1
 * otherwise). A second phase repeats the run with stock for every buyer (still one product, so
 * every checkout still queues for the same row), for the throughput without refusals.
 * A CI smoke size: --buyers 40 --units 10 --pool 10 --concurrency 10.
 */
import { parseArgs } from 'node:util';
import { eq, sql } from 'drizzle-orm';
import { productVariants } from '~/db/schema';
import { placeOrder, type PlaceOrderResult } from '~/models/checkout.server';
import { seedDemoData } from '~/models/demo-seed.server';
import { openDatabase, queryRows, type Database } from '~/utils/db.server';
import { createBenchDatabase } from './lib/database';
import { formatMs, renderTable, summarize } from './lib/stats';

const { values: args } = parseArgs({
  options: {
    buyers: { type: 'string', default: '1000' },
    units: { type: 'string', default: '250' },
    pool: { type: 'string', default: '20' },
    concurrency: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});

const buyers = Number.parseInt(args.buyers, 10);
const units = Number.parseInt(args.units, 10);
const pool = Number.parseInt(args.pool, 10);
const concurrency = Number.parseInt(args.concurrency ?? args.pool, 10);
for (const [name, value] of Object.entries({ buyers, units, pool, concurrency })) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
}
const baseUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
if (!baseUrl) throw new Error('set BENCH_DATABASE_URL or TEST_DATABASE_URL to a PostgreSQL server');

const PRODUCT_SLUG = 'zigui-qicheng-5kg-gift-box';
const SECRET = 'bench-secret-bench-secret-bench-secret-00';
const ADDRESS = { recipient: '压测买家', mobile: '13800138000', regionCode: '420527', detail: '茅坪镇滨湖大道 1 号' };

interface RunResult {
  placed: number;
  refused: number;
  errors: number;
  wallMs: number;
  /** From the start until the last order went through (the stock ran out). */
  sellingMs: number;
  latencies: number[];
  placedLatencies: number[];
  stockLeft: number;
  unitsOrdered: number;
  negativeStock: number;
}

async function targetVariant(database: Database): Promise<number> {
  const [row] = await queryRows<{ id: number }>(
    database.db,
    sql`SELECT v.id FROM product_variants v JOIN products p ON p.id = v.product_id WHERE p.slug = ${PRODUCT_SLUG} ORDER BY v.position, v.id LIMIT 1`,
  );
  if (!row) throw new Error(`the demo product ${PRODUCT_SLUG} is missing`);
  return row.id;
}

/** One guest cart per buyer, each holding one unit of the variant, written in bulk. */
async function guestCarts(database: Database, variantId: number, count: number): Promise<string[]> {
  const rows = await queryRows<{ cart_id: string }>(
    database.db,
    sql`WITH new_carts AS (INSERT INTO carts (created_at, updated_at) SELECT now(), now() FROM generate_series(1, ${count}) RETURNING id)
        INSERT INTO cart_items (cart_id, variant_id, quantity) SELECT id, ${variantId}, 1 FROM new_carts RETURNING cart_id`,
  );
  return rows.map((r) => r.cart_id);
}

async function race(database: Database, variantId: number, stock: number, count: number): Promise<RunResult> {
  await database.db.update(productVariants).set({ stock }).where(eq(productVariants.id, variantId));
  const carts = await guestCarts(database, variantId, count);
  const [before] = await queryRows<{ n: number }>(database.db, sql`SELECT coalesce(sum(quantity), 0)::int AS n FROM order_items WHERE variant_id = ${variantId}`);
  const now = new Date();
  const latencies: number[] = [];
  const placedLatencies: number[] = [];
  let placed = 0;
  let refused = 0;
  let errors = 0;
  let next = 0;
  let lastPlacedAt = 0;
  const worker = async () => {
    while (next < carts.length) {
      const cartId = carts[next++]!;
      const start = performance.now();
      let result: PlaceOrderResult | null = null;
      try {
        result = await placeOrder(database.db, {
          owner: { userId: null, guestCartId: cartId },
          idempotencyKey: crypto.randomUUID(),
          address: ADDRESS,
          paymentMethod: 'bank_transfer',
          now,
          secret: SECRET,
          bankTransferExpiryHours: 48,
          stripeCheckoutExpiryMinutes: 60,
        });
      } catch (error) {
        errors += 1;
        console.error(error);
      }
      const ms = performance.now() - start;
      latencies.push(ms);
      if (result?.ok) {
        placed += 1;
        placedLatencies.push(ms);
        lastPlacedAt = performance.now();
      } else if (result) {
        refused += 1;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wallMs = performance.now() - started;
  const sellingMs = (lastPlacedAt || performance.now()) - started;
  const [after] = await queryRows<{ n: number }>(database.db, sql`SELECT coalesce(sum(quantity), 0)::int AS n FROM order_items WHERE variant_id = ${variantId}`);
  const [variant] = await queryRows<{ stock: number }>(database.db, sql`SELECT stock FROM product_variants WHERE id = ${variantId}`);
  const [negative] = await queryRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM product_variants WHERE stock < 0`);
  return {
    placed,
    refused,
    errors,
    wallMs,
    sellingMs,
    latencies,
    placedLatencies,
    stockLeft: Number(variant!.stock),
    unitsOrdered: Number(after!.n) - Number(before!.n),
    negativeStock: Number(negative!.n),
  };
}

function report(title: string, stock: number, r: RunResult): number {
  const all = summarize(r.latencies);
  const ok = summarize(r.placedLatencies);
  const oversold = Math.max(0, r.unitsOrdered - stock) + r.negativeStock;
  console.log(`\n${title}`);
  console.log(
    renderTable(
      ['measure', 'value'],
      [
        ['buyers', String(r.latencies.length)],
        ['units in stock', String(stock)],
        ['orders placed', String(r.placed)],
        ['refused (sold out)', String(r.refused)],
        ['errors', String(r.errors)],
        ['units ordered', String(r.unitsOrdered)],
        ['stock left', String(r.stockLeft)],
        ['oversold', String(oversold)],
        ['wall time s', (r.wallMs / 1000).toFixed(2)],
        ['selling time s (until sold out)', (r.sellingMs / 1000).toFixed(2)],
        ['orders per second (while selling)', (r.placed / (r.sellingMs / 1000)).toFixed(1)],
        ['checkouts per second', (r.latencies.length / (r.wallMs / 1000)).toFixed(1)],
        ['latency p50 / p95 / p99 ms (all)', `${formatMs(all.p50)} / ${formatMs(all.p95)} / ${formatMs(all.p99)}`],
        ['latency p50 / p95 / p99 ms (placed)', `${formatMs(ok.p50)} / ${formatMs(ok.p95)} / ${formatMs(ok.p99)}`],
      ],
    ),
  );
  const expectedOrders = Math.min(stock, r.latencies.length);
  const consistent = oversold === 0 && r.errors === 0 && r.placed === expectedOrders && r.unitsOrdered === expectedOrders && r.stockLeft === stock - expectedOrders;
  if (!consistent) console.log(`FAILED: expected ${expectedOrders} orders and ${stock - expectedOrders} left in stock, nothing oversold`);
  return consistent ? 0 : 1;
}

async function main() {
  const bench = await createBenchDatabase('postgres', baseUrl);
  // The helper's own connection stays small; the race gets a pool of its own.
  const database = await openDatabase({ driver: 'postgres', url: bench.url!, maxConnections: pool });
  let failures = 0;
  try {
    await seedDemoData(database.db, new Date());
    const variantId = await targetVariant(database);
    const [server] = await queryRows<{ version: string }>(database.db, sql`SELECT current_setting('server_version') AS version`);
    console.log(`checkout benchmark: PostgreSQL ${server?.version}, pool ${pool}, ${concurrency} checkouts in flight, ${buyers} buyers`);
    // Warm-up (not reported): opens the pool's connections and warms caches and the JIT.
    await race(database, variantId, concurrency * 2, concurrency * 2);
    failures += report(`contention: ${buyers} buyers race for ${units} units`, units, await race(database, variantId, units, buyers));
    failures += report(`stock for every buyer: ${buyers} buyers of the same product`, buyers, await race(database, variantId, buyers, buyers));
  } finally {
    await database.close();
    if (args.keep) {
      console.log(`kept ${bench.url}`);
      await bench.database.close();
    } else {
      await bench.destroy();
    }
  }
  process.exitCode = failures === 0 ? 0 : 1;
}

await main();
