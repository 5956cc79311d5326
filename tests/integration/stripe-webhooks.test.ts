/**
 * Stripe's webhook and the expiry sweeper on real orders (the checkout model places them and
 * opens their sessions on the local Stripe double); events are signed with the real library.
 */
import crypto from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, jobs, orders, payments, productVariants, refunds, settlementEntries, webhookEvents, cooperativeOrders } from '~/db/schema';
import { ensureCart, addToCart } from '~/models/cart.server';
import { placeOrder, startOnlinePayment } from '~/models/checkout.server';
import { seedDemoData } from '~/models/demo-seed.server';
import { cancelUnpaidOrder, expireUnpaidOrdersJobHandler } from '~/models/orders.server';
import { createRefund } from '~/models/refunds.server';
import { STRIPE_SWEEP_JOB, stripeSweepJobHandler, sweepStripeCheckouts } from '~/models/stripe-webhooks.server';
import { action, loader } from '~/routes/webhooks.stripe/route';
import type { AppContext } from '~/utils/context.server';
import { queryRows } from '~/utils/db.server';
import { createStripePayments, type StripePayments } from '~/utils/payments/stripe.server';
import { DOUBLE_SECRET_KEY, signWebhook, StripeDouble } from '../doubles/stripe-double';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';

const WEBHOOK_SECRET = 'whsec_test_dibiao_webhook_secret';
const MINUTE = 60_000;
const QUANTITY = 2;

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

describeEachDriver('Stripe webhook and expiry sweeper', (t) => {
  let double: StripeDouble;
  let app: AppContext;
  let stripe: StripePayments;
  let nowMs = Date.now();
  const clock = () => new Date(nowMs);
  const logs: LogLine[] = [];
  let variantId: number;
  let regionCode: string;

  beforeAll(async () => {
    await seedDemoData(t.database.db, clock());
    double = await StripeDouble.start();
    double.setNow(() => nowMs);
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
    app = {
      ...createTestApp(t.database, { STRIPE_SECRET_KEY: DOUBLE_SECRET_KEY, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_PAYMENT_METHODS: 'card,alipay,wechat_pay' }, clock),
      logger,
    };
    stripe = createStripePayments({ secretKey: DOUBLE_SECRET_KEY, paymentMethods: ['card', 'alipay', 'wechat_pay'], timeoutMs: 1000, maxNetworkRetries: 0, now: clock, ...double.clientOptions });
    const [variant] = await queryRows<{ id: number }>(
      app.db,
      sql`SELECT v.id FROM product_variants v JOIN products p ON p.id = v.product_id JOIN cooperatives c ON c.id = p.cooperative_id
          WHERE v.active AND p.status = 'published' AND c.verification_status = 'verified' AND v.stock >= 100 ORDER BY v.id LIMIT 1`,
    );
    const [region] = await queryRows<{ code: string }>(
      app.db,
      sql`SELECT r.code FROM regions r WHERE r.level > 1 AND NOT EXISTS (SELECT 1 FROM regions c WHERE c.parent_code = r.code) ORDER BY r.code LIMIT 1`,
    );
    if (!variant || !region) throw new Error('the demo data has no orderable variant or delivery region');
    variantId = variant.id;
    regionCode = region.code;
  });
  afterAll(() => double?.close());

  async function stock(): Promise<number> {
    const [row] = await app.db.select({ stock: productVariants.stock }).from(productVariants).where(eq(productVariants.id, variantId));
    return row!.stock;
  }

  /** A guest's Stripe order through the checkout model, with its session open on the double. */
  async function placeStripeOrder() {
    const now = clock();
    const { cartId } = await ensureCart(app.db, { userId: null, guestCartId: null }, now);
    const owner = { userId: null, guestCartId: cartId };
    const added = await addToCart(app.db, { cartId, variantId, quantity: QUANTITY, now });
    expect(added).toMatchObject({ ok: true });
    const placed = await placeOrder(app.db, {
      owner,
      idempotencyKey: crypto.randomUUID(),
      address: { recipient: '张三', mobile: '13800138000', regionCode, detail: '解放大道 1 号' },
      contactEmail: 'buyer@example.com',
      paymentMethod: 'stripe',
      now,
      secret: app.sessionSecret,
      bankTransferExpiryHours: 48,
      stripeCheckoutExpiryMinutes: 60,
    });
    if (!placed.ok) throw new Error(`checkout refused: ${JSON.stringify(placed.problem)}`);
    const started = await startOnlinePayment(app.db, stripe, {
      orderId: placed.orderId,
      owner,
      successUrl: `https://shop.example/orders/${placed.orderId}?checkout=done`,
      cancelUrl: `https://shop.example/orders/${placed.orderId}`,
      stripeCheckoutExpiryMinutes: 60,
      now,
    });
    if (!started.ok) throw new Error(`session not started: ${started.problem}`);
    const [payment] = await app.db.select().from(payments).where(eq(payments.orderId, placed.orderId));
    return { orderId: placed.orderId, sessionId: payment!.providerSessionId!, paymentId: payment!.id };
  }

  async function orderState(orderId: string) {
    const [order] = await app.db.select().from(orders).where(eq(orders.id, orderId));
    const [payment] = await app.db.select().from(payments).where(eq(payments.orderId, orderId));
    const coops = await app.db.select({ status: cooperativeOrders.status }).from(cooperativeOrders).where(eq(cooperativeOrders.orderId, orderId));
    return { order: order!, payment: payment!, coopStatuses: coops.map((c) => c.status) };
  }

  async function auditsFor(orderId: string) {
    return app.db.select().from(auditEvents).where(eq(auditEvents.entityId, orderId));
  }

  function webhookRequest(event: object, { secret = WEBHOOK_SECRET, timestamp = Math.floor(nowMs / 1000) } = {}) {
    const { body, signature } = signWebhook(event, secret, timestamp);
    return new Request('http://localhost/webhooks/stripe', { method: 'POST', headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature }, body });
  }

  async function deliver(event: object, options?: { secret?: string; timestamp?: number }) {
    return action({ request: webhookRequest(event, options), params: {}, context: { app } });
  }

  describe('the route', () => {
    it('answers 405 to anything but POST', async () => {
      const get = loader();
      expect(get.status).toBe(405);
      expect(get.headers.get('Allow')).toBe('POST');
      const put = await action({ request: new Request('http://localhost/webhooks/stripe', { method: 'PUT', body: '{}' }), params: {}, context: { app } });
      expect(put.status).toBe(405);
    });

    it('answers 400 to a missing body or signature, a bad signature or an old one, and stores nothing', async () => {
      const event = double.event('checkout.session.expired', { id: 'cs_test_forged', object: 'checkout.session' });
      const noBody = new Request('http://localhost/webhooks/stripe', { method: 'POST', headers: { 'Stripe-Signature': 't=1,v1=00' } });
      expect((await action({ request: noBody, params: {}, context: { app } })).status).toBe(400);
      const unsigned = new Request('http://localhost/webhooks/stripe', { method: 'POST', body: JSON.stringify(event) });
      expect((await action({ request: unsigned, params: {}, context: { app } })).status).toBe(400);
      expect((await deliver(event, { secret: 'whsec_not_ours' })).status).toBe(400);
      expect((await deliver(event, { timestamp: Math.floor(nowMs / 1000) - 301 })).status).toBe(400);

      const tampered = webhookRequest(event);
      const body = (await tampered.text()).replace('cs_test_forged', 'cs_test_forgeD');
      const retyped = new Request(tampered.url, { method: 'POST', headers: tampered.headers, body });
      expect((await action({ request: retyped, params: {}, context: { app } })).status).toBe(400);

      expect(await app.db.select().from(webhookEvents).where(eq(webhookEvents.id, event.id))).toHaveLength(0);
    });

    it('answers 404 while STRIPE_WEBHOOK_SECRET is not set', async () => {
      const withoutSecret = { ...app, env: { ...app.env, STRIPE_WEBHOOK_SECRET: undefined } };
      const event = double.event('customer.created', { id: 'cus_0', object: 'customer' });
      const response = await action({ request: webhookRequest(event), params: {}, context: { app: withoutSecret } });
      expect(response.status).toBe(404);
      expect(await app.db.select().from(webhookEvents).where(eq(webhookEvents.id, event.id))).toHaveLength(0);
    });

    it('answers 200 and stores a verified event of a type it does not handle', async () => {
      const event = double.event('customer.created', { id: 'cus_1', object: 'customer' });
      const response = await deliver(event);
      expect(response.status).toBe(200);
      const [row] = await app.db.select().from(webhookEvents).where(eq(webhookEvents.id, event.id));
      expect(row).toMatchObject({ type: 'customer.created', payload: event, lastError: null });
      expect(row!.processedAt).not.toBeNull();
    });
  });

  describe('checkout events', () => {
    it('makes one paid order of a completed event delivered three times at once, and again after a late expired event', async () => {
      const stockBefore = await stock();
      const { orderId, sessionId } = await placeStripeOrder();
      expect(await stock()).toBe(stockBefore - QUANTITY);

      const paid = double.completeSession(sessionId);
      const completed = double.event('checkout.session.completed', paid);
      const expired = double.event('checkout.session.expired', { ...paid, status: 'expired', payment_status: 'unpaid' });
      // Stripe may deliver one event several times at once, and late ones after later ones.
      const answers = await Promise.all([deliver(completed), deliver(completed), deliver(completed)]);
      expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
      expect((await deliver(expired)).status).toBe(200);
      expect(await (await deliver(completed)).json()).toEqual({ received: true, outcome: 'duplicate' });

      const state = await orderState(orderId);
      expect(state.order.status).toBe('paid');
      expect(state.payment).toMatchObject({ status: 'succeeded', providerSessionId: sessionId, providerPaymentIntentId: paid.payment_intent });
      expect(state.coopStatuses.every((s) => s === 'awaiting_shipment')).toBe(true);
      expect(await stock()).toBe(stockBefore - QUANTITY);
      const audits = await auditsFor(orderId);
      expect(audits.filter((a) => a.action === 'payment.confirmed')).toHaveLength(1);
      expect(audits.filter((a) => a.action === 'order.cancelled')).toHaveLength(0);

      const stored = await app.db.select().from(webhookEvents).where(sql`${webhookEvents.id} IN (${completed.id}, ${expired.id})`);
      expect(stored).toHaveLength(2);
      expect(stored.every((e) => e.processedAt !== null && e.lastError === null)).toBe(true);
    });

    it('releases the stock of an expired session, once however often the event comes', async () => {
      const stockBefore = await stock();
      const { orderId, sessionId } = await placeStripeOrder();
      const expired = double.event('checkout.session.expired', double.expireSession(sessionId));
      expect((await deliver(expired)).status).toBe(200);
      expect((await deliver(expired)).status).toBe(200);

      const state = await orderState(orderId);
      expect(state.order).toMatchObject({ status: 'cancelled', cancelReason: 'payment_expired' });
      expect(state.payment.status).toBe('expired');
      expect(state.coopStatuses.every((s) => s === 'cancelled')).toBe(true);
      expect(await stock()).toBe(stockBefore);
    });

    it('waits on a completed session that is still unpaid, then pays it when the async payment succeeds', async () => {
      const { orderId, sessionId } = await placeStripeOrder();
      await deliver(double.event('checkout.session.completed', double.completeSession(sessionId, { paymentStatus: 'unpaid' })));
      expect((await orderState(orderId)).order.status).toBe('pending_payment');
      await deliver(double.event('checkout.session.async_payment_succeeded', double.succeedAsyncPayment(sessionId)));
      expect((await orderState(orderId)).order.status).toBe('paid');
    });

    it('cancels the order and releases its stock when the async payment fails', async () => {
      const stockBefore = await stock();
      const { orderId, sessionId } = await placeStripeOrder();
      await deliver(double.event('checkout.session.completed', double.completeSession(sessionId, { paymentStatus: 'unpaid' })));
      await deliver(double.event('checkout.session.async_payment_failed', double.failAsyncPayment(sessionId)));
      const state = await orderState(orderId);
      expect(state.order).toMatchObject({ status: 'cancelled', cancelReason: 'payment_failed' });
      expect(state.payment.status).toBe('failed');
      expect(await stock()).toBe(stockBefore);
    });

    it('records money received for an order already cancelled for a coordinator, and never revives the order', async () => {
      const { orderId, sessionId } = await placeStripeOrder();
      await cancelUnpaidOrder(app.db, { orderId, reason: 'payment_expired', now: clock() });
      const stockAfterCancel = await stock();
      logs.length = 0;

      const paid = double.completeSession(sessionId);
      const completed = double.event('checkout.session.completed', paid);
      expect((await deliver(completed)).status).toBe(200);
      // Stripe delivers again: the event is applied once, so the coordinator sees one entry.
      expect(await (await deliver(completed)).json()).toEqual({ received: true, outcome: 'duplicate' });

      const state = await orderState(orderId);
      expect(state.order.status).toBe('cancelled');
      expect(state.payment).toMatchObject({ status: 'expired', providerPaymentIntentId: paid.payment_intent });
      expect(await stock()).toBe(stockAfterCancel);
      const anomaly = (await auditsFor(orderId)).filter((a) => a.action === 'payment.received_for_cancelled_order');
      expect(anomaly).toHaveLength(1);
      expect(anomaly[0]!.data).toMatchObject({ sessionId, paymentIntentId: paid.payment_intent, amountFen: paid.amount_total, orderStatus: 'cancelled' });
      expect(logs.filter((l) => l.level === 40 && l.orderId === orderId)).toHaveLength(1);
    });

    it('records a payment of another amount than the order total, and leaves the order unpaid', async () => {
      const { orderId, sessionId } = await placeStripeOrder();
      const paid = double.completeSession(sessionId);
      await deliver(double.event('checkout.session.completed', { ...paid, amount_total: paid.amount_total - 1 }));
      expect((await orderState(orderId)).order.status).toBe('pending_payment');
      const anomaly = (await auditsFor(orderId)).filter((a) => a.action === 'payment.amount_mismatch');
      expect(anomaly).toHaveLength(1);
      expect(anomaly[0]!.data).toMatchObject({ amountFen: paid.amount_total - 1, expectedFen: paid.amount_total });
    });

    it('ignores a session that belongs to no order of ours', async () => {
      const response = await deliver(
        double.event('checkout.session.completed', { id: 'cs_test_elsewhere', object: 'checkout.session', status: 'complete', payment_status: 'paid', payment_intent: 'pi_x', amount_total: 100, currency: 'cny', expires_at: 1, metadata: {}, client_reference_id: 'not-a-uuid' }),
      );
      expect(response.status).toBe(200);
    });
  });

  describe('refund events', () => {
    async function paidOrderWithRefund(refundStatus: 'pending' | 'succeeded') {
      const { orderId, sessionId, paymentId } = await placeStripeOrder();
      const paid = double.completeSession(sessionId);
      await deliver(double.event('checkout.session.completed', paid));
      const [coop] = await app.db.select().from(cooperativeOrders).where(eq(cooperativeOrders.orderId, orderId));
      double.setRefundStatus(refundStatus);
      const result = await stripe.refund({ paymentIntentId: paid.payment_intent!, amountFen: 500, idempotencyKey: crypto.randomUUID(), metadata: { cooperativeOrderId: coop!.id } });
      double.setRefundStatus('succeeded');
      // The refund model (part 2) is not written yet: its row is inserted as it would record it.
      const [row] = await app.db
        .insert(refunds)
        .values({ paymentId, cooperativeOrderId: coop!.id, amountFen: 500, status: result.status, providerRefundId: result.providerRefundId, reason: 'test' })
        .returning();
      return { orderId, paymentIntentId: paid.payment_intent!, refund: row! };
    }

    it('moves a pending refund to succeeded, and audits one that fails afterwards', async () => {
      const { orderId, refund } = await paidOrderWithRefund('pending');
      await deliver(double.event('refund.updated', double.settleRefund(refund.providerRefundId!, 'succeeded')));
      expect((await app.db.select().from(refunds).where(eq(refunds.id, refund.id)))[0]!.status).toBe('succeeded');

      await deliver(double.event('refund.failed', double.settleRefund(refund.providerRefundId!, 'failed')));
      expect((await app.db.select().from(refunds).where(eq(refunds.id, refund.id)))[0]!.status).toBe('failed');
      const [audit] = await app.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'refund.failed'), eq(auditEvents.entityId, refund.id)));
      expect(audit!.data).toMatchObject({ orderId, amountFen: 500 });

      // A late "succeeded" never undoes the failure.
      await deliver(double.event('refund.updated', { ...double.refunds.get(refund.providerRefundId!)!, status: 'succeeded' }));
      expect((await app.db.select().from(refunds).where(eq(refunds.id, refund.id)))[0]!.status).toBe('failed');
    });

    it('accepts charge.refunded for the refunds recorded here, and audits an amount refunded outside the app', async () => {
      const { orderId, paymentIntentId } = await paidOrderWithRefund('succeeded');
      expect((await deliver(double.event('charge.refunded', double.chargeFor(paymentIntentId)))).status).toBe(200);
      expect((await auditsFor(orderId)).filter((a) => a.action === 'refund.unrecorded')).toHaveLength(0);

      await stripe.refund({ paymentIntentId, amountFen: 700, idempotencyKey: crypto.randomUUID() });
      await deliver(double.event('charge.refunded', double.chargeFor(paymentIntentId)));
      const unrecorded = (await auditsFor(orderId)).filter((a) => a.action === 'refund.unrecorded');
      expect(unrecorded).toHaveLength(1);
      expect(unrecorded[0]!.data).toMatchObject({ refundedAtStripeFen: 1200, recordedFen: 500 });
    });
  });

  describe('a refund of one cooperative order settled by its events', () => {
    /** A guest's paid Stripe order with a part from each of two cooperatives. */
    async function paidTwoCooperativeOrder() {
      const [first, second] = await queryRows<{ id: number; cooperative_id: number }>(
        app.db,
        sql`SELECT DISTINCT ON (p.cooperative_id) v.id, p.cooperative_id FROM product_variants v JOIN products p ON p.id = v.product_id
            JOIN cooperatives c ON c.id = p.cooperative_id
            WHERE v.active AND p.status = 'published' AND c.verification_status = 'verified' AND v.stock >= 10
            ORDER BY p.cooperative_id, v.id LIMIT 2`,
      );
      if (!first || !second) throw new Error('the demo data has no two cooperatives with stock');
      const now = clock();
      const { cartId } = await ensureCart(app.db, { userId: null, guestCartId: null }, now);
      const owner = { userId: null, guestCartId: cartId };
      for (const variant of [first, second]) await addToCart(app.db, { cartId, variantId: variant.id, quantity: 1, now });
      const placed = await placeOrder(app.db, {
        owner,
        idempotencyKey: crypto.randomUUID(),
        address: { recipient: '张三', mobile: '13800138000', regionCode, detail: '解放大道 1 号' },
        contactEmail: 'buyer@example.com',
        paymentMethod: 'stripe',
        now,
        secret: app.sessionSecret,
        bankTransferExpiryHours: 48,
        stripeCheckoutExpiryMinutes: 60,
      });
      if (!placed.ok) throw new Error(`checkout refused: ${JSON.stringify(placed.problem)}`);
      const started = await startOnlinePayment(app.db, stripe, {
        orderId: placed.orderId,
        owner,
        successUrl: `https://shop.example/orders/${placed.orderId}?checkout=done`,
        cancelUrl: `https://shop.example/orders/${placed.orderId}`,
        stripeCheckoutExpiryMinutes: 60,
        now,
      });
      if (!started.ok) throw new Error(`session not started: ${started.problem}`);
      const [payment] = await app.db.select().from(payments).where(eq(payments.orderId, placed.orderId));
      const paid = double.completeSession(payment!.providerSessionId!);
      expect((await deliver(double.event('checkout.session.completed', paid))).status).toBe(200);
      const coops = await app.db.select().from(cooperativeOrders).where(eq(cooperativeOrders.orderId, placed.orderId));
      expect(coops.map((c) => c.status)).toEqual(['awaiting_shipment', 'awaiting_shipment']);
      return {
        orderId: placed.orderId,
        paymentIntentId: paid.payment_intent!,
        refunded: coops.find((c) => c.cooperativeId === first.cooperative_id)!,
        other: coops.find((c) => c.cooperativeId === second.cooperative_id)!,
      };
    }

    const ledgerOf = (cooperativeOrderId: string) =>
      app.db
        .select({ id: settlementEntries.id, kind: settlementEntries.kind, amountFen: settlementEntries.amountFen, refundId: settlementEntries.refundId })
        .from(settlementEntries)
        .where(eq(settlementEntries.cooperativeOrderId, cooperativeOrderId))
        .orderBy(settlementEntries.id);

    /** Refunds 500 fen of one part through the refund model; Stripe answers the refund pending. */
    async function pendingRefund(cooperativeOrder: { id: string; cooperativeId: number }) {
      double.setRefundStatus('pending');
      const outcome = await createRefund(app.db, stripe, {
        cooperativeOrderId: cooperativeOrder.id,
        cooperativeId: cooperativeOrder.cooperativeId,
        amountFen: 500,
        reason: '部分破损',
        actorUserId: null,
        now: clock(),
      });
      double.setRefundStatus('succeeded');
      expect(outcome).toMatchObject({ ok: true, status: 'pending' });
      if (!outcome.ok) throw new Error('refund refused');
      return outcome.refundId;
    }

    async function expectOneRefundEntry(order: Awaited<ReturnType<typeof paidTwoCooperativeOrder>>, refundId: string, otherLedger: unknown) {
      const ledger = await ledgerOf(order.refunded.id);
      expect(ledger.filter((e) => e.kind === 'refund')).toEqual([expect.objectContaining({ amountFen: -500, refundId })]);
      expect(ledger.reduce((sum, e) => sum + e.amountFen, 0)).toBe(order.refunded.goodsFen + order.refunded.shippingFen - 500);
      expect(await ledgerOf(order.other.id)).toEqual(otherLedger);
      const [refunded] = await app.db.select().from(cooperativeOrders).where(eq(cooperativeOrders.id, order.refunded.id));
      const [other] = await app.db.select().from(cooperativeOrders).where(eq(cooperativeOrders.id, order.other.id));
      const [row] = await app.db.select().from(orders).where(eq(orders.id, order.orderId));
      expect([refunded!.refundedFen, other!.refundedFen, row!.refundedFen]).toEqual([500, 0, 500]);
      expect((await app.db.select().from(refunds).where(eq(refunds.id, refundId)))[0]!.status).toBe('succeeded');
    }

    it('writes one negative entry for that cooperative order when refund.updated says succeeded, however often it comes', async () => {
      const order = await paidTwoCooperativeOrder();
      const otherLedger = await ledgerOf(order.other.id);
      expect(otherLedger.map((e) => e.kind).sort()).toContain('goods');
      const refundId = await pendingRefund(order.refunded);
      const [row] = await app.db.select().from(refunds).where(eq(refunds.id, refundId));
      expect(row!.providerRefundId).toMatch(/^re_/);
      // Pending at Stripe: nothing in the ledger yet.
      expect((await ledgerOf(order.refunded.id)).filter((e) => e.kind === 'refund')).toEqual([]);

      const updated = double.event('refund.updated', double.settleRefund(row!.providerRefundId!, 'succeeded'));
      expect((await deliver(updated)).status).toBe(200);
      expect((await deliver(updated)).status).toBe(200);
      // The same news in another event, and two at once: still applied once.
      const again = double.event('refund.updated', double.refunds.get(row!.providerRefundId!)!);
      expect((await Promise.all([deliver(again), deliver(again)])).map((r) => r.status)).toEqual([200, 200]);
      await expectOneRefundEntry(order, refundId, otherLedger);
    });

    it('writes one negative entry when charge.refunded carries the refund (API versions before 2022-11-15), delivered twice', async () => {
      const order = await paidTwoCooperativeOrder();
      const otherLedger = await ledgerOf(order.other.id);
      const refundId = await pendingRefund(order.refunded);
      const [row] = await app.db.select().from(refunds).where(eq(refunds.id, refundId));
      const settled = double.settleRefund(row!.providerRefundId!, 'succeeded');
      const charge = { ...double.chargeFor(order.paymentIntentId), refunds: { object: 'list', data: [settled], has_more: false, url: '/v1/refunds' } };
      const event = double.event('charge.refunded', charge);
      expect((await deliver(event)).status).toBe(200);
      expect((await deliver(event)).status).toBe(200);
      expect((await deliver(double.event('charge.refunded', charge))).status).toBe(200);
      await expectOneRefundEntry(order, refundId, otherLedger);
      expect((await auditsFor(order.orderId)).filter((a) => a.action === 'refund.unrecorded')).toHaveLength(0);
    });

    it('finds the refund by the row id in its metadata when the event beats the answer to the refund call', async () => {
      const order = await paidTwoCooperativeOrder();
      const otherLedger = await ledgerOf(order.other.id);
      // Stripe makes the refund but answers after the client gave up: the row stays pending without Stripe's id.
      double.setRefundStatus('pending');
      double.setLatency(1500);
      const outcome = await createRefund(app.db, stripe, {
        cooperativeOrderId: order.refunded.id,
        cooperativeId: order.refunded.cooperativeId,
        amountFen: 500,
        reason: '部分破损',
        actorUserId: null,
        now: clock(),
      });
      double.setLatency(0);
      double.setRefundStatus('succeeded');
      expect(outcome).toMatchObject({ ok: false, problem: 'provider_unavailable' });
      const refundId = outcome.ok ? '' : outcome.refundId!;
      expect((await app.db.select().from(refunds).where(eq(refunds.id, refundId)))[0]).toMatchObject({ status: 'pending', providerRefundId: null });
      const atStripe = [...double.refunds.values()].find((r) => r.metadata.refundId === refundId)!;

      expect((await deliver(double.event('refund.updated', double.settleRefund(atStripe.id, 'succeeded')))).status).toBe(200);
      await expectOneRefundEntry(order, refundId, otherLedger);
      expect((await app.db.select().from(refunds).where(eq(refunds.id, refundId)))[0]!.providerRefundId).toBe(atStripe.id);
    });
  });

  describe('the expiry sweeper', () => {
    it('applies the real state of sessions whose events never came', async () => {
      const stockBefore = await stock();
      const paidButMissed = await placeStripeOrder();
      const expiredButMissed = await placeStripeOrder();
      const openPastExpiry = await placeStripeOrder();
      const paid = double.completeSession(paidButMissed.sessionId);
      double.expireSession(expiredButMissed.sessionId);

      nowMs += 61 * MINUTE;
      const report = await sweepStripeCheckouts(app.db, stripe, { now: clock(), logger: app.logger });
      expect(report.unavailable).toBe(0);

      expect((await orderState(paidButMissed.orderId)).order.status).toBe('paid');
      expect((await orderState(paidButMissed.orderId)).payment.providerPaymentIntentId).toBe(paid.payment_intent);
      expect((await orderState(expiredButMissed.orderId)).order).toMatchObject({ status: 'cancelled', cancelReason: 'payment_expired' });
      // Still open at Stripe after its expiry: expired there first, so it can no longer be paid.
      expect(double.getSession(openPastExpiry.sessionId).status).toBe('expired');
      expect((await orderState(openPastExpiry.orderId)).order.status).toBe('cancelled');
      expect(await stock()).toBe(stockBefore - QUANTITY);

      const again = await sweepStripeCheckouts(app.db, stripe, { now: clock(), logger: app.logger });
      expect(again).toMatchObject({ paid: 0, cancelled: 0 });
    });

    it('leaves sessions alone before their expiry, and orders unchanged while Stripe cannot be reached', async () => {
      const early = await placeStripeOrder();
      nowMs += 35 * MINUTE;
      await sweepStripeCheckouts(app.db, stripe, { now: clock(), logger: app.logger });
      expect(double.getSession(early.sessionId).status).toBe('open');
      expect((await orderState(early.orderId)).order.status).toBe('pending_payment');

      nowMs += 30 * MINUTE;
      double.failNext(1000, 503);
      const report = await sweepStripeCheckouts(app.db, stripe, { now: clock(), logger: app.logger });
      double.failNext(0);
      expect(report.unavailable).toBeGreaterThan(0);
      expect((await orderState(early.orderId)).order.status).toBe('pending_payment');
    });

    it('takes over Stripe orders the unpaid-orders sweep finds past their deadline: paid without an event → paid, still open → expired at Stripe, then cancelled', async () => {
      const paidButMissed = await placeStripeOrder();
      const stillOpen = await placeStripeOrder();
      double.completeSession(paidButMissed.sessionId);
      const due = (await orderState(stillOpen.orderId)).order.paymentDueAt!;
      nowMs = due.getTime() + MINUTE;
      // Open at Stripe past its expiry, as a session may be for a moment before Stripe expires it.
      expect(double.getSession(stillOpen.sessionId).status).toBe('open');
      await app.db.delete(jobs).where(eq(jobs.kind, STRIPE_SWEEP_JOB));
      const jobContext = { db: app.db, now: clock, logger: app.logger, jobId: 0, attempt: 1 };

      await expireUnpaidOrdersJobHandler({}, jobContext);
      // The clock alone would have cancelled a paid order and left a payable session open.
      expect((await orderState(paidButMissed.orderId)).order.status).toBe('pending_payment');
      expect((await orderState(stillOpen.orderId)).order.status).toBe('pending_payment');
      const handedOver = await app.db.select().from(jobs).where(and(eq(jobs.kind, STRIPE_SWEEP_JOB), eq(jobs.status, 'pending')));
      expect(handedOver.map((j) => j.runAt.getTime())).toEqual([nowMs]);

      await stripeSweepJobHandler(stripe)({}, jobContext);
      expect((await orderState(paidButMissed.orderId)).order.status).toBe('paid');
      expect(double.getSession(stillOpen.sessionId).status).toBe('expired');
      expect((await orderState(stillOpen.orderId)).order).toMatchObject({ status: 'cancelled', cancelReason: 'payment_expired' });
      expect((await auditsFor(paidButMissed.orderId)).filter((a) => a.action === 'payment.received_for_cancelled_order')).toHaveLength(0);
    });

    it('retries a stored event whose processing never finished', async () => {
      const { orderId, sessionId } = await placeStripeOrder();
      const event = double.event('checkout.session.completed', double.completeSession(sessionId));
      await app.db.insert(webhookEvents).values({ id: event.id, type: event.type, payload: event, receivedAt: clock(), lastError: 'connection reset' });
      nowMs += 11 * MINUTE;
      const report = await sweepStripeCheckouts(app.db, stripe, { now: clock(), logger: app.logger });
      expect(report.retriedEvents).toBeGreaterThanOrEqual(1);
      expect((await orderState(orderId)).order.status).toBe('paid');
      const [row] = await app.db.select().from(webhookEvents).where(eq(webhookEvents.id, event.id));
      expect(row).toMatchObject({ lastError: null });
      expect(row!.processedAt).not.toBeNull();
    });

    it('runs as the payments.stripe-sweep job, which schedules the next sweep while Stripe payments are pending', async () => {
      const { orderId, sessionId } = await placeStripeOrder();
      double.expireSession(sessionId);
      nowMs += 31 * MINUTE;
      await app.db.delete(jobs).where(eq(jobs.kind, STRIPE_SWEEP_JOB));
      await placeStripeOrder();
      await stripeSweepJobHandler(stripe)({}, { db: app.db, now: clock, logger: app.logger, jobId: 0, attempt: 1 });
      expect((await orderState(orderId)).order.status).toBe('cancelled');
      const next = await app.db.select().from(jobs).where(and(eq(jobs.kind, STRIPE_SWEEP_JOB), eq(jobs.status, 'pending')));
      expect(next).toHaveLength(1);
      expect(next[0]!.runAt.getTime()).toBeGreaterThan(nowMs);

      await expect(stripeSweepJobHandler(null)({}, { db: app.db, now: clock, logger: app.logger, jobId: 0, attempt: 1 })).resolves.toBeUndefined();
    });
  });
});
