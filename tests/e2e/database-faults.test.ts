/**
 * The database connection drops mid-traffic and comes back, against the real server
 * (`node server.js`, production build) on PostgreSQL:
 *
 * 1. Backends terminated under in-flight checkouts (`pg_terminate_backend` from an admin
 *    connection, as a failover or an administrator does). To be sure transactions are in flight
 *    at that moment, the admin holds the variant's row lock first, so the checkouts wait inside
 *    their transactions; then it terminates every other backend of the database.
 * 2. The database unreachable for a while (a TCP proxy between app and PostgreSQL cuts every
 *    connection and refuses new ones), then reachable again.
 *
 * Meanwhile requests fail cleanly (an error page or 503, never a hang, never a crashed process);
 * afterwards the same process answers again by itself, takes orders and runs jobs.
 * PostgreSQL only: PGlite runs inside the app's process, so there is no connection to lose.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs, productVariants } from '~/db/schema';
import { seedDemoData } from '~/models/demo-seed.server';
import { SEARCH_SYNC_JOB } from '~/models/search-sync.server';
import { openDatabase, queryRows, type Database } from '~/utils/db.server';
import { enqueueJob } from '~/utils/jobs.server';
import { createTestDatabase, type TestDatabase } from '../setup/db';
import { prepareBuyer, send, submitCheckout, waitFor200, type Buyer } from './helpers/buyers';
import { startServer, type RunningServer } from './helpers/server';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy';

const SECRET = 'database-faults-secret-database-faults-secret';
const PRODUCT_SLUG = 'zigui-qicheng-5kg-gift-box';
const UNITS = 100;
const IN_FLIGHT = 6;
// The error view's heading (React separates the text parts with comments).
const ERROR_PAGE = /<h1>500(<!-- -->)? · /;

describe.skipIf(!process.env.TEST_DATABASE_URL)('the database drops mid-traffic and comes back (PostgreSQL only: needs TEST_DATABASE_URL)', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let server: RunningServer;
  let variantId: number;
  let productId: number;
  let buyerCount = 0;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    await seedDemoData(database.db, new Date());
    const [row] = await queryRows<{ id: number; product_id: number }>(
      database.db,
      sql`SELECT v.id, v.product_id FROM product_variants v JOIN products p ON p.id = v.product_id WHERE p.slug = ${PRODUCT_SLUG} ORDER BY v.position, v.id LIMIT 1`,
    );
    variantId = row!.id;
    productId = row!.product_id;
    await database.db.update(productVariants).set({ stock: UNITS }).where(eq(productVariants.id, variantId));
    const url = new URL(database.url!);
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    server = await startServer({ env: { DATABASE_URL: proxy.urlFor(database.url!), SESSION_SECRET: SECRET, SEED_ON_START: 'false' } });
  });

  afterAll(async () => {
    proxy?.restore();
    await server?.stop();
    await proxy?.close();
    await database?.destroy();
  });

  const nextBuyer = () => prepareBuyer(server.url, buyerCount++, variantId);
  const serverAlive = () => server.child.exitCode === null && server.child.signalCode === null;

  async function stock(): Promise<number> {
    const [row] = await database.db.select({ stock: productVariants.stock }).from(productVariants).where(eq(productVariants.id, variantId));
    return row!.stock;
  }

  async function orderCount(): Promise<number> {
    const [row] = await queryRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM orders`);
    return Number(row!.n);
  }

  /** A job enqueued now is run by the server's in-process runner. */
  async function expectJobRunnerWorks() {
    const jobId = await enqueueJob(database.db, { kind: SEARCH_SYNC_JOB, payload: { productIds: [productId], reason: 'fault test' } });
    const deadline = Date.now() + 30_000;
    let status = 'pending';
    while (Date.now() < deadline) {
      const [job] = await database.db.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, jobId));
      status = job!.status;
      if (status === 'done' || status === 'dead') break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(status).toBe('done');
  }

  /** Checkouts and pages after the fault: all answer, orders are taken, stock moves by exactly as much. */
  async function expectRecovered(buyers: Buyer[]) {
    await waitFor200(`${server.url}/healthz`, 15_000);
    const pages = await Promise.all(['/', `/products/${PRODUCT_SLUG}`, '/search?q=脐橙', '/healthz', '/cart'].map((path) => send(`${server.url}${path}`)));
    expect(pages.map((p) => p.status)).toEqual([200, 200, 200, 200, 200]);
    const stockBefore = await stock();
    const ordersBefore = await orderCount();
    const placed = await Promise.all(buyers.map((buyer) => submitCheckout(buyer)));
    expect(placed.map((o) => o.status)).toEqual(buyers.map(() => 302));
    for (const o of placed) expect(o.location).toMatch(/^\/orders\/[0-9a-f-]{36}\?t=[\w-]+&placed=1$/);
    expect(await orderCount()).toBe(ordersBefore + buyers.length);
    expect(await stock()).toBe(stockBefore - buyers.length);
    await expectJobRunnerWorks();
    expect(serverAlive()).toBe(true);
  }

  it('fails the checkouts whose backends are terminated cleanly, and takes the same forms again afterwards', async () => {
    const buyers: Buyer[] = [];
    for (let i = 0; i < IN_FLIGHT; i += 1) buyers.push(await nextBuyer());
    const stockBefore = await stock();
    const ordersBefore = await orderCount();

    const admin: Database = await openDatabase({ driver: 'postgres', url: database.url!, maxConnections: 1 });
    let inFlight: ReturnType<typeof submitCheckout>[] = [];
    let terminated = 0;
    try {
      await admin.db.transaction(async (tx) => {
        await tx.execute(sql`SELECT id FROM product_variants WHERE id = ${variantId} FOR UPDATE`);
        inFlight = buyers.map((buyer) => submitCheckout(buyer, 30_000));
        // Wait until every checkout is inside its transaction, queued on the row lock.
        const deadline = Date.now() + 20_000;
        for (;;) {
          const [row] = await queryRows<{ waiting: number }>(
            database.db,
            sql`SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND state = 'active'`,
          );
          if (Number(row!.waiting) >= IN_FLIGHT) break;
          if (Date.now() > deadline) throw new Error(`only ${row!.waiting} checkouts reached the lock`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const killed = await queryRows<{ terminated: boolean }>(
          tx,
          sql`SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
        );
        terminated = killed.filter((k) => k.terminated).length;
      });
    } finally {
      await admin.close();
    }
    expect(terminated).toBeGreaterThanOrEqual(IN_FLIGHT);

    const outcomes = await Promise.all(inFlight);
    // Every checkout answered (no hang), with the error page: nothing was placed.
    expect(outcomes.map((o) => ({ timedOut: o.timedOut, networkError: o.networkError }))).toEqual(outcomes.map(() => ({ timedOut: false, networkError: null })));
    for (const o of outcomes) {
      expect(o.status).toBe(500);
      expect(o.body).toMatch(ERROR_PAGE);
    }
    expect(serverAlive()).toBe(true);
    expect(await orderCount()).toBe(ordersBefore);
    expect(await stock()).toBe(stockBefore);

    // The same process, no restart: the same forms now go through, once each.
    await expectRecovered(buyers);
  });

  it('answers 503 on /healthz and error pages while the database is unreachable, and comes back by itself', async () => {
    const buyer = await nextBuyer();
    proxy.cut();
    try {
      const health = await send(`${server.url}/healthz`);
      expect(health.status).toBe(503);
      expect(JSON.parse(health.body)).toMatchObject({ status: 'degraded', database: { driver: 'postgres', up: false }, jobs: null });
      const write = await send(`${server.url}/cart`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Forwarded-For': '10.99.0.1' },
        body: new URLSearchParams({ intent: 'add', variantId: String(variantId), quantity: '1' }),
      });
      expect({ status: write.status, timedOut: write.timedOut }).toEqual({ status: 500, timedOut: false });
      expect(write.body).toMatch(ERROR_PAGE);
      const checkout = await submitCheckout(buyer);
      expect({ status: checkout.status, timedOut: checkout.timedOut }).toEqual({ status: 500, timedOut: false });
      expect(serverAlive()).toBe(true);
    } finally {
      proxy.restore();
    }
    await expectRecovered([buyer]);
  });
});
