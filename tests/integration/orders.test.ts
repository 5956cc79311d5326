import { and, eq, inArray } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, cooperativeMembers, cooperativeOrders, jobs, notifications, orders, payments, settlementEntries } from '~/db/schema';
import { STRIPE_SWEEP_JOB } from '~/models/stripe-sweep-job.server';
import { seedDemoData } from '~/models/demo-seed.server';
import {
  cancelUnpaidOrder,
  confirmCashOnDelivery,
  COOPERATIVE_ORDER_TRANSITIONS,
  EXPIRE_UNPAID_ORDERS_JOB,
  expireUnpaidOrdersJobHandler,
  getOrderForPayment,
  IllegalTransitionError,
  markOrderPaid,
  markPaymentFailed,
  ORDER_TRANSITIONS,
  PAYMENT_TRANSITIONS,
  PaymentAmountMismatchError,
  STRIPE_ORDER_BACKSTOP_MS,
  transitionCooperativeOrder,
  transitionOrder,
  transitionPayment,
  type CooperativeOrderStatus,
  type OrderStatus,
  type PaymentStatus,
} from '~/models/orders.server';
import { action as addressesAction, loader as addressesLoader } from '~/routes/account.addresses/route';
import { action as paymentsAction, loader as paymentsLoader } from '~/routes/coordinator.payments/route';
import { loader as orderLoader } from '~/routes/orders.$id/route';
import { loader as ordersLoader } from '~/routes/orders._index/route';
import type { AppContext } from '~/utils/context.server';
import { createJobRunner, type JobContext } from '~/utils/jobs.server';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';
import {
  callRoute,
  checkout,
  dataOf,
  GANNAN,
  getPage,
  guestCartWith,
  postForm,
  redirectOf,
  sessionCookieFor,
  stockOf,
  userCartWith,
  userIdByEmail,
  variantOf,
  ZIGUI,
  type RouteHandler,
  type VariantFacts,
} from '../fixtures/checkout';

const DEMO = 'demo.dibiao.example';
const HOUR = 3_600_000;

describeEachDriver('orders', (t) => {
  let clock = new Date('2020-02-14T02:00:00Z');
  let app: AppContext;
  let zigui: VariantFacts;
  let gannan: VariantFacts;
  let customerId: string;

  beforeAll(async () => {
    app = createTestApp(t.database, {}, () => clock);
    await seedDemoData(app.db, clock);
    zigui = await variantOf(app.db, ZIGUI);
    gannan = await variantOf(app.db, GANNAN);
    customerId = await userIdByEmail(app.db, `customer@${DEMO}`);
  });

  /** A placed two-cooperative order (bank transfer unless said otherwise). */
  async function placed(options: Parameters<typeof checkout>[2] = {}, owner?: Awaited<ReturnType<typeof guestCartWith>>) {
    const cart =
      owner ??
      (await guestCartWith(app, [
        { variantId: zigui.id, quantity: 1 },
        { variantId: gannan.id, quantity: 1 },
      ]));
    const result = await checkout(app, cart, options);
    if (!result.ok) throw new Error(`checkout refused: ${result.problem.code}`);
    const [order] = await app.db.select().from(orders).where(eq(orders.id, result.orderId));
    return { ...result, totalFen: order!.totalFen };
  }

  const orderOf = async (id: string) => (await app.db.select().from(orders).where(eq(orders.id, id)))[0]!;
  const paymentOf = async (id: string) => (await app.db.select().from(payments).where(eq(payments.orderId, id)))[0]!;
  const coopsOf = (id: string) => app.db.select().from(cooperativeOrders).where(eq(cooperativeOrders.orderId, id)).orderBy(cooperativeOrders.cooperativeId);
  const settlementOf = (id: string) =>
    app.db
      .select({ kind: settlementEntries.kind, amountFen: settlementEntries.amountFen, cooperativeId: settlementEntries.cooperativeId })
      .from(settlementEntries)
      .innerJoin(cooperativeOrders, eq(cooperativeOrders.id, settlementEntries.cooperativeOrderId))
      .where(eq(cooperativeOrders.orderId, id));
  const jobContext = (): JobContext => ({ db: app.db, now: () => clock, logger: app.logger, jobId: 0, attempt: 1 });

  describe('state machines', () => {
    function pairs<S extends string>(table: Readonly<Record<S, readonly S[]>>) {
      const states = Object.keys(table) as S[];
      return states.flatMap((from) => states.filter((to) => to !== from).map((to) => ({ from, to, legal: table[from].includes(to) })));
    }

    it('moves an order only along the transitions in its table', async () => {
      const { orderId } = await placed();
      for (const { from, to, legal } of pairs<OrderStatus>(ORDER_TRANSITIONS)) {
        await app.db.update(orders).set({ status: from, paidAt: clock }).where(eq(orders.id, orderId));
        const attempt = transitionOrder(app.db, { orderId, to, now: clock, notifyBuyer: false });
        if (legal) await expect(attempt, `${from} → ${to}`).resolves.toEqual({ changed: true, from });
        else await expect(attempt, `${from} → ${to}`).rejects.toBeInstanceOf(IllegalTransitionError);
        expect((await orderOf(orderId)).status).toBe(legal ? to : from);
      }
      expect(pairs<OrderStatus>(ORDER_TRANSITIONS).filter((p) => p.legal).map((p) => `${p.from}→${p.to}`)).toEqual([
        'pending_payment→paid',
        'pending_payment→cancelled',
        'paid→completed',
        'paid→cancelled',
      ]);
    });

    it('moves a cooperative order only along the transitions in its table', async () => {
      const { orderId } = await placed();
      const [coop] = await coopsOf(orderId);
      for (const { from, to, legal } of pairs<CooperativeOrderStatus>(COOPERATIVE_ORDER_TRANSITIONS)) {
        await app.db.update(cooperativeOrders).set({ status: from }).where(eq(cooperativeOrders.id, coop!.id));
        const attempt = transitionCooperativeOrder(app.db, { cooperativeOrderId: coop!.id, to, now: clock, shipment: { carrier: '顺丰', trackingNumber: 'SF1234567890' }, notifyBuyer: false });
        if (legal) await expect(attempt, `${from} → ${to}`).resolves.toEqual({ changed: true, from });
        else await expect(attempt, `${from} → ${to}`).rejects.toBeInstanceOf(IllegalTransitionError);
      }
      expect(COOPERATIVE_ORDER_TRANSITIONS.shipped).toEqual(['delivered']);
      expect(COOPERATIVE_ORDER_TRANSITIONS.delivered).toEqual([]);
    });

    it('moves a payment only from pending, and never out of a final state', async () => {
      const { orderId } = await placed();
      const payment = await paymentOf(orderId);
      for (const { from, to, legal } of pairs<PaymentStatus>(PAYMENT_TRANSITIONS)) {
        await app.db.update(payments).set({ status: from }).where(eq(payments.id, payment.id));
        const attempt = transitionPayment(app.db, { paymentId: payment.id, to, now: clock });
        if (legal) await expect(attempt, `${from} → ${to}`).resolves.toEqual({ changed: true, from });
        else await expect(attempt, `${from} → ${to}`).rejects.toBeInstanceOf(IllegalTransitionError);
      }
    });

    it('treats a repeat of the current status as no change, and tells the buyer about a shipment with its tracking number', async () => {
      const { orderId } = await placed({}, await userCartWith(app, customerId, [{ variantId: zigui.id, quantity: 1 }]));
      const [coop] = await coopsOf(orderId);
      await app.db.update(cooperativeOrders).set({ status: 'awaiting_shipment' }).where(eq(cooperativeOrders.id, coop!.id));
      await transitionCooperativeOrder(app.db, { cooperativeOrderId: coop!.id, to: 'shipped', now: clock, shipment: { carrier: '中国邮政', trackingNumber: 'EMS9876543210' } });
      expect(await transitionCooperativeOrder(app.db, { cooperativeOrderId: coop!.id, to: 'shipped', now: clock })).toEqual({ changed: false, from: 'shipped' });
      const [note] = await app.db.select().from(notifications).where(and(eq(notifications.userId, customerId), eq(notifications.kind, 'cooperative_order.shipped')));
      expect(note!.body).toContain('EMS9876543210');
      expect(note!.link).toBe(`/orders/${orderId}`);
    });
  });

  describe('markOrderPaid (the provider says paid)', () => {
    it('pays a pending order once: payment succeeded, cooperative orders ready to ship, settlement recorded once', async () => {
      const order = await placed({ paymentMethod: 'stripe' });
      const input = { orderId: order.orderId, providerSessionId: 'cs_test_1', paymentIntentId: 'pi_test_1', amountFen: order.totalFen, now: clock };
      expect(await markOrderPaid(app.db, input)).toEqual({ changed: true, orderStatus: 'paid' });
      expect(await markOrderPaid(app.db, input)).toEqual({ changed: false, orderStatus: 'paid' });
      expect(await orderOf(order.orderId)).toMatchObject({ status: 'paid', paidAt: clock });
      expect(await paymentOf(order.orderId)).toMatchObject({ status: 'succeeded', providerSessionId: 'cs_test_1', providerPaymentIntentId: 'pi_test_1' });
      expect((await coopsOf(order.orderId)).map((c) => c.status)).toEqual(['awaiting_shipment', 'awaiting_shipment']);
      const ledger = await settlementOf(order.orderId);
      const expected = [
        { kind: 'goods', amountFen: zigui.priceFen, cooperativeId: zigui.cooperativeId },
        { kind: 'goods', amountFen: gannan.priceFen, cooperativeId: gannan.cooperativeId },
        { kind: 'shipping', amountFen: gannan.shippingFlatFeeFen, cooperativeId: gannan.cooperativeId },
      ];
      const key = (e: { kind: string; cooperativeId: number }) => `${e.cooperativeId}:${e.kind}`;
      expect(ledger.sort((a, b) => key(a).localeCompare(key(b)))).toEqual(expected.sort((a, b) => key(a).localeCompare(key(b))));
      expect(ledger.reduce((s, e) => s + e.amountFen, 0)).toBe(order.totalFen);
    });

    it('changes exactly once when the same event arrives many times at once', async () => {
      const order = await placed({ paymentMethod: 'stripe' });
      const results = await Promise.all(Array.from({ length: 6 }, () => markOrderPaid(app.db, { orderId: order.orderId, amountFen: order.totalFen, now: clock })));
      expect(results.filter((r) => r.changed)).toHaveLength(1);
      expect(await settlementOf(order.orderId)).toHaveLength(3);
    });

    it('refuses an amount that is not the order total and changes nothing', async () => {
      const order = await placed({ paymentMethod: 'stripe' });
      await expect(markOrderPaid(app.db, { orderId: order.orderId, amountFen: order.totalFen - 1, now: clock })).rejects.toBeInstanceOf(PaymentAmountMismatchError);
      expect((await orderOf(order.orderId)).status).toBe('pending_payment');
      expect((await paymentOf(order.orderId)).status).toBe('pending');
      expect(await settlementOf(order.orderId)).toEqual([]);
    });

    it('reports a payment for a cancelled order without reviving it (the webhook refunds it)', async () => {
      const order = await placed({ paymentMethod: 'stripe' });
      await cancelUnpaidOrder(app.db, { orderId: order.orderId, reason: 'payment_expired', now: clock });
      expect(await markOrderPaid(app.db, { orderId: order.orderId, amountFen: order.totalFen, now: clock })).toEqual({ changed: false, orderStatus: 'cancelled' });
      expect((await paymentOf(order.orderId)).status).toBe('expired');
    });

    it('gives the provider the order and its lines', async () => {
      const order = await placed({ paymentMethod: 'stripe' });
      const found = await getOrderForPayment(app.db, order.orderId);
      expect(found!.order).toMatchObject({ number: order.number, totalFen: order.totalFen, status: 'pending_payment' });
      expect(found!.lines.reduce((s, l) => s + l.unitPriceFen * l.quantity, 0) + found!.order.shippingFen).toBe(order.totalFen);
      expect(found!.payment!.id).toBe(order.paymentId);
      expect(await getOrderForPayment(app.db, crypto.randomUUID())).toBeNull();
    });
  });

  describe('failed payments and cancelling', () => {
    it('fails the payment, cancels the order and restocks when the provider says the payment failed', async () => {
      const before = await stockOf(app.db, zigui.id);
      const order = await placed({ paymentMethod: 'stripe' });
      await app.db.update(payments).set({ providerSessionId: 'cs_fail' }).where(eq(payments.id, order.paymentId));
      expect(await markPaymentFailed(app.db, { orderId: order.orderId, providerSessionId: 'cs_other', now: clock })).toEqual({ changed: false });
      expect(await markPaymentFailed(app.db, { orderId: order.orderId, providerSessionId: 'cs_fail', now: clock })).toEqual({ changed: true });
      expect(await markPaymentFailed(app.db, { orderId: order.orderId, providerSessionId: 'cs_fail', now: clock })).toEqual({ changed: false });
      expect((await paymentOf(order.orderId)).status).toBe('failed');
      expect(await orderOf(order.orderId)).toMatchObject({ status: 'cancelled', cancelReason: 'payment_failed' });
      expect(await stockOf(app.db, zigui.id)).toBe(before);
    });

    it('cancels an unpaid order once and puts its stock back once', async () => {
      const before = { zigui: await stockOf(app.db, zigui.id), gannan: await stockOf(app.db, gannan.id) };
      const order = await placed();
      expect(await stockOf(app.db, zigui.id)).toBe(before.zigui - 1);
      const results = await Promise.all([1, 2, 3].map(() => cancelUnpaidOrder(app.db, { orderId: order.orderId, reason: 'payment_expired', now: clock })));
      expect(results.filter((r) => r.changed)).toHaveLength(1);
      expect(await stockOf(app.db, zigui.id)).toBe(before.zigui);
      expect(await stockOf(app.db, gannan.id)).toBe(before.gannan);
      expect((await coopsOf(order.orderId)).map((c) => c.status)).toEqual(['cancelled', 'cancelled']);
      expect((await paymentOf(order.orderId)).status).toBe('expired');
    });

    it('never cancels a paid order', async () => {
      const order = await placed({ paymentMethod: 'stripe' });
      await markOrderPaid(app.db, { orderId: order.orderId, amountFen: order.totalFen, now: clock });
      const stock = await stockOf(app.db, zigui.id);
      expect(await cancelUnpaidOrder(app.db, { orderId: order.orderId, reason: 'payment_expired', now: clock })).toEqual({ changed: false });
      expect((await orderOf(order.orderId)).status).toBe('paid');
      expect(await stockOf(app.db, zigui.id)).toBe(stock);
    });
  });

  describe('bank transfers confirmed by a coordinator', () => {
    async function confirm(cookie: string | undefined, orderId: string, amount: string) {
      return callRoute(app, paymentsAction as RouteHandler, postForm('http://localhost/coordinator/payments', { intent: 'confirm', orderId, amount }, cookie));
    }

    it('lists unpaid transfers and confirms one for the exact amount: paid, ready to ship, audited', async () => {
      const coordinatorId = await userIdByEmail(app.db, `coordinator-hubei@${DEMO}`);
      const cookie = await sessionCookieFor(app, coordinatorId);
      const order = await placed();
      const desk = dataOf<{ orders: { id: string; number: string }[] }>(await callRoute(app, paymentsLoader as RouteHandler, getPage(`http://localhost/coordinator/payments?q=${order.number.toLowerCase()}`, cookie))).body;
      expect(desk.orders.map((o) => o.id)).toEqual([order.orderId]);

      const yuan = (order.totalFen / 100).toFixed(2);
      expect(redirectOf(await confirm(cookie, order.orderId, yuan))).toBe(`/coordinator/payments?confirmed=${order.number}`);
      expect((await orderOf(order.orderId)).status).toBe('paid');
      expect(await paymentOf(order.orderId)).toMatchObject({ status: 'succeeded', confirmedBy: coordinatorId });
      expect((await coopsOf(order.orderId)).map((c) => c.status)).toEqual(['awaiting_shipment', 'awaiting_shipment']);
      const [audit] = await app.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'payment.confirmed'), eq(auditEvents.entityId, order.orderId)));
      expect(audit).toMatchObject({ actorUserId: coordinatorId, entityType: 'order' });
      // Confirming again is refused: it is no longer pending.
      expect(dataOf<{ error: string }>(await confirm(cookie, order.orderId, yuan)).body.error).toBe('orders:payments.errors.not_pending');
    });

    it('refuses an amount that does not match and changes nothing', async () => {
      const cookie = await sessionCookieFor(app, await userIdByEmail(app.db, `admin@${DEMO}`));
      const order = await placed();
      const { status, body } = dataOf<{ error: string; expectedFen: number }>(await confirm(cookie, order.orderId, ((order.totalFen - 1) / 100).toFixed(2)));
      expect(status).toBe(409);
      expect(body).toMatchObject({ error: 'orders:payments.errors.amount_mismatch', expectedFen: order.totalFen });
      expect((await orderOf(order.orderId)).status).toBe('pending_payment');
      expect(dataOf<{ error: string }>(await confirm(cookie, order.orderId, 'abc')).body.error).toBe('orders:payments.errors.amountInvalid');
    });

    it('forbids customers and cooperative members, and sends visitors to log in', async () => {
      const order = await placed();
      const customer = await sessionCookieFor(app, customerId);
      const [member] = await app.db.select({ userId: cooperativeMembers.userId }).from(cooperativeMembers).where(eq(cooperativeMembers.cooperativeId, zigui.cooperativeId));
      const coopMember = await sessionCookieFor(app, member!.userId);
      const amount = (order.totalFen / 100).toFixed(2);
      for (const cookie of [customer, coopMember]) {
        expect((await confirm(cookie, order.orderId, amount)) as Response).toHaveProperty('status', 403);
        expect((await callRoute(app, paymentsLoader as RouteHandler, getPage('http://localhost/coordinator/payments', cookie))) as Response).toHaveProperty('status', 403);
      }
      expect(redirectOf(await confirm(undefined, order.orderId, amount))).toMatch(/^\/login\?redirectTo=/);
      expect((await orderOf(order.orderId)).status).toBe('pending_payment');
    });
  });

  describe('cash on delivery', () => {
    it('settles each cooperative order when its cash is confirmed, and pays the order when all are', async () => {
      const order = await placed({ paymentMethod: 'cash_on_delivery' });
      const [first, second] = await coopsOf(order.orderId);
      const actor = customerId;
      expect(await confirmCashOnDelivery(app.db, { cooperativeOrderId: first!.id, cooperativeId: first!.cooperativeId, actorUserId: actor, now: clock })).toEqual({
        ok: false,
        problem: 'not_shipped',
      });
      expect(await confirmCashOnDelivery(app.db, { cooperativeOrderId: first!.id, cooperativeId: second!.cooperativeId, actorUserId: actor, now: clock })).toEqual({
        ok: false,
        problem: 'not_found',
      });
      for (const coop of [first!, second!]) {
        await transitionCooperativeOrder(app.db, { cooperativeOrderId: coop.id, to: 'shipped', now: clock, shipment: { carrier: '顺丰', trackingNumber: `SF${coop.cooperativeId}` } });
      }
      expect(await confirmCashOnDelivery(app.db, { cooperativeOrderId: first!.id, cooperativeId: first!.cooperativeId, actorUserId: actor, now: clock })).toEqual({ ok: true, changed: true, orderPaid: false });
      expect((await orderOf(order.orderId)).status).toBe('pending_payment');
      expect(await cancelUnpaidOrder(app.db, { orderId: order.orderId, reason: 'payment_expired', now: clock })).toEqual({ changed: false });
      expect(await confirmCashOnDelivery(app.db, { cooperativeOrderId: second!.id, cooperativeId: second!.cooperativeId, actorUserId: actor, now: clock })).toEqual({ ok: true, changed: true, orderPaid: true });
      expect(await confirmCashOnDelivery(app.db, { cooperativeOrderId: second!.id, cooperativeId: second!.cooperativeId, actorUserId: actor, now: clock })).toEqual({ ok: true, changed: false, orderPaid: true });
      expect((await orderOf(order.orderId)).status).toBe('paid');
      expect((await paymentOf(order.orderId)).status).toBe('succeeded');
      expect((await settlementOf(order.orderId)).reduce((s, e) => s + e.amountFen, 0)).toBe(order.totalFen);
    });
  });

  describe('expiry of unpaid bank transfers', () => {
    /** Earlier tests leave unpaid orders behind; each expiry test starts without any. */
    async function cancelEveryUnpaidOrder() {
      const pending = await app.db.select({ id: orders.id }).from(orders).where(eq(orders.status, 'pending_payment'));
      for (const { id } of pending) await cancelUnpaidOrder(app.db, { orderId: id, reason: 'test_cleanup', now: clock });
    }

    it('cancels overdue unpaid orders and restocks exactly once, never touching paid or not-yet-due ones', async () => {
      clock = new Date('2020-03-01T02:00:00Z');
      await cancelEveryUnpaidOrder();
      await app.db.delete(jobs).where(eq(jobs.kind, EXPIRE_UNPAID_ORDERS_JOB));
      const runner = createJobRunner({ db: app.db, handlers: { [EXPIRE_UNPAID_ORDERS_JOB]: expireUnpaidOrdersJobHandler }, now: () => clock, logger: app.logger });
      const before = await stockOf(app.db, zigui.id);
      const overdue = await placed();
      const paid = await placed();
      await markOrderPaid(app.db, { orderId: paid.orderId, amountFen: paid.totalFen, now: clock });
      clock = new Date(clock.getTime() + 47 * HOUR);
      const fresh = await placed();
      expect(await stockOf(app.db, zigui.id)).toBe(before - 3);

      expect(await runner.runDue()).toBe(0);
      expect((await orderOf(overdue.orderId)).status).toBe('pending_payment');

      clock = new Date(clock.getTime() + 2 * HOUR);
      expect(await runner.runDue()).toBeGreaterThan(0);
      await expireUnpaidOrdersJobHandler({}, jobContext());
      expect(await orderOf(overdue.orderId)).toMatchObject({ status: 'cancelled', cancelReason: 'payment_expired' });
      expect((await paymentOf(overdue.orderId)).status).toBe('expired');
      expect((await orderOf(paid.orderId)).status).toBe('paid');
      expect((await orderOf(fresh.orderId)).status).toBe('pending_payment');
      expect(await stockOf(app.db, zigui.id)).toBe(before - 2);

      // The sweep scheduled the next one for the remaining order's deadline, which cancels it then.
      const due = (await orderOf(fresh.orderId)).paymentDueAt!;
      const next = await app.db.select().from(jobs).where(and(eq(jobs.kind, EXPIRE_UNPAID_ORDERS_JOB), eq(jobs.status, 'pending')));
      expect(next.map((j) => j.runAt.getTime())).toEqual([due.getTime()]);
      clock = new Date(due.getTime() + 1000);
      expect(await runner.runDue()).toBe(1);
      expect((await orderOf(fresh.orderId)).status).toBe('cancelled');
      expect(await stockOf(app.db, zigui.id)).toBe(before - 1);
    });

    it('shares the work between sweepers running at once and restocks every order exactly once', async () => {
      clock = new Date('2020-04-01T02:00:00Z');
      await cancelEveryUnpaidOrder();
      const before = await stockOf(app.db, zigui.id);
      const ids: string[] = [];
      for (let i = 0; i < 12; i += 1) ids.push((await placed({}, await guestCartWith(app, [{ variantId: zigui.id, quantity: 2 }]))).orderId);
      expect(await stockOf(app.db, zigui.id)).toBe(before - 24);
      // An unpaid order whose goods already left is for a person to sort out, not the sweeper.
      const shipped = await placed({}, await guestCartWith(app, [{ variantId: gannan.id, quantity: 1 }]));
      await app.db.update(cooperativeOrders).set({ status: 'shipped' }).where(eq(cooperativeOrders.orderId, shipped.orderId));
      clock = new Date(clock.getTime() + 49 * HOUR);
      await Promise.all([1, 2, 3].map(() => expireUnpaidOrdersJobHandler({}, jobContext())));
      expect((await orderOf(shipped.orderId)).status).toBe('pending_payment');
      const statuses = await app.db.select({ status: orders.status }).from(orders).where(inArray(orders.id, ids));
      expect(statuses.every((s) => s.status === 'cancelled')).toBe(true);
      expect(await stockOf(app.db, zigui.id)).toBe(before);
      const audits = await app.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'order.cancelled'), inArray(auditEvents.entityId, ids)));
      expect(audits).toHaveLength(12);
    });
  });

  describe('expiry of unpaid Stripe orders', () => {
    const MINUTE = 60_000;
    const pendingJobs = async (kind: string) =>
      (await app.db.select().from(jobs).where(and(eq(jobs.kind, kind), eq(jobs.status, 'pending')))).map((j) => j.runAt.getTime()).sort((a, b) => a - b);

    it('leaves an order whose Checkout Session was opened to the Stripe sweeper at its deadline, and cancels it by the clock only at the backstop', async () => {
      clock = new Date('2020-05-01T02:00:00Z');
      const pending = await app.db.select({ id: orders.id }).from(orders).where(eq(orders.status, 'pending_payment'));
      for (const { id } of pending) await cancelUnpaidOrder(app.db, { orderId: id, reason: 'test_cleanup', now: clock });
      await app.db.delete(jobs).where(inArray(jobs.kind, [EXPIRE_UNPAID_ORDERS_JOB, STRIPE_SWEEP_JOB]));
      // The Stripe sweeper's own work (asking Stripe) is the webhook suite's; here it only records its runs.
      const stripeSweeps: number[] = [];
      const runner = createJobRunner({
        db: app.db,
        handlers: { [EXPIRE_UNPAID_ORDERS_JOB]: expireUnpaidOrdersJobHandler, [STRIPE_SWEEP_JOB]: async () => void stripeSweeps.push(clock.getTime()) },
        now: () => clock,
        logger: app.logger,
      });
      const runAllDue = async () => {
        while ((await runner.runDue()) > 0);
      };
      const before = { zigui: await stockOf(app.db, zigui.id), gannan: await stockOf(app.db, gannan.id) };

      const withSession = await placed({ paymentMethod: 'stripe' });
      await app.db.update(payments).set({ providerSessionId: 'cs_test_open_or_paid' }).where(eq(payments.id, withSession.paymentId));
      const withoutSession = await placed({ paymentMethod: 'stripe' });
      const due = (await orderOf(withSession.orderId)).paymentDueAt!;
      // Never due while its session can be paid: the session expires this long after the order.
      const sessionExpiresAt = clock.getTime() + app.env.STRIPE_CHECKOUT_EXPIRY_MINUTES * MINUTE;
      expect(due.getTime()).toBeGreaterThan(sessionExpiresAt);
      expect((await orderOf(withoutSession.orderId)).paymentDueAt).toEqual(due);

      clock = new Date(sessionExpiresAt);
      await runAllDue();
      await expireUnpaidOrdersJobHandler({}, jobContext());
      expect((await orderOf(withSession.orderId)).status).toBe('pending_payment');
      expect((await orderOf(withoutSession.orderId)).status).toBe('pending_payment');
      expect(stripeSweeps).toEqual([]);

      clock = new Date(due.getTime() + MINUTE);
      await runAllDue();
      // No session, nothing anyone can pay: cancelled at the deadline and restocked.
      expect(await orderOf(withoutSession.orderId)).toMatchObject({ status: 'cancelled', cancelReason: 'payment_expired' });
      // A session: Stripe may have been paid with the event still on its way, or the session may
      // still be open there. The Stripe sweeper asks (and expires it at Stripe before restocking).
      expect((await orderOf(withSession.orderId)).status).toBe('pending_payment');
      expect((await paymentOf(withSession.orderId)).status).toBe('pending');
      expect(await stockOf(app.db, zigui.id)).toBe(before.zigui - 1);
      expect(stripeSweeps).toEqual([clock.getTime()]);
      // The clock's own backstop is scheduled.
      expect(await pendingJobs(EXPIRE_UNPAID_ORDERS_JOB)).toEqual([due.getTime() + STRIPE_ORDER_BACKSTOP_MS]);

      clock = new Date(due.getTime() + STRIPE_ORDER_BACKSTOP_MS - MINUTE);
      await expireUnpaidOrdersJobHandler({}, jobContext());
      expect((await orderOf(withSession.orderId)).status).toBe('pending_payment');

      clock = new Date(due.getTime() + STRIPE_ORDER_BACKSTOP_MS);
      await runAllDue();
      expect(await orderOf(withSession.orderId)).toMatchObject({ status: 'cancelled', cancelReason: 'payment_expired' });
      expect((await paymentOf(withSession.orderId)).status).toBe('expired');
      expect({ zigui: await stockOf(app.db, zigui.id), gannan: await stockOf(app.db, gannan.id) }).toEqual(before);
    });
  });

  describe('who sees an order', () => {
    const open = (id: string, query = '', cookie?: string) => callRoute(app, orderLoader as RouteHandler, getPage(`http://localhost/orders/${id}${query}`, cookie), { id });

    it('shows a signed-in buyer their own order and 404s for anyone else', async () => {
      const order = await placed({}, await userCartWith(app, customerId, [{ variantId: zigui.id, quantity: 1 }]));
      const own = await sessionCookieFor(app, customerId);
      expect(dataOf<{ order: { number: string } }>(await open(order.orderId, '', own)).body.order.number).toBe(order.number);
      const other = await sessionCookieFor(app, await userIdByEmail(app.db, `coordinator-jiangxi@${DEMO}`));
      expect((await open(order.orderId, '', other)) as Response).toHaveProperty('status', 404);
      expect((await open(order.orderId)) as Response).toHaveProperty('status', 404);
      expect((await open('not-a-uuid', '', own)) as Response).toHaveProperty('status', 404);
    });

    it('shows a guest’s order with its token, and 404s for a wrong or missing token', async () => {
      const order = await placed();
      const page = dataOf<{ order: { number: string }; bank: unknown }>(await open(order.orderId, `?t=${order.accessToken}`)).body;
      expect(page.order.number).toBe(order.number);
      expect(page.bank).not.toBeNull();
      expect((await open(order.orderId, `?t=${order.accessToken!.slice(0, -2)}xx`)) as Response).toHaveProperty('status', 404);
      expect((await open(order.orderId, '?t=')) as Response).toHaveProperty('status', 404);
      expect((await open(order.orderId)) as Response).toHaveProperty('status', 404);
    });

    it('lists only the signed-in user’s own orders, newest first', async () => {
      const userId = await userIdByEmail(app.db, `association-hubei@${DEMO}`);
      const first = await placed({}, await userCartWith(app, userId, [{ variantId: zigui.id, quantity: 1 }]));
      clock = new Date(clock.getTime() + 60_000);
      const second = await placed({}, await userCartWith(app, userId, [{ variantId: gannan.id, quantity: 1 }]));
      await placed();
      const list = dataOf<{ orders: { id: string }[] }>(await callRoute(app, ordersLoader as RouteHandler, getPage('http://localhost/orders', await sessionCookieFor(app, userId)))).body;
      expect(list.orders.map((o) => o.id)).toEqual([second.orderId, first.orderId]);
      expect(redirectOf(await callRoute(app, ordersLoader as RouteHandler, getPage('http://localhost/orders')))).toMatch(/^\/login/);
    });
  });

  describe('the address book', () => {
    it('adds, makes default, edits and deletes addresses, keeping one default', async () => {
      const userId = await userIdByEmail(app.db, `admin@${DEMO}`);
      const cookie = await sessionCookieFor(app, userId);
      const post = (fields: Record<string, string>) => callRoute(app, addressesAction as RouteHandler, postForm('http://localhost/account/addresses', fields, cookie));
      const list = async () =>
        dataOf<{ addresses: { id: string; recipient: string; isDefault: boolean; regionNames: string[] }[] }>(
          await callRoute(app, addressesLoader as RouteHandler, getPage('http://localhost/account/addresses', cookie)),
        ).body.addresses;
      const fields = { intent: 'create', recipient: '王五', mobile: '13912345678', province: '420000', regionCode: '429005', detail: '园林街道 8 号' };
      expect(redirectOf(await post(fields))).toBe('/account/addresses?saved=1');
      expect(redirectOf(await post({ ...fields, recipient: '赵六', regionCode: '420527', makeDefault: 'on' }))).toBe('/account/addresses?saved=1');
      let book = await list();
      expect(book.map((a) => [a.recipient, a.isDefault])).toEqual([
        ['赵六', true],
        ['王五', false],
      ]);
      expect(book[1]!.regionNames).toEqual(['湖北省', '潜江市']);

      const bad = dataOf<{ result: { error: Record<string, string[]> } }>(await post({ ...fields, mobile: '1391234', regionCode: '420000' })).body.result.error;
      expect(bad.mobile).toEqual(['orders:address.errors.mobileInvalid']);

      expect(redirectOf(await post({ ...fields, intent: 'update', addressId: book[1]!.id, detail: '园林街道 9 号' }))).toBe('/account/addresses?saved=1');
      expect(redirectOf(await post({ intent: 'delete', addressId: book[0]!.id }))).toBe('/account/addresses?deleted=1');
      book = await list();
      expect(book).toEqual([expect.objectContaining({ recipient: '王五', isDefault: true })]);
      // Another user's address id changes nothing.
      const other = await sessionCookieFor(app, customerId);
      await callRoute(app, addressesAction as RouteHandler, postForm('http://localhost/account/addresses', { intent: 'delete', addressId: book[0]!.id }, other));
      expect(await list()).toHaveLength(1);
    });
  });
});
