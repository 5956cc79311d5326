import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditEvents, cooperativeMembers, cooperativeOrders, jobs, notifications, orders, payments, refunds, settlementEntries } from '~/db/schema';
import { seedDemoData } from '~/models/demo-seed.server';
import { trackingNumberFits } from '~/models/carriers';
import { cancelCooperativeOrder, confirmCod, deliverCooperativeOrder, shipCooperativeOrder } from '~/models/fulfilment.server';
import { startOnlinePayment } from '~/models/checkout.server';
import { confirmBankTransfer, markOrderPaid } from '~/models/orders.server';
import { receiveStripeEvent, type StripeEventLike } from '~/models/stripe-webhooks.server';
import { action as paymentsAction, loader as paymentsLoader } from '~/routes/coordinator.payments/route';
import { loader as orderLoader } from '~/routes/orders.$id/route';
import { createRefund, markRefund } from '~/models/refunds.server';
import { cooperativeOrderBalance } from '~/models/settlement.server';
import type { AppContext } from '~/utils/context.server';
import { EMAIL_JOB } from '~/utils/mail.server';
import { formatFen } from '~/utils/money';
import { createStripePayments, type StripePayments } from '~/utils/payments/stripe.server';
import { DOUBLE_SECRET_KEY, StripeDouble } from '../doubles/stripe-double';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';
import { callRoute, checkout, dataOf, GANNAN, getPage, postForm, redirectOf, sessionCookieFor, stockOf, userCartWith, userIdByEmail, variantOf, ZIGUI, type RouteHandler, type VariantFacts } from '../fixtures/checkout';

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
      const port: StripePayments = {
        provider: 'stripe',
        startCheckout: () => Promise.reject(new Error('unused')),
        expireCheckout: () => Promise.resolve(),
        retrieveCheckout: () => Promise.reject(new Error('unused')),
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

  /**
   * A part cancelled before the order is paid is no longer owed: the amount due is the sum of the
   * live parts, everywhere the buyer or the coordinator reads it, and the ledger never owes it.
   */
  describe('cancelling a part of an unpaid order', () => {
    const orderRow = async (id: string) => (await app.db.select().from(orders).where(eq(orders.id, id)))[0]!;
    const paymentRows = async (orderId: string) =>
      (await app.db.select().from(payments).where(eq(payments.orderId, orderId))).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    const entriesOf = (coopId: string) => app.db.select().from(settlementEntries).where(eq(settlementEntries.cooperativeOrderId, coopId));

    it('reduces a bank transfer’s amount due to the live parts: order page, notification, coordinator desk and its amount check, ledger', async () => {
      const { order, z, g } = await placed('bank_transfer', { pay: false });
      const zStock = await stockOf(app.db, zigui.id);
      const due = g.goodsFen + g.shippingFen;
      expect(z.goodsFen + z.shippingFen).toBeGreaterThan(0);

      expect(await cancelCooperativeOrder(app.db, null, { ...acting(z.cooperativeId, z.id), reason: '缺货' })).toEqual({ ok: true, changed: true, refund: null });
      expect(await orderRow(order.id)).toMatchObject({ status: 'pending_payment', goodsFen: g.goodsFen, shippingFen: g.shippingFen, totalFen: due, refundedFen: 0 });
      expect((await paymentRows(order.id)).map((p) => [p.status, p.amountFen])).toEqual([['pending', due]]);
      expect(await stockOf(app.db, zigui.id)).toBe(zStock + 2);
      // A repeat changes nothing more.
      expect(await cancelCooperativeOrder(app.db, null, { ...acting(z.cooperativeId, z.id), reason: '缺货' })).toEqual({ ok: true, changed: false, refund: null });
      expect((await orderRow(order.id)).totalFen).toBe(due);

      // The buyer is told the new amount.
      const [told] = await app.db.select().from(notifications).where(and(eq(notifications.userId, customerId), eq(notifications.kind, 'cooperative_order.cancelled_unpaid'), eq(notifications.link, `/orders/${order.id}`)));
      expect(told!.title).toContain(formatFen(due, 'zh-CN'));

      // The order page (and its transfer instructions) show the reduced amount.
      const buyer = await sessionCookieFor(app, customerId);
      const page = dataOf<{ order: { totalFen: number }; bank: unknown; cooperativeOrders: { id: string; status: string }[] }>(
        await callRoute(app, orderLoader as RouteHandler, getPage(`http://localhost/orders/${order.id}`, buyer), { id: order.id }),
      ).body;
      expect(page.order.totalFen).toBe(due);
      expect(page.bank).not.toBeNull();
      expect(page.cooperativeOrders.find((c) => c.id === z.id)!.status).toBe('cancelled');

      // The coordinator's desk lists the reduced amount and accepts only that.
      const coordinator = await sessionCookieFor(app, await userIdByEmail(app.db, `coordinator-hubei@${DEMO}`));
      const desk = dataOf<{ orders: { id: string; totalFen: number }[] }>(
        await callRoute(app, paymentsLoader as RouteHandler, getPage(`http://localhost/coordinator/payments?q=${order.number}`, coordinator)),
      ).body;
      expect(desk.orders).toEqual([expect.objectContaining({ id: order.id, totalFen: due })]);
      const confirm = (fen: number) =>
        callRoute(app, paymentsAction as RouteHandler, postForm('http://localhost/coordinator/payments', { intent: 'confirm', orderId: order.id, amount: (fen / 100).toFixed(2) }, coordinator));
      const full = dataOf<{ error: string; expectedFen: number }>(await confirm(order.totalFen));
      expect(full).toMatchObject({ status: 409, body: { error: 'orders:payments.errors.amount_mismatch', expectedFen: due } });
      expect(redirectOf(await confirm(due))).toBe(`/coordinator/payments?confirmed=${order.number}`);

      expect(await orderRow(order.id)).toMatchObject({ status: 'paid', totalFen: due });
      expect((await paymentRows(order.id)).map((p) => [p.status, p.amountFen])).toEqual([['succeeded', due]]);
      // The ledger owes the live part in full and nothing for the cancelled one.
      expect(await entriesOf(z.id)).toHaveLength(0);
      expect((await cooperativeOrderBalance(app.db, g.id)).netFen).toBe(due);
    });

    it('reduces what cash on delivery collects, and shows the cancelled part as not due', async () => {
      const { order, z, g } = await placed('cash_on_delivery');
      await cancelCooperativeOrder(app.db, null, { ...acting(g.cooperativeId, g.id), reason: '缺货' });
      expect(await orderRow(order.id)).toMatchObject({ status: 'pending_payment', totalFen: z.goodsFen + z.shippingFen });
      expect((await paymentRows(order.id)).map((p) => p.amountFen)).toEqual([z.goodsFen + z.shippingFen]);
      await ship(z.cooperativeId, z.id);
      expect(await confirmCod(app.db, acting(z.cooperativeId, z.id))).toEqual({ ok: true, changed: true });
      expect((await orderRow(order.id)).status).toBe('paid');
      expect(await entriesOf(g.id)).toHaveLength(0);
    });

    describe('a Stripe order with an open Checkout Session (Stripe double)', () => {
      let double: StripeDouble;
      let stripe: StripePayments;
      const ctx = () => ({ now: clock, logger: app.logger });

      beforeAll(async () => {
        double = await StripeDouble.start();
        stripe = createStripePayments({ secretKey: DOUBLE_SECRET_KEY, paymentMethods: ['card'], timeoutMs: 2000, maxNetworkRetries: 0, now: () => clock, ...double.clientOptions });
      });
      afterAll(() => double?.close());
      beforeEach(() => {
        double.reset();
        double.setNow(() => clock.getTime());
      });

      async function payNow(orderId: string) {
        return startOnlinePayment(app.db, stripe, {
          orderId,
          owner: { userId: customerId, guestCartId: null },
          successUrl: `http://localhost/orders/${orderId}?paid=1`,
          cancelUrl: `http://localhost/orders/${orderId}`,
          stripeCheckoutExpiryMinutes: app.env.STRIPE_CHECKOUT_EXPIRY_MINUTES,
          now: clock,
        });
      }

      async function placedWithSession() {
        const parts = await placed('stripe', { pay: false });
        expect(await payNow(parts.order.id)).toMatchObject({ ok: true });
        const [payment] = await paymentRows(parts.order.id);
        return { ...parts, sessionId: payment!.providerSessionId!, paymentId: payment!.id };
      }

      it('expires the session at Stripe, and the next pay now charges only the live part, which alone is settled', async () => {
        const { order, z, g, sessionId, paymentId } = await placedWithSession();
        const due = g.goodsFen + g.shippingFen;
        expect(double.getSession(sessionId).amount_total).toBe(order.totalFen);

        expect(await cancelCooperativeOrder(app.db, stripe, { ...acting(z.cooperativeId, z.id), reason: '缺货' })).toEqual({ ok: true, changed: true, refund: null });
        const expired = double.getSession(sessionId);
        expect(expired.status).toBe('expired');
        expect(await orderRow(order.id)).toMatchObject({ status: 'pending_payment', totalFen: due });
        const pays = await paymentRows(order.id);
        expect(pays.map((p) => [p.id === paymentId, p.status, p.amountFen, p.providerSessionId])).toEqual([
          [true, 'cancelled', order.totalFen, sessionId],
          [false, 'pending', due, null],
        ]);

        // Stripe's expiry event for the old session cancels nothing.
        await receiveStripeEvent(app.db, double.event('checkout.session.expired', expired) as unknown as StripeEventLike, ctx());
        expect((await orderRow(order.id)).status).toBe('pending_payment');

        // Pay now: a new session for the reduced amount, with the live part's lines only.
        const again = await payNow(order.id);
        expect(again).toMatchObject({ ok: true });
        const [, current] = await paymentRows(order.id);
        const session = double.getSession(current!.providerSessionId!);
        expect(session).toMatchObject({ status: 'open', amount_total: due, metadata: { payment_id: current!.id } });
        const lines = double.requests.filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions').at(-1)!.params.line_items as { price_data: { product_data: { name: string } } }[];
        expect(lines.map((l) => l.price_data.product_data.name).some((name) => name.startsWith(zigui.title))).toBe(false);

        // The buyer pays it: the order is paid for the reduced amount, the ledger owes only the live part.
        const paid = double.completeSession(session.id);
        await receiveStripeEvent(app.db, double.event('checkout.session.completed', paid) as unknown as StripeEventLike, ctx());
        expect(await orderRow(order.id)).toMatchObject({ status: 'paid', totalFen: due });
        expect((await paymentRows(order.id)).map((p) => p.status)).toEqual(['cancelled', 'succeeded']);
        expect(await entriesOf(z.id)).toHaveLength(0);
        expect((await cooperativeOrderBalance(app.db, g.id)).netFen).toBe(due);
      });

      it('refuses to cancel while the buyer has just paid the session, changing nothing', async () => {
        const { order, z, sessionId } = await placedWithSession();
        const zStock = await stockOf(app.db, zigui.id);
        double.completeSession(sessionId); // paid at Stripe; the event is on its way
        expect(await cancelCooperativeOrder(app.db, stripe, { ...acting(z.cooperativeId, z.id), reason: '缺货' })).toEqual({ ok: false, problem: 'payment_in_progress' });
        expect((await coopRow(z.id)).status).toBe('awaiting_payment');
        expect(await orderRow(order.id)).toMatchObject({ status: 'pending_payment', totalFen: order.totalFen });
        expect((await paymentRows(order.id)).map((p) => p.status)).toEqual(['pending']);
        expect(await stockOf(app.db, zigui.id)).toBe(zStock);
      });

      it('refuses to cancel while Stripe cannot be reached, leaving the session open and the order unchanged', async () => {
        const { order, z, sessionId } = await placedWithSession();
        double.failNext(1, 503);
        expect(await cancelCooperativeOrder(app.db, stripe, { ...acting(z.cooperativeId, z.id), reason: '缺货' })).toEqual({ ok: false, problem: 'session_unavailable' });
        expect(double.getSession(sessionId).status).toBe('open');
        expect((await coopRow(z.id)).status).toBe('awaiting_payment');
        expect(await orderRow(order.id)).toMatchObject({ status: 'pending_payment', totalFen: order.totalFen });
        expect(await cancelCooperativeOrder(app.db, null, { ...acting(z.cooperativeId, z.id), reason: '缺货' })).toEqual({ ok: false, problem: 'session_unavailable' });
      });

      it('cancels the order when its last part is cancelled, with its session expired at Stripe', async () => {
        const { order, z, g, sessionId } = await placedWithSession();
        await cancelCooperativeOrder(app.db, stripe, { ...acting(z.cooperativeId, z.id), reason: '缺货' });
        expect(await cancelCooperativeOrder(app.db, stripe, { ...acting(g.cooperativeId, g.id), reason: '缺货' })).toEqual({ ok: true, changed: true, refund: null });
        expect(double.getSession(sessionId).status).toBe('expired');
        expect(await orderRow(order.id)).toMatchObject({ status: 'cancelled', cancelReason: 'cooperative_cancelled' });
        expect((await paymentRows(order.id)).map((p) => p.status)).toEqual(['cancelled', 'cancelled']);
        expect(await payNow(order.id)).toEqual({ ok: false, problem: 'not_payable' });
      });
    });
  });
});
