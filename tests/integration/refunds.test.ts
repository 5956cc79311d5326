import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, cooperativeMembers, cooperativeOrders, jobs, notifications, orders, refunds, settlementEntries } from '~/db/schema';
import { seedDemoData } from '~/models/demo-seed.server';
import { confirmBankTransfer, markOrderPaid } from '~/models/orders.server';
import { createRefund, refundableFen, retryRefund, settleSucceededRefunds } from '~/models/refunds.server';
import { cooperativeOrderBalance } from '~/models/settlement.server';
import type { AppContext } from '~/utils/context.server';
import { EMAIL_JOB } from '~/utils/mail.server';
import { PaymentProviderUnavailableError, type PaymentsPort, type RefundRequest } from '~/utils/payments/types';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';
import { checkout, GANNAN, userCartWith, userIdByEmail, variantOf, ZIGUI, type VariantFacts } from '../fixtures/checkout';

const DEMO = 'demo.dibiao.example';

describeEachDriver('refunds', (t) => {
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

  /** A two-cooperative order of the demo customer, paid by bank transfer unless said otherwise. */
  async function paidOrder(method: 'bank_transfer' | 'stripe' = 'bank_transfer') {
    const cart = await userCartWith(app, customerId, [
      { variantId: zigui.id, quantity: 1 },
      { variantId: gannan.id, quantity: 1 },
    ]);
    const result = await checkout(app, cart, { paymentMethod: method });
    if (!result.ok) throw new Error(`checkout refused: ${result.problem.code}`);
    const [order] = await app.db.select().from(orders).where(eq(orders.id, result.orderId));
    if (method === 'bank_transfer') {
      expect((await confirmBankTransfer(app.db, { orderId: order!.id, amountFen: order!.totalFen, actorUserId: ziguiMember, now: clock })).ok).toBe(true);
    } else {
      await markOrderPaid(app.db, { orderId: order!.id, amountFen: order!.totalFen, paymentIntentId: `pi_${order!.id.slice(0, 8)}`, now: clock });
    }
    const coops = await app.db.select().from(cooperativeOrders).where(eq(cooperativeOrders.orderId, order!.id));
    return { order: order!, zigui: coops.find((c) => c.cooperativeId === zigui.cooperativeId)!, gannan: coops.find((c) => c.cooperativeId === gannan.cooperativeId)! };
  }

  const refund = (cooperativeOrderId: string, cooperativeId: number, amountFen: number, port: PaymentsPort | null = null) =>
    createRefund(app.db, port, { cooperativeOrderId, cooperativeId, amountFen, reason: '破损', actorUserId: ziguiMember, now: clock });

  it('refunds an offline payment at once, and the ledger reads goods + shipping − refunds for that cooperative order only', async () => {
    const { order, zigui: z, gannan: g } = await paidOrder();
    const gannanBefore = await cooperativeOrderBalance(app.db, g.id);
    const result = await refund(z.id, z.cooperativeId, 300);
    expect(result).toMatchObject({ ok: true, status: 'succeeded' });
    const zBalance = await cooperativeOrderBalance(app.db, z.id);
    expect(zBalance).toEqual({ goodsFen: z.goodsFen, shippingFen: z.shippingFen, refundsFen: 300, netFen: z.goodsFen + z.shippingFen - 300 });
    expect(await cooperativeOrderBalance(app.db, g.id)).toEqual(gannanBefore);
    expect(gannanBefore.netFen).toBe(g.goodsFen + g.shippingFen);
    const [zAfter] = await app.db.select().from(cooperativeOrders).where(eq(cooperativeOrders.id, z.id));
    const [gAfter] = await app.db.select().from(cooperativeOrders).where(eq(cooperativeOrders.id, g.id));
    const [orderAfter] = await app.db.select().from(orders).where(eq(orders.id, order.id));
    expect([zAfter!.refundedFen, gAfter!.refundedFen, orderAfter!.refundedFen]).toEqual([300, 0, 300]);
    const audit = await app.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'refund.created'), eq(auditEvents.entityId, z.id)));
    expect(audit).toHaveLength(1);
  });

  it('never refunds more than remains refundable of the cooperative order', async () => {
    const { zigui: z } = await paidOrder();
    const total = z.goodsFen + z.shippingFen;
    expect(await refund(z.id, z.cooperativeId, total - 100)).toMatchObject({ ok: true });
    expect(await refund(z.id, z.cooperativeId, 101)).toEqual({ ok: false, problem: 'exceeds_refundable', refundableFen: 100 });
    expect(await refund(z.id, z.cooperativeId, 100)).toMatchObject({ ok: true });
    expect(await refundableFen(app.db, z.id)).toBe(0);
    expect(await refund(z.id, z.cooperativeId, 1)).toMatchObject({ ok: false, problem: 'exceeds_refundable' });
    expect(await refund(z.id, z.cooperativeId, 0)).toEqual({ ok: false, problem: 'invalid_amount' });
  });

  it('never lets a cooperative refund another cooperative’s order', async () => {
    const { gannan: g } = await paidOrder();
    expect(await refund(g.id, zigui.cooperativeId, 100)).toEqual({ ok: false, problem: 'not_found' });
    expect(await app.db.select().from(refunds).where(eq(refunds.cooperativeOrderId, g.id))).toHaveLength(0);
  });

  it('never refunds an unpaid order', async () => {
    const cart = await userCartWith(app, customerId, [{ variantId: zigui.id, quantity: 1 }]);
    const placed = await checkout(app, cart);
    if (!placed.ok) throw new Error('checkout refused');
    const [coop] = await app.db.select().from(cooperativeOrders).where(eq(cooperativeOrders.orderId, placed.orderId));
    expect(await refund(coop!.id, coop!.cooperativeId, 100)).toEqual({ ok: false, problem: 'not_paid' });
  });

  it('tells the buyer in-app and by e-mail when a refund succeeds', async () => {
    const { order, zigui: z } = await paidOrder();
    const before = await app.db.select().from(jobs).where(eq(jobs.kind, EMAIL_JOB));
    await refund(z.id, z.cooperativeId, 250);
    const rows = await app.db.select().from(notifications).where(and(eq(notifications.userId, customerId), eq(notifications.kind, 'refund.succeeded'), eq(notifications.link, `/orders/${order.id}`)));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.title).toContain(order.number);
    const after = await app.db.select().from(jobs).where(eq(jobs.kind, EMAIL_JOB));
    expect(after.length).toBe(before.length + 1);
  });

  describe('Stripe', () => {
    function fakePort(behaviour: (request: RefundRequest, call: number) => Promise<{ providerRefundId: string; status: 'pending' | 'succeeded' | 'failed' }>) {
      const calls: { request: RefundRequest; rowStatus: string | undefined }[] = [];
      const port = {
        provider: 'stripe' as const,
        startCheckout: () => Promise.reject(new Error('unused')),
        expireCheckout: () => Promise.resolve(),
        async refund(request: RefundRequest) {
          const [row] = await app.db.select().from(refunds).where(eq(refunds.id, request.idempotencyKey));
          calls.push({ request, rowStatus: row?.status });
          return behaviour(request, calls.length);
        },
      };
      return { port, calls };
    }

    it('commits the refund as pending before calling Stripe, with the row id as idempotency key', async () => {
      const { zigui: z } = await paidOrder('stripe');
      const { port, calls } = fakePort(async (r) => ({ providerRefundId: `re_${r.idempotencyKey}`, status: 'succeeded' }));
      const result = await refund(z.id, z.cooperativeId, 500, port);
      expect(result).toMatchObject({ ok: true, status: 'succeeded' });
      expect(calls).toHaveLength(1);
      expect(calls[0]!.rowStatus).toBe('pending');
      expect(calls[0]!.request).toMatchObject({ amountFen: 500, metadata: { cooperativeOrderId: z.id } });
      expect(calls[0]!.request.paymentIntentId).toMatch(/^pi_/);
      const entries = await app.db.select().from(settlementEntries).where(and(eq(settlementEntries.cooperativeOrderId, z.id), eq(settlementEntries.kind, 'refund')));
      expect(entries.map((e) => e.amountFen)).toEqual([-500]);
    });

    it('keeps a refund pending when Stripe is unreachable and retries with the same key, settling once', async () => {
      const { zigui: z } = await paidOrder('stripe');
      const { port, calls } = fakePort(async (r, call) => {
        if (call === 1) throw new PaymentProviderUnavailableError('timeout');
        return { providerRefundId: `re_${r.idempotencyKey}`, status: 'succeeded' };
      });
      const first = await refund(z.id, z.cooperativeId, 400, port);
      expect(first).toMatchObject({ ok: false, problem: 'provider_unavailable' });
      const refundId = (first as { refundId: string }).refundId;
      expect((await app.db.select().from(refunds).where(eq(refunds.id, refundId)))[0]!.status).toBe('pending');
      // A pending refund still counts against what remains.
      expect(await refundableFen(app.db, z.id)).toBe(z.goodsFen + z.shippingFen - 400);
      expect(await retryRefund(app.db, port, { refundId, now: clock })).toMatchObject({ ok: true, status: 'succeeded' });
      expect(await retryRefund(app.db, port, { refundId, now: clock })).toMatchObject({ ok: true, status: 'succeeded' });
      expect(calls.map((c) => c.request.idempotencyKey)).toEqual([refundId, refundId]);
      const entries = await app.db.select().from(settlementEntries).where(eq(settlementEntries.refundId, refundId));
      expect(entries).toHaveLength(1);
      expect((await app.db.select().from(cooperativeOrders).where(eq(cooperativeOrders.id, z.id)))[0]!.refundedFen).toBe(400);
    });

    it('settles a refund the webhook marked succeeded exactly once', async () => {
      const { zigui: z } = await paidOrder('stripe');
      const { port } = fakePort(async (r) => ({ providerRefundId: `re_${r.idempotencyKey}`, status: 'pending' }));
      const result = await refund(z.id, z.cooperativeId, 700, port);
      expect(result).toMatchObject({ ok: true, status: 'pending' });
      const refundId = (result as { refundId: string }).refundId;
      expect(await app.db.select().from(settlementEntries).where(eq(settlementEntries.refundId, refundId))).toHaveLength(0);
      await app.db.update(refunds).set({ status: 'succeeded' }).where(eq(refunds.id, refundId));
      expect(await settleSucceededRefunds(app.db, clock, z.cooperativeId)).toBeGreaterThanOrEqual(1);
      await settleSucceededRefunds(app.db, clock, z.cooperativeId);
      expect(await app.db.select().from(settlementEntries).where(eq(settlementEntries.refundId, refundId))).toHaveLength(1);
      expect((await app.db.select().from(cooperativeOrders).where(eq(cooperativeOrders.id, z.id)))[0]!.refundedFen).toBe(700);
    });

    it('records a refund Stripe refused as failed and frees its amount', async () => {
      const { zigui: z } = await paidOrder('stripe');
      const { port } = fakePort(async (r) => ({ providerRefundId: `re_${r.idempotencyKey}`, status: 'failed' }));
      expect(await refund(z.id, z.cooperativeId, 600, port)).toMatchObject({ ok: true, status: 'failed' });
      expect(await refundableFen(app.db, z.id)).toBe(z.goodsFen + z.shippingFen);
      expect((await app.db.select().from(cooperativeOrders).where(eq(cooperativeOrders.id, z.id)))[0]!.refundedFen).toBe(0);
    });
  });
});
