import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { cooperativeMembers, cooperativeOrders, cooperatives, orders } from '~/db/schema';
import { seedDemoData } from '~/models/demo-seed.server';
import { confirmBankTransfer } from '~/models/orders.server';
import { createRefund } from '~/models/refunds.server';
import { action as orderAction, loader as orderLoader } from '~/routes/coop.$coop.orders.$id/route';
import { loader as ordersLoader } from '~/routes/coop.$coop.orders._index/route';
import { loader as settlementLoader } from '~/routes/coop.$coop.settlement/route';
import type { AppContext } from '~/utils/context.server';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';
import { callRoute, checkout, dataOf, GANNAN, getPage, postForm, sessionCookieFor, userCartWith, userIdByEmail, variantOf, ZIGUI, type RouteHandler, type VariantFacts } from '../fixtures/checkout';

const DEMO = 'demo.dibiao.example';

describeEachDriver('settlement', (t) => {
  let clock = new Date('2020-02-10T02:00:00Z');
  let app: AppContext;
  let zigui: VariantFacts;
  let gannan: VariantFacts;
  let customerId: string;
  let ziguiMember: string;
  let ziguiSlug: string;
  let gannanSlug: string;

  beforeAll(async () => {
    app = createTestApp(t.database, {}, () => clock);
    await seedDemoData(app.db, clock);
    zigui = await variantOf(app.db, ZIGUI);
    gannan = await variantOf(app.db, GANNAN);
    customerId = await userIdByEmail(app.db, `customer@${DEMO}`);
    const [m] = await app.db.select().from(cooperativeMembers).where(eq(cooperativeMembers.cooperativeId, zigui.cooperativeId));
    ziguiMember = m!.userId;
    ziguiSlug = (await app.db.select().from(cooperatives).where(eq(cooperatives.id, zigui.cooperativeId)))[0]!.slug;
    gannanSlug = (await app.db.select().from(cooperatives).where(eq(cooperatives.id, gannan.cooperativeId)))[0]!.slug;
  });

  async function paidOrder() {
    const cart = await userCartWith(app, customerId, [
      { variantId: zigui.id, quantity: 1 },
      { variantId: gannan.id, quantity: 1 },
    ]);
    const result = await checkout(app, cart, { now: clock });
    if (!result.ok) throw new Error('checkout refused');
    const [order] = await app.db.select().from(orders).where(eq(orders.id, result.orderId));
    await confirmBankTransfer(app.db, { orderId: order!.id, amountFen: order!.totalFen, actorUserId: ziguiMember, now: clock });
    const coops = await app.db.select().from(cooperativeOrders).where(eq(cooperativeOrders.orderId, order!.id));
    return { order: order!, z: coops.find((c) => c.cooperativeId === zigui.cooperativeId)!, g: coops.find((c) => c.cooperativeId === gannan.cooperativeId)! };
  }

  async function csvOf(slug: string, from: string, to: string) {
    const cookie = await sessionCookieFor(app, ziguiMember);
    const response = (await callRoute(app, settlementLoader as RouteHandler, getPage(`http://localhost/coop/${slug}/settlement?from=${from}&to=${to}&format=csv`, cookie), { coop: slug })) as Response;
    return response;
  }

  it('exports the ledger per period as CSV with a byte-order mark and correct sums', async () => {
    clock = new Date('2020-02-10T02:00:00Z');
    const first = await paidOrder();
    clock = new Date('2020-03-05T02:00:00Z');
    const second = await paidOrder();
    await createRefund(app.db, null, { cooperativeOrderId: second.z.id, cooperativeId: zigui.cooperativeId, amountFen: 150, reason: '破损', actorUserId: ziguiMember, now: clock });
    const february = await csvOf(ziguiSlug, '2020-02-01', '2020-02-29');
    expect(february.headers.get('Content-Type')).toContain('text/csv');
    const bytes = new Uint8Array(await february.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const febText = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes).slice(1);
    expect(febText).toContain(first.order.number);
    expect(febText).not.toContain(second.order.number);
    const febTotal = febText.trim().split('\r\n').at(-1)!;
    expect(febTotal).toContain(((first.z.goodsFen + first.z.shippingFen) / 100).toFixed(2));
    const march = await (await csvOf(ziguiSlug, '2020-03-01', '2020-03-31')).text();
    const lines = march.trim().split('\r\n');
    expect(lines.some((l) => l.includes(second.order.number) && l.includes('-1.50'))).toBe(true);
    expect(lines.at(-1)).toContain(((second.z.goodsFen + second.z.shippingFen - 150) / 100).toFixed(2));
    // The other cooperative's part of the same orders is not in this cooperative's ledger.
    expect(lines.filter((l) => l.includes(second.order.number))).toHaveLength([second.z.goodsFen, second.z.shippingFen, 150].filter((n) => n > 0).length);
  });

  it('refuses an invalid period instead of exporting', async () => {
    const cookie = await sessionCookieFor(app, ziguiMember);
    const result = await callRoute(app, settlementLoader as RouteHandler, getPage(`http://localhost/coop/${ziguiSlug}/settlement?from=2020-03-01&to=2020-02-01&format=csv`, cookie), { coop: ziguiSlug });
    expect(dataOf<{ badPeriod: boolean }>(result).body.badPeriod).toBe(true);
  });

  describe('cross-cooperative access', () => {
    it('answers 404 on every portal route for another cooperative’s orders and ledger', async () => {
      clock = new Date('2020-03-06T02:00:00Z');
      const { g } = await paidOrder();
      const cookie = await sessionCookieFor(app, ziguiMember);
      const status = (r: unknown) => (r instanceof Response ? r.status : 200);
      // Another cooperative's portal pages.
      expect(status(await callRoute(app, ordersLoader as RouteHandler, getPage(`http://localhost/coop/${gannanSlug}/orders`, cookie), { coop: gannanSlug }))).toBe(404);
      expect(status(await callRoute(app, settlementLoader as RouteHandler, getPage(`http://localhost/coop/${gannanSlug}/settlement?format=csv`, cookie), { coop: gannanSlug }))).toBe(404);
      // Its cooperative order under our own cooperative's URL.
      expect(status(await callRoute(app, orderLoader as RouteHandler, getPage(`http://localhost/coop/${ziguiSlug}/orders/${g.id}`, cookie), { coop: ziguiSlug, id: g.id }))).toBe(404);
      for (const fields of [{ intent: 'ship', carrier: 'SF', trackingNumber: 'SF1234567890123' }, { intent: 'cancel', reason: 'x' }, { intent: 'refund', amount: '1', reason: 'x' }, { intent: 'deliver' }, { intent: 'confirm-cod' }]) {
        const r = await callRoute(app, orderAction as RouteHandler, postForm(`http://localhost/coop/${ziguiSlug}/orders/${g.id}`, fields, cookie), { coop: ziguiSlug, id: g.id });
        expect(status(r), fields.intent).toBe(404);
      }
      const [after] = await app.db.select().from(cooperativeOrders).where(eq(cooperativeOrders.id, g.id));
      expect([after!.status, after!.refundedFen]).toEqual(['awaiting_shipment', 0]);
    });

    it('lets the cooperative ship its own order through the page', async () => {
      const { z } = await paidOrder();
      const cookie = await sessionCookieFor(app, ziguiMember);
      const bad = await callRoute(app, orderAction as RouteHandler, postForm(`http://localhost/coop/${ziguiSlug}/orders/${z.id}`, { intent: 'ship', carrier: 'SF', trackingNumber: '' }, cookie), { coop: ziguiSlug, id: z.id });
      expect(dataOf(bad).status).toBe(400);
      const ok = (await callRoute(app, orderAction as RouteHandler, postForm(`http://localhost/coop/${ziguiSlug}/orders/${z.id}`, { intent: 'ship', carrier: 'SF', trackingNumber: 'SF1234567890123' }, cookie), { coop: ziguiSlug, id: z.id })) as Response;
      expect(ok.status).toBe(302);
      expect((await app.db.select().from(cooperativeOrders).where(eq(cooperativeOrders.id, z.id)))[0]!.status).toBe('shipped');
    });
  });
});
