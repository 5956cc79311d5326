/**
 * Many buyers racing for the last units: exactly as many orders as units, stock exactly zero,
 * never below. The real check is PostgreSQL with a pool of connections, where the checkouts truly
 * run at once; PGlite serves one connection at a time and runs a smaller race.
 */
import { eq, sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { cartItems, orderItems, orders, payments } from '~/db/schema';
import { seedDemoData } from '~/models/demo-seed.server';
import type { AppContext } from '~/utils/context.server';
import { queryRows } from '~/utils/db.server';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';
import { checkout, GANNAN, guestCartWith, setStock, stockOf, variantOf, ZIGUI, type VariantFacts } from '../fixtures/checkout';

describeEachDriver('checkout under contention', (t) => {
  const clock = new Date('2020-02-14T02:00:00Z');
  let app: AppContext;
  let zigui: VariantFacts;
  let gannan: VariantFacts;
  const postgres = t.driver === 'postgres';
  const buyers = postgres ? 200 : 40;
  const units = postgres ? 50 : 10;

  beforeAll(async () => {
    app = createTestApp(t.database, {}, () => clock);
    await seedDemoData(app.db, clock);
    zigui = await variantOf(app.db, ZIGUI);
    gannan = await variantOf(app.db, GANNAN);
  });

  async function ordersFor(variantId: number) {
    const [row] = await queryRows<{ orders: number; units: number }>(
      app.db,
      sql`SELECT count(DISTINCT oi.order_id)::int AS orders, coalesce(sum(oi.quantity), 0)::int AS units
          FROM order_items oi JOIN orders o ON o.id = oi.order_id WHERE oi.variant_id = ${variantId} AND o.status <> 'cancelled'`,
    );
    return { orders: Number(row!.orders), units: Number(row!.units) };
  }

  it(`sells exactly the stock when ${buyers} buyers race for ${units} units, and tells the others how many are left`, async () => {
    await setStock(app.db, zigui.id, units);
    const owners = [];
    for (let i = 0; i < buyers; i += 1) owners.push(await guestCartWith(app, [{ variantId: zigui.id, quantity: 1 }]));

    const results = await Promise.all(owners.map((owner) => checkout(app, owner)));
    if (postgres) {
      // The race really ran on many connections at once: the pool opened all ten.
      const [pool] = await queryRows<{ n: number }>(
        app.db,
        sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'dibiao-zhunong'`,
      );
      expect(Number(pool!.n)).toBeGreaterThanOrEqual(10);
    }

    const sold = results.filter((r) => r.ok);
    const refused = results.filter((r) => !r.ok);
    expect(sold).toHaveLength(units);
    expect(refused).toHaveLength(buyers - units);
    for (const r of refused) expect(r).toEqual({ ok: false, problem: { code: 'insufficient_stock', title: zigui.title, spec: zigui.spec, remaining: 0 } });
    expect(await stockOf(app.db, zigui.id)).toBe(0);
    expect(await ordersFor(zigui.id)).toEqual({ orders: units, units });
    // Nothing was charged to those refused: one payment per order, and their carts still hold the line.
    const [charged] = await queryRows<{ n: number }>(
      app.db,
      sql`SELECT count(*)::int AS n FROM payments p JOIN order_items oi ON oi.order_id = p.order_id WHERE oi.variant_id = ${zigui.id}`,
    );
    expect(Number(charged!.n)).toBe(units);
    const stillInCart = await app.db.select().from(cartItems).where(eq(cartItems.variantId, zigui.id));
    expect(stillInCart).toHaveLength(buyers - units);
  });

  it('never deadlocks or oversells when carts hold the same two products in opposite orders', async () => {
    const pairs = postgres ? 30 : 8;
    await setStock(app.db, zigui.id, pairs);
    await setStock(app.db, gannan.id, pairs);
    const owners = [];
    for (let i = 0; i < pairs * 2; i += 1) {
      const lines = [
        { variantId: zigui.id, quantity: 1 },
        { variantId: gannan.id, quantity: 1 },
      ];
      owners.push(await guestCartWith(app, i % 2 === 0 ? lines : lines.reverse()));
    }
    const results = await Promise.all(owners.map((owner) => checkout(app, owner)));
    expect(results.filter((r) => r.ok)).toHaveLength(pairs);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.problem.code === 'insufficient_stock')).toBe(true);
    expect(await stockOf(app.db, zigui.id)).toBe(0);
    expect(await stockOf(app.db, gannan.id)).toBe(0);
    // Every order holds both lines: none was half taken.
    const sold = results.flatMap((r) => (r.ok ? [r.orderId] : []));
    for (const orderId of sold) expect(await app.db.select().from(orderItems).where(eq(orderItems.orderId, orderId))).toHaveLength(2);
  });

  it('keeps stock at or above zero for every variant, whatever happened', async () => {
    const [row] = await queryRows<{ n: number }>(app.db, sql`SELECT count(*)::int AS n FROM product_variants WHERE stock < 0`);
    expect(Number(row!.n)).toBe(0);
    const [totals] = await queryRows<{ bad: number }>(app.db, sql`SELECT count(*)::int AS bad FROM orders WHERE total_fen <> goods_fen + shipping_fen`);
    expect(Number(totals!.bad)).toBe(0);
    expect((await app.db.select({ id: orders.id }).from(orders)).length).toBe((await app.db.select({ id: payments.id }).from(payments)).length);
  });
});
