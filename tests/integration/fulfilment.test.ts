import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, cooperativeMembers, cooperativeOrders, jobs, notifications, orders, payments, refunds, settlementEntries } from '~/db/schema';
import { seedDemoData } from '~/models/demo-seed.server';
import { cancelCooperativeOrder, confirmCod, deliverCooperativeOrder, shipCooperativeOrder, trackingNumberFits } from '~/models/fulfilment.server';
import { confirmBankTransfer, markOrderPaid } from '~/models/orders.server';
import { createRefund, markRefund } from '~/models/refunds.server';
import { cooperativeOrderBalance } from '~/models/settlement.server';
import type { AppContext } from '~/utils/context.server';
import { EMAIL_JOB } from '~/utils/mail.server';
import type { PaymentsPort } from '~/utils/payments/types';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';
import { checkout, GANNAN, stockOf, userCartWith, userIdByEmail, variantOf, ZIGUI, type VariantFacts } from '../fixtures/checkout';

const DEMO = 'demo.dibiao.example';

describeEachDriver('fulfilment', (t) => {
  const clock = new Date('2020-02-14T02:00:00Z');
  let app: AppContext;
  let zigui: VariantFacts;
  let gannan: VariantFacts;
  let customerId: string;
  let ziguiMember: string;

  beforeAll(async () => {
    app = createTestApp(t.database, {}, () => clock);
    await seedDemoData(app.db, clock);
    zigui = await variantOf(app.db, ZIGUI);
    gannan = await variantOf(app.db, GANNAN);
    customerId = await userIdByEmail(app.db, `customer@${DEMO}`);
    const [m] = await app.db.select().from(cooperativeMembers).where(eq(cooperativeMembers.cooperativeId, zigui.cooperativeId));
    ziguiMember = m!.userId;
  });

  async function placed(method: 'bank_transfer' | 'cash_on_delivery' | 'stripe', { pay = method !== 'cash_on_delivery' } = {}) {
    const cart = await userCartWith(app, customerId, [
      { variantId: zigui.id, quantity: 2 },
      { variantId: gannan.id, quantity: 1 },
    ]);
    const result = await checkout(app, cart, { paymentMethod: method });
    if (!result.ok) throw new Error(`checkout refused: ${result.problem.code}`);
    const [order] = await app.db.select().from(orders).where(eq(orders.id, result.orderId));
    if (pay && method === 'bank_transfer') expect((await confirmBankTransfer(app.db, { orderId: order!.id, amountFen: order!.totalFen, actorUserId: ziguiMember, now: clock })).ok).toBe(true);
    if (pay && method === 'stripe') {
      await markOrderPaid(app.db, { orderId: order!.id, amountFen: order!.totalFen, paymentIntentId: `pi_${order!.id.slice(0, 8)}`, now: clock });
    }
    const coops = await app.db.select().from(cooperativeOrders).where(eq(cooperativeOrders.orderId, order!.id));
    return { order: order!, z: coops.find((c) => c.cooperativeId === zigui.cooperativeId)!, g: coops.find((c) => c.cooperativeId === gannan.cooperativeId)! };
  }
  const acting = (cooperativeId: number, cooperativeOrderId: string) => ({ cooperativeId, cooperativeOrderId, actorUserId: ziguiMember, now: clock });
  const coopRow = async (id: string) => (await app.db.select().from(cooperativeOrders).where(eq(cooperativeOrders.id, id)))[0]!;
  const ship = (cooperativeId: number, id: string, carrier = 'SF', trackingNumber = 'SF1234567890123') => shipCooperativeOrder(app.db, { ...acting(cooperativeId, id), carrier, trackingNumber });

  it('accepts tracking numbers only in the chosen carrier’s format', () => {
    expect(trackingNumberFits('SF', 'SF1234567890123')).toBe(true);
    expect(trackingNumberFits('EMS', 'EA123456789CN')).toBe(true);
    expect(trackingNumberFits('YTO', 'YT1234567890123')).toBe(true);
    expect(trackingNumberFits('SF', 'ABC')).toBe(false);
    expect(trackingNumberFits('SF', 'SF12345678901234567890123')).toBe(false);
    expect(trackingNumberFits('UPS', '1Z999AA10123456784')).toBe(false);
    expect(trackingNumberFits('JT', 'YT1234567890123')).toBe(false);
  });

  it('ships with a carrier and tracking number, tells the buyer, and refuses a bad tracking number', async () => {
    const { z } = await placed('bank_transfer');
    expect(await ship(z.cooperativeId, z.id, 'SF', '12')).toEqual({ ok: false, problem: 'bad_tracking' });
    expect((await coopRow(z.id)).status).toBe('awaiting_shipment');
    const emailsBefore = (await app.db.select().from(jobs).where(eq(jobs.kind, EMAIL_JOB))).length;
    expect(await ship(z.cooperativeId, z.id, 'SF', 'sf 1234 5678 90123')).toEqual({ ok: true, changed: true });
    const row = await coopRow(z.id);
    expect([row.status, row.carrier, row.trackingNumber]).toEqual(['shipped', '顺丰速运', 'SF1234567890123']);
    const note = await app.db.select().from(notifications).where(and(eq(notifications.userId, customerId), eq(notifications.kind, 'cooperative_order.shipped')));
    expect(note.some((n) => n.body.includes('SF1234567890123'))).toBe(true);
    expect((await app.db.select().from(jobs).where(eq(jobs.kind, EMAIL_JOB))).length).toBe(emailsBefore + 1);
  });

  it('never lets another cooperative ship, deliver, cancel or confirm its order', async () => {
    const { z } = await placed('cash_on_delivery');
    expect(await ship(gannan.cooperativeId, z.id)).toEqual({ ok: false, problem: 'not_found' });
    expect(await deliverCooperativeOrder(app.db, acting(gannan.cooperativeId, z.id))).toEqual({ ok: false, problem: 'not_found' });
    expect(await cancelCooperativeOrder(app.db, null, { ...acting(gannan.cooperativeId, z.id), reason: 'x' })).toEqual({ ok: false, problem: 'not_found' });
    expect(await confirmCod(app.db, acting(gannan.cooperativeId, z.id))).toEqual({ ok: false, problem: 'not_found' });
    expect((await coopRow(z.id)).status).toBe('awaiting_shipment');
  });

  it('confirms cash on delivery by the right cooperative once shipped, settling its part only', async () => {
    const { order, z, g } = await placed('cash_on_delivery');
    expect(await confirmCod(app.db, acting(z.cooperativeId, z.id))).toEqual({ ok: false, problem: 'not_shipped' });
    await ship(z.cooperativeId, z.id);
    expect(await confirmCod(app.db, acting(z.cooperativeId, z.id))).toEqual({ ok: true, changed: true });
    expect(await confirmCod(app.db, acting(z.cooperativeId, z.id))).toEqual({ ok: true, changed: false });
    expect((await cooperativeOrderBalance(app.db, z.id)).netFen).toBe(z.goodsFen + z.shippingFen);
    expect((await cooperativeOrderBalance(app.db, g.id)).netFen).toBe(0);
    expect((await app.db.select().from(orders).where(eq(orders.id, order.id)))[0]!.status).toBe('pending_payment');
    await ship(g.cooperativeId, g.id, 'ZTO', '773012345678');
    await confirmCod(app.db, acting(g.cooperativeId, g.id));
    expect((await app.db.select().from(orders).where(eq(orders.id, order.id)))[0]!.status).toBe('paid');
    expect((await app.db.select().from(payments).where(eq(payments.orderId, order.id)))[0]!.status).toBe('succeeded');
  });

  it('delivers only what was shipped, and completes a paid order when every part is delivered', async () => {
    const { order, z, g } = await placed('bank_transfer');
    expect(await deliverCooperativeOrder(app.db, acting(z.cooperativeId, z.id))).toEqual({ ok: false, problem: 'not_shipped' });
    await ship(z.cooperativeId, z.id);
    expect(await deliverCooperativeOrder(app.db, acting(z.cooperativeId, z.id))).toEqual({ ok: true, changed: true });
    expect((await coopRow(z.id)).deliveredAt).toEqual(clock);
    expect((await app.db.select().from(orders).where(eq(orders.id, order.id)))[0]!.status).toBe('paid');
    await ship(g.cooperativeId, g.id, 'ZTO', '773012345678');
    await deliverCooperativeOrder(app.db, acting(g.cooperativeId, g.id));
    expect((await app.db.select().from(orders).where(eq(orders.id, order.id)))[0]!.status).toBe('completed');
  });

  describe('cancellation', () => {
    it('restocks exactly once before shipment and refunds what was paid, leaving the other part untouched', async () => {
      const { z, g } = await placed('bank_transfer');
      const stockBefore = await stockOf(app.db, zigui.id);
      const gannanStock = await stockOf(app.db, gannan.id);
      const gBalance = await cooperativeOrderBalance(app.db, g.id);
      const first = await cancelCooperativeOrder(app.db, null, { ...acting(z.cooperativeId, z.id), reason: '缺货' });
      expect(first).toMatchObject({ ok: true, changed: true, refund: { ok: true, status: 'succeeded' } });
      expect(await cancelCooperativeOrder(app.db, null, { ...acting(z.cooperativeId, z.id), reason: '缺货' })).toEqual({ ok: true, changed: false, refund: null });
      expect(await stockOf(app.db, zigui.id)).toBe(stockBefore + 2);
      expect(await stockOf(app.db, gannan.id)).toBe(gannanStock);
      expect((await cooperativeOrderBalance(app.db, z.id)).netFen).toBe(0);
      expect(await cooperativeOrderBalance(app.db, g.id)).toEqual(gBalance);
      expect((await coopRow(g.id)).status).toBe('awaiting_shipment');
    });

    it('is refused after shipment', async () => {
      const { z } = await placed('bank_transfer');
      await ship(z.cooperativeId, z.id);
      const stockBefore = await stockOf(app.db, zigui.id);
      expect(await cancelCooperativeOrder(app.db, null, { ...acting(z.cooperativeId, z.id), reason: 'x' })).toEqual({ ok: false, problem: 'illegal' });
      expect(await stockOf(app.db, zigui.id)).toBe(stockBefore);
      expect((await coopRow(z.id)).status).toBe('shipped');
    });

    const orderRow = async (id: string) => (await app.db.select().from(orders).where(eq(orders.id, id)))[0]!;
    const paymentRow = async (orderId: string) => (await app.db.select().from(payments).where(eq(payments.orderId, orderId)))[0]!;

    it('cancels a paid order once every part is cancelled and refunded in full; its payment stays succeeded', async () => {
      const { order, z, g } = await placed('bank_transfer');
      await cancelCooperativeOrder(app.db, null, { ...acting(z.cooperativeId, z.id), reason: '缺货' });
      expect(await orderRow(order.id)).toMatchObject({ status: 'paid', refundedFen: z.goodsFen + z.shippingFen });
      const last = await cancelCooperativeOrder(app.db, null, { ...acting(g.cooperativeId, g.id), reason: '缺货' });
      expect(last).toMatchObject({ ok: true, changed: true, refund: { ok: true, status: 'succeeded' } });

      const after = await orderRow(order.id);
      expect(after).toMatchObject({ status: 'cancelled', cancelReason: 'refunded', refundedFen: order.totalFen, paidAt: clock, cancelledAt: clock });
      expect((await paymentRow(order.id)).status).toBe('succeeded');
      expect((await cooperativeOrderBalance(app.db, z.id)).netFen).toBe(0);
      expect((await cooperativeOrderBalance(app.db, g.id)).netFen).toBe(0);
      const told = await app.db.select().from(notifications).where(and(eq(notifications.userId, customerId), eq(notifications.kind, 'order.cancelled'), eq(notifications.link, `/orders/${order.id}`)));
      expect(told).toHaveLength(1);
      expect(told[0]!.body).toContain('全额退回');
      const audits = await app.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'order.cancelled'), eq(auditEvents.entityId, order.id)));
      expect(audits.map((a) => a.data)).toEqual([expect.objectContaining({ reason: 'refunded', refundedFen: order.totalFen })]);
      // Nothing left to cancel or refund: a repeat changes nothing.
      expect(await cancelCooperativeOrder(app.db, null, { ...acting(g.cooperativeId, g.id), reason: '缺货' })).toEqual({ ok: true, changed: false, refund: null });
      expect((await orderRow(order.id)).status).toBe('cancelled');
    });

    it('keeps a paid Stripe order paid while a cancelled part’s refund is pending, and cancels it when the last refund succeeds', async () => {
      const { order, z, g } = await placed('stripe');
      const port: PaymentsPort = {
        provider: 'stripe',
        startCheckout: () => Promise.reject(new Error('unused')),
        expireCheckout: () => Promise.resolve(),
        refund: async (request) => ({ providerRefundId: `re_${request.idempotencyKey.slice(0, 8)}`, status: 'pending' }),
      };
      for (const part of [z, g]) {
        expect(await cancelCooperativeOrder(app.db, port, { ...acting(part.cooperativeId, part.id), reason: '缺货' })).toMatchObject({ ok: true, refund: { ok: true, status: 'pending' } });
      }
      expect(await orderRow(order.id)).toMatchObject({ status: 'paid', refundedFen: 0 });
      const pending = await app.db.select().from(refunds).where(eq(refunds.paymentId, (await paymentRow(order.id)).id));
      expect(pending.map((r) => r.status)).toEqual(['pending', 'pending']);

      await markRefund(app.db, { refundId: pending[0]!.id, status: 'succeeded', now: clock });
      expect((await orderRow(order.id)).status).toBe('paid');
      await markRefund(app.db, { refundId: pending[1]!.id, status: 'succeeded', now: clock });
      await markRefund(app.db, { refundId: pending[1]!.id, status: 'succeeded', now: clock });
      expect(await orderRow(order.id)).toMatchObject({ status: 'cancelled', cancelReason: 'refunded', refundedFen: order.totalFen });
      expect((await paymentRow(order.id)).status).toBe('succeeded');
    });

    it('cancels a paid order when its last part is cancelled after refunds already paid back all of it', async () => {
      const { order, z, g } = await placed('bank_transfer');
      for (const part of [z, g]) {
        const refund = await createRefund(app.db, null, { cooperativeOrderId: part.id, cooperativeId: part.cooperativeId, amountFen: part.goodsFen + part.shippingFen, reason: '破损', actorUserId: ziguiMember, now: clock });
        expect(refund).toMatchObject({ ok: true, status: 'succeeded' });
      }
      // Refunded in full but still live parts: the order stays paid.
      expect(await orderRow(order.id)).toMatchObject({ status: 'paid', refundedFen: order.totalFen });
      expect(await cancelCooperativeOrder(app.db, null, { ...acting(z.cooperativeId, z.id), reason: '缺货' })).toEqual({ ok: true, changed: true, refund: null });
      expect((await orderRow(order.id)).status).toBe('paid');
      expect(await cancelCooperativeOrder(app.db, null, { ...acting(g.cooperativeId, g.id), reason: '缺货' })).toEqual({ ok: true, changed: true, refund: null });
      expect(await orderRow(order.id)).toMatchObject({ status: 'cancelled', cancelReason: 'refunded' });
    });

    it('cancels an unpaid order with its payment when its last part is cancelled, restocking each part once', async () => {
      const { order, z, g } = await placed('bank_transfer', { pay: false });
      const [zs, gs] = [await stockOf(app.db, zigui.id), await stockOf(app.db, gannan.id)];
      await cancelCooperativeOrder(app.db, null, { ...acting(z.cooperativeId, z.id), reason: 'x' });
      expect((await app.db.select().from(orders).where(eq(orders.id, order.id)))[0]!.status).toBe('pending_payment');
      await cancelCooperativeOrder(app.db, null, { ...acting(g.cooperativeId, g.id), reason: 'x' });
      expect((await app.db.select().from(orders).where(eq(orders.id, order.id)))[0]!.status).toBe('cancelled');
      expect((await app.db.select().from(payments).where(eq(payments.orderId, order.id)))[0]!.status).toBe('cancelled');
      expect([await stockOf(app.db, zigui.id), await stockOf(app.db, gannan.id)]).toEqual([zs + 2, gs + 1]);
      expect(await app.db.select().from(settlementEntries).where(eq(settlementEntries.cooperativeOrderId, z.id))).toHaveLength(0);
    });
  });
});
