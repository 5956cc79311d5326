/**
 * Two app instances (real `node server.js` processes) on one PostgreSQL database sell the same
 * last units over HTTP: 200 guests, each with a cart of one unit, submit checkout at once, half to
 * each instance, for 50 units. Exactly 50 orders, stock 0, never below; both instances sold.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productVariants } from '~/db/schema';
import { seedDemoData } from '~/models/demo-seed.server';
import { queryRows } from '~/utils/db.server';
import { createTestDatabase, type TestDatabase } from '../setup/db';
import { startServer, type RunningServer } from './helpers/server';

const BUYERS = 200;
const UNITS = 50;
const SECRET = 'two-instances-secret-two-instances-secret';
const PRODUCT_SLUG = 'zigui-qicheng-5kg-gift-box';

interface Buyer {
  server: number;
  ip: string;
  cookie: string;
  form: Record<string, string>;
}

function hiddenValue(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html) ?? new RegExp(`value="([^"]*)" name="${name}"`).exec(html);
  if (!m) throw new Error(`no ${name} in the checkout page`);
  return m[1]!;
}

describe.skipIf(!process.env.TEST_DATABASE_URL)('two app instances selling the last units (needs TEST_DATABASE_URL)', () => {
  let database: TestDatabase;
  const servers: RunningServer[] = [];
  let variantId: number;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    await seedDemoData(database.db, new Date());
    const [row] = await queryRows<{ id: number }>(
      database.db,
      sql`SELECT v.id FROM product_variants v JOIN products p ON p.id = v.product_id WHERE p.slug = ${PRODUCT_SLUG} ORDER BY v.position, v.id LIMIT 1`,
    );
    variantId = row!.id;
    await database.db.update(productVariants).set({ stock: UNITS }).where(eq(productVariants.id, variantId));
    const env = { DATABASE_URL: database.url!, SESSION_SECRET: SECRET, SEED_ON_START: 'false' };
    servers.push(...(await Promise.all([startServer({ env }), startServer({ env })])));
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await database?.destroy();
  });

  /** Each buyer gets a cart (one unit) and a checkout form from the instance it will submit to. */
  async function prepare(i: number): Promise<Buyer> {
    const server = i % 2;
    const base = servers[server]!.url;
    // The servers trust their loopback proxy's X-Forwarded-For: each buyer is its own address.
    const ip = `10.20.${Math.floor(i / 250)}.${(i % 250) + 1}`;
    const added = await fetch(`${base}/cart`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Forwarded-For': ip },
      body: new URLSearchParams({ intent: 'add', variantId: String(variantId), quantity: '1' }),
    });
    expect(added.status).toBe(302);
    const cookie = added.headers.get('set-cookie')!.split(';')[0]!;
    const page = await fetch(`${base}/checkout`, { headers: { Cookie: cookie, 'X-Forwarded-For': ip } });
    expect(page.status).toBe(200);
    const html = await page.text();
    return {
      server,
      ip,
      cookie,
      form: {
        intent: 'place',
        idempotencyKey: hiddenValue(html, 'idempotencyKey'),
        expectedTotalFen: hiddenValue(html, 'expectedTotalFen'),
        paymentMethod: 'bank_transfer',
        addressId: 'new',
        recipient: `买家${i}`,
        mobile: `139${String(i).padStart(8, '0')}`,
        province: '420000',
        regionCode: '420527',
        detail: '茅坪镇滨湖大道 1 号',
      },
    };
  }

  it(`sells exactly ${UNITS} units to ${BUYERS} buyers racing on both instances`, async () => {
    const buyers: Buyer[] = [];
    for (let i = 0; i < BUYERS; i += 20) buyers.push(...(await Promise.all(Array.from({ length: Math.min(20, BUYERS - i) }, (_, k) => prepare(i + k)))));

    const outcomes = await Promise.all(
      buyers.map(async (buyer) => {
        const res = await fetch(`${servers[buyer.server]!.url}/checkout`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: buyer.cookie, 'X-Forwarded-For': buyer.ip },
          body: new URLSearchParams(buyer.form),
        });
        const body = res.status === 302 ? '' : await res.text();
        return { server: buyer.server, status: res.status, location: res.headers.get('location'), body };
      }),
    );

    const perInstance = [0, 1].map((server) => {
      const mine = outcomes.filter((o) => o.server === server);
      return { server, sold: mine.filter((o) => o.status === 302).length, refused: mine.filter((o) => o.status === 409).length, other: mine.filter((o) => o.status !== 302 && o.status !== 409).length };
    });
    console.info(`two instances: ${perInstance.map((p) => `instance ${p.server + 1} sold ${p.sold}, refused ${p.refused}`).join('; ')}`);

    expect(perInstance.map((p) => p.other)).toEqual([0, 0]);
    expect(perInstance[0]!.sold + perInstance[1]!.sold).toBe(UNITS);
    expect(perInstance[0]!.sold).toBeGreaterThan(0);
    expect(perInstance[1]!.sold).toBeGreaterThan(0);
    for (const o of outcomes.filter((x) => x.status === 302)) expect(o.location).toMatch(/^\/orders\/[0-9a-f-]{36}\?t=[\w-]+&placed=1$/);
    for (const o of outcomes.filter((x) => x.status === 409)) expect(o.body).toContain('库存不足');

    const [state] = await queryRows<{ orders: number; units: number; stock: number; negative: number }>(
      database.db,
      sql`SELECT (SELECT count(*)::int FROM orders) AS orders,
                 (SELECT coalesce(sum(quantity), 0)::int FROM order_items WHERE variant_id = ${variantId}) AS units,
                 (SELECT stock FROM product_variants WHERE id = ${variantId}) AS stock,
                 (SELECT count(*)::int FROM product_variants WHERE stock < 0) AS negative`,
    );
    expect({ orders: Number(state!.orders), units: Number(state!.units), stock: Number(state!.stock), negative: Number(state!.negative) }).toEqual({
      orders: UNITS,
      units: UNITS,
      stock: 0,
      negative: 0,
    });
  });
});
