/**
 * Fulfilment in the cooperative portal: a cooperative's own cooperative orders, confirming cash
 * on delivery, shipping (carrier + tracking number), delivery and cancellation before shipment.
 * Every function takes the cooperative id from the URL together with the cooperative order id,
 * so another cooperative's order is simply not found. Status changes go through the part-1
 * transition functions, which notify the buyer.
 */
import { and, asc, count, desc, eq, ne, sql } from 'drizzle-orm';
import { claims, cooperativeOrders, cooperatives, orderItems, orders, payments, type CooperativeOrder } from '~/db/schema';
import { recordAudit } from '~/models/audit.server';
import {
  confirmCashOnDelivery,
  notifyBuyerOf,
  reduceAmountDue,
  transitionCooperativeOrder,
  transitionOrder,
  transitionPayment,
  type CooperativeOrderStatus,
} from '~/models/orders.server';
import { enqueueSearchSync } from '~/models/search-sync.server';
import { createRefund, listRefunds, refundableFen, type RefundOutcome } from '~/models/refunds.server';
import { queryRows, type Db } from '~/utils/db.server';
import type { StripePayments } from '~/utils/payments/stripe.server';
import { PaymentProviderUnavailableError } from '~/utils/payments/types';

import { carrierName, normalizeTrackingNumber, trackingNumberFits } from './carriers';

export const COOP_ORDERS_PAGE_SIZE = 30;

export async function listCooperativeOrders(
  db: Db,
  cooperativeId: number,
  { status, limit = COOP_ORDERS_PAGE_SIZE, offset = 0 }: { status?: CooperativeOrderStatus | null; limit?: number; offset?: number } = {},
) {
  const where = and(eq(cooperativeOrders.cooperativeId, cooperativeId), status ? eq(cooperativeOrders.status, status) : undefined);
  const rows = await db
    .select({
      id: cooperativeOrders.id,
      status: cooperativeOrders.status,
      goodsFen: cooperativeOrders.goodsFen,
      shippingFen: cooperativeOrders.shippingFen,
      refundedFen: cooperativeOrders.refundedFen,
      codConfirmedAt: cooperativeOrders.codConfirmedAt,
      createdAt: cooperativeOrders.createdAt,
      number: orders.number,
      paymentMethod: orders.paymentMethod,
      recipient: orders.recipient,
      openClaims: sql<number>`(SELECT count(*)::int FROM claims c WHERE c.cooperative_order_id = ${cooperativeOrders.id} AND c.status = 'open')`,
    })
    .from(cooperativeOrders)
    .innerJoin(orders, eq(orders.id, cooperativeOrders.orderId))
    .where(where)
    .orderBy(desc(cooperativeOrders.createdAt), desc(cooperativeOrders.id))
    .limit(limit)
    .offset(offset);
  const [total] = await db.select({ n: count() }).from(cooperativeOrders).where(where);
  return { rows: rows.map((r) => ({ ...r, openClaims: Number(r.openClaims) })), total: Number(total?.n ?? 0) };
}

/** One cooperative order of this cooperative with what the portal shows, or null. */
export async function getCooperativeOrderForCoop(db: Db, cooperativeId: number, cooperativeOrderId: string) {
  if (!/^[0-9a-f-]{36}$/i.test(cooperativeOrderId)) return null;
  const [row] = await db
    .select({ coop: cooperativeOrders, order: orders })
    .from(cooperativeOrders)
    .innerJoin(orders, eq(orders.id, cooperativeOrders.orderId))
    .where(and(eq(cooperativeOrders.id, cooperativeOrderId), eq(cooperativeOrders.cooperativeId, cooperativeId)));
  if (!row) return null;
  const items = await db.select().from(orderItems).where(eq(orderItems.cooperativeOrderId, cooperativeOrderId)).orderBy(asc(orderItems.id));
  const [payment] = await db.select().from(payments).where(eq(payments.orderId, row.order.id)).orderBy(desc(payments.createdAt)).limit(1);
  const refundRows = await listRefunds(db, [cooperativeOrderId]);
  const claimRows = await db.select().from(claims).where(eq(claims.cooperativeOrderId, cooperativeOrderId)).orderBy(desc(claims.createdAt));
  return {
    ...row,
    items,
    payment: payment ?? null,
    refunds: refundRows,
    claims: claimRows,
    refundableFen: await refundableFen(db, cooperativeOrderId),
  };
}

export type FulfilmentProblem =
  | 'not_found'
  | 'illegal'
  | 'not_cash_on_delivery'
  | 'not_shipped'
  | 'cancelled'
  | 'bad_tracking'
  /** Cancelling an unpaid Stripe part: its Checkout Session is complete, the payment is being recorded. */
  | 'payment_in_progress'
  /** Cancelling an unpaid Stripe part: its open Checkout Session could not be closed at Stripe. */
  | 'session_unavailable';
export type FulfilmentResult = { ok: true; changed: boolean } | { ok: false; problem: FulfilmentProblem };

function inTransaction<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction((tx) => work(tx as unknown as Db));
}

/** Locks the order, then this cooperative's cooperative order (the order-first lock order of part 1). */
async function lockOwn(tx: Db, cooperativeId: number, cooperativeOrderId: string): Promise<{ coop: CooperativeOrder; order: typeof orders.$inferSelect } | null> {
  if (!/^[0-9a-f-]{36}$/i.test(cooperativeOrderId)) return null;
  const [ref] = await tx
    .select({ orderId: cooperativeOrders.orderId })
    .from(cooperativeOrders)
    .where(and(eq(cooperativeOrders.id, cooperativeOrderId), eq(cooperativeOrders.cooperativeId, cooperativeId)));
  if (!ref) return null;
  const [order] = await tx.select().from(orders).where(eq(orders.id, ref.orderId)).for('update');
  const [coop] = await tx.select().from(cooperativeOrders).where(eq(cooperativeOrders.id, cooperativeOrderId)).for('update');
  return order && coop ? { order, coop } : null;
}

interface Acting {
  cooperativeId: number;
  cooperativeOrderId: string;
  actorUserId: string;
  now: Date;
}

export async function confirmCod(db: Db, input: Acting): Promise<FulfilmentResult> {
  const result = await confirmCashOnDelivery(db, input);
  if (!result.ok) return { ok: false, problem: result.problem };
  if (result.changed) await inTransaction(db, (tx) => completeIfAllDelivered(tx, input.cooperativeOrderId, input.now));
  return { ok: true, changed: result.changed };
}

export async function shipCooperativeOrder(db: Db, input: Acting & { carrier: string; trackingNumber: string }): Promise<FulfilmentResult> {
  const trackingNumber = normalizeTrackingNumber(input.trackingNumber);
  if (!trackingNumberFits(input.carrier, trackingNumber)) return { ok: false, problem: 'bad_tracking' };
  return inTransaction(db, async (tx) => {
    const own = await lockOwn(tx, input.cooperativeId, input.cooperativeOrderId);
    if (!own) return { ok: false, problem: 'not_found' };
    if (own.coop.status !== 'awaiting_shipment') return own.coop.status === 'shipped' ? { ok: true, changed: false } : { ok: false, problem: 'illegal' };
    await transitionCooperativeOrder(tx, { cooperativeOrderId: own.coop.id, to: 'shipped', now: input.now, shipment: { carrier: carrierName(input.carrier), trackingNumber } });
    await recordAudit(tx, {
      actorUserId: input.actorUserId,
      action: 'cooperative_order.shipped',
      entityType: 'cooperative_order',
      entityId: own.coop.id,
      data: { number: own.order.number, cooperativeId: input.cooperativeId, carrier: input.carrier, trackingNumber },
    });
    return { ok: true, changed: true };
  });
}

export async function deliverCooperativeOrder(db: Db, input: Acting): Promise<FulfilmentResult> {
  return inTransaction(db, async (tx) => {
    const own = await lockOwn(tx, input.cooperativeId, input.cooperativeOrderId);
    if (!own) return { ok: false, problem: 'not_found' };
    if (own.coop.status !== 'shipped') return own.coop.status === 'delivered' ? { ok: true, changed: false } : { ok: false, problem: 'not_shipped' };
    await transitionCooperativeOrder(tx, { cooperativeOrderId: own.coop.id, to: 'delivered', now: input.now });
    await recordAudit(tx, { actorUserId: input.actorUserId, action: 'cooperative_order.delivered', entityType: 'cooperative_order', entityId: own.coop.id, data: { number: own.order.number, cooperativeId: input.cooperativeId } });
    await completeIfAllDelivered(tx, own.coop.id, input.now);
    return { ok: true, changed: true };
  });
}

/** A paid order whose every live cooperative order is delivered (and cash collected) is completed. */
async function completeIfAllDelivered(tx: Db, cooperativeOrderId: string, now: Date) {
  const [coop] = await tx.select({ orderId: cooperativeOrders.orderId }).from(cooperativeOrders).where(eq(cooperativeOrders.id, cooperativeOrderId));
  const [order] = await tx.select({ status: orders.status }).from(orders).where(eq(orders.id, coop!.orderId));
  if (order?.status !== 'paid') return;
  const [open] = await tx
    .select({ n: count() })
    .from(cooperativeOrders)
    .where(and(eq(cooperativeOrders.orderId, coop!.orderId), ne(cooperativeOrders.status, 'cancelled'), ne(cooperativeOrders.status, 'delivered')));
  if (Number(open?.n ?? 0) === 0) await transitionOrder(tx, { orderId: coop!.orderId, to: 'completed', now });
}

export type CancelResult = { ok: true; changed: boolean; refund: RefundOutcome | null } | { ok: false; problem: FulfilmentProblem };

class CancelRefused extends Error {
  constructor(readonly problem: FulfilmentProblem) {
    super(`cancellation refused: ${problem}`);
  }
}

/**
 * Before an unpaid Stripe order loses a part (or all of it), its open Checkout Session, made for
 * the old amount, is closed at Stripe so it can no longer be paid: expired, then read back. An
 * expired session is fine; a complete one means the buyer has just paid (or an asynchronous
 * payment is under way), so the part is not cancelled as unpaid: the cooperative tries again once
 * the payment is recorded, and then the part is refunded. Called under the order's lock, so the
 * expiry event Stripe sends at once waits for this cancellation and finds the payment replaced.
 */
async function closeOpenSession(stripe: StripePayments | null, providerSessionId: string): Promise<void> {
  if (!stripe) throw new CancelRefused('session_unavailable');
  try {
    await stripe.expireCheckout(providerSessionId);
    const state = await stripe.retrieveCheckout(providerSessionId);
    if (state.status === 'complete') throw new CancelRefused('payment_in_progress');
    if (state.status !== 'expired') throw new Error(`Checkout Session ${providerSessionId} is still ${state.status ?? 'without a status'} after expiring it`);
  } catch (error) {
    if (error instanceof PaymentProviderUnavailableError) throw new CancelRefused('session_unavailable');
    throw error;
  }
}

/**
 * Cancels this cooperative's part before shipment and puts its units back in stock — once: only
 * the call that moves it to cancelled restocks. Money already received for it is refunded in
 * full (a Stripe refund after the commit).
 *
 * Before payment, the buyer no longer owes the part: the order's amount due becomes the sum of
 * the parts still live (goods + shipping) and its pending payment follows (reduceAmountDue), so
 * the bank-transfer instructions, the coordinator's check of the amount received and the Stripe
 * amount all use the reduced total, and the ledger (written at payment, live parts only) never
 * owes the cancelled part. A Stripe order's open session is expired at Stripe first
 * (closeOpenSession) and its payment replaced: the buyer's next "pay now" opens a session for
 * the new amount. When no live part remains, an unpaid order is cancelled with its payment.
 */
export async function cancelCooperativeOrder(db: Db, payments_: StripePayments | null, input: Acting & { reason: string }): Promise<CancelResult> {
  let done: { ok: true; changed: boolean; paid: boolean } | { ok: false; problem: FulfilmentProblem };
  try {
    done = await inTransaction(db, async (tx): Promise<{ ok: true; changed: boolean; paid: boolean } | { ok: false; problem: FulfilmentProblem }> => {
      const own = await lockOwn(tx, input.cooperativeId, input.cooperativeOrderId);
      if (!own) return { ok: false, problem: 'not_found' };
      if (own.coop.status === 'cancelled') return { ok: true, changed: false, paid: false };
      if (own.coop.status !== 'awaiting_payment' && own.coop.status !== 'awaiting_shipment') return { ok: false, problem: 'illegal' };
      const unpaid = own.order.status === 'pending_payment';
      const [payment] = await tx.select().from(payments).where(eq(payments.orderId, own.order.id)).orderBy(desc(payments.createdAt)).limit(1).for('update');
      if (unpaid && payment?.status === 'pending' && payment.provider === 'stripe' && payment.providerSessionId) {
        await closeOpenSession(payments_, payment.providerSessionId);
      }
      const [others] = await tx
        .select({ n: count() })
        .from(cooperativeOrders)
        .where(and(eq(cooperativeOrders.orderId, own.order.id), ne(cooperativeOrders.status, 'cancelled'), ne(cooperativeOrders.id, own.coop.id)));
      const lastPart = Number(others?.n ?? 0) === 0;
      // Unpaid with other parts left: the buyer now owes less, and is told the new amount.
      const reduce = unpaid && !lastPart;
      const amountDueFen = reduce ? await reduceAmountDue(tx, { orderId: own.order.id, cancelledCooperativeOrderId: own.coop.id, now: input.now }) : null;
      await transitionCooperativeOrder(tx, { cooperativeOrderId: own.coop.id, to: 'cancelled', now: input.now, notifyBuyer: !reduce });
      if (reduce) {
        const [order] = await tx.select().from(orders).where(eq(orders.id, own.order.id));
        const [cooperative] = await tx.select({ legalName: cooperatives.legalName }).from(cooperatives).where(eq(cooperatives.id, own.coop.cooperativeId));
        await notifyBuyerOf(tx, order!, 'cooperative_order.cancelled_unpaid', { cooperative: cooperative?.legalName ?? '' });
      }
      await restockCooperativeOrder(tx, own.coop.id, input.now);
      await recordAudit(tx, {
        actorUserId: input.actorUserId,
        action: 'cooperative_order.cancelled',
        entityType: 'cooperative_order',
        entityId: own.coop.id,
        data: { number: own.order.number, cooperativeId: input.cooperativeId, reason: input.reason, ...(amountDueFen !== null ? { amountDueFen } : {}) },
      });
      if (lastPart && unpaid) {
        if (payment?.status === 'pending') await transitionPayment(tx, { paymentId: payment.id, to: 'cancelled', now: input.now });
        await transitionOrder(tx, { orderId: own.order.id, to: 'cancelled', now: input.now, cancelReason: 'cooperative_cancelled' });
      }
      const paid = own.order.status === 'paid' || own.order.status === 'completed' || own.coop.codConfirmedAt !== null;
      return { ok: true, changed: true, paid };
    });
  } catch (error) {
    if (error instanceof CancelRefused) return { ok: false, problem: error.problem };
    throw error;
  }
  if (!done.ok) return done;
  let refund: RefundOutcome | null = null;
  if (done.changed && done.paid) {
    const remaining = await refundableFen(db, input.cooperativeOrderId);
    if (remaining > 0) {
      refund = await createRefund(db, payments_, {
        cooperativeOrderId: input.cooperativeOrderId,
        cooperativeId: input.cooperativeId,
        amountFen: remaining,
        reason: input.reason,
        actorUserId: input.actorUserId,
        now: input.now,
        auditData: { cancellation: true },
      });
    }
  }
  return { ok: true, changed: done.changed, refund };
}

/** Puts one cooperative order's units back; the caller has just moved it to cancelled under lock. */
async function restockCooperativeOrder(tx: Db, cooperativeOrderId: string, now: Date) {
  const lines = await queryRows<{ variant_id: number; quantity: number }>(
    tx,
    sql`SELECT variant_id, sum(quantity)::int AS quantity FROM order_items WHERE cooperative_order_id = ${cooperativeOrderId}::uuid GROUP BY variant_id ORDER BY variant_id`,
  );
  const backInStock: number[] = [];
  for (const line of lines) {
    const [row] = await queryRows<{ stock: number; product_id: number }>(
      tx,
      sql`UPDATE product_variants SET stock = stock + ${Number(line.quantity)}, updated_at = ${now.toISOString()}::timestamptz
          WHERE id = ${line.variant_id} RETURNING stock, product_id`,
    );
    if (row && Number(row.stock) === Number(line.quantity)) backInStock.push(row.product_id);
  }
  if (backInStock.length > 0) await enqueueSearchSync(tx, backInStock, 'stock.released');
}

/** Counts for the portal list's filter chips. */
export async function countCooperativeOrdersByStatus(db: Db, cooperativeId: number): Promise<Record<CooperativeOrderStatus, number>> {
  const rows = await db
    .select({ status: cooperativeOrders.status, n: count() })
    .from(cooperativeOrders)
    .where(eq(cooperativeOrders.cooperativeId, cooperativeId))
    .groupBy(cooperativeOrders.status);
  const out = { awaiting_payment: 0, awaiting_shipment: 0, shipped: 0, delivered: 0, cancelled: 0 };
  for (const r of rows) out[r.status] = Number(r.n);
  return out;
}

