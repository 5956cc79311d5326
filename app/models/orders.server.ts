/**
 * Orders after checkout: the three state machines (order, cooperative order, payment), paying,
 * cancelling and restocking, the settlement ledger entries a payment earns each cooperative,
 * buyer notifications, and the reads behind the order pages.
 *
 * Every status change goes through one transition function per machine, which refuses anything
 * its table does not list. Functions that change an order lock its row first (`FOR UPDATE`), so
 * a webhook, the coordinator's confirmation and the expiry sweeper may arrive in any order and
 * any number of times: each change happens once, and restocking happens once.
 *
 * For the Stripe webhook (exact names kept): markOrderPaid, markPaymentFailed, cancelUnpaidOrder,
 * getOrderForPayment. A failed Stripe payment ends its Checkout Session, so markPaymentFailed
 * also cancels the order and releases its stock; the buyer orders again.
 */
import crypto from 'node:crypto';
import { and, asc, count, desc, eq, isNotNull, lte, ne, sql } from 'drizzle-orm';
import type { i18n as I18n } from 'i18next';
import {
  cooperativeOrders,
  cooperatives,
  jobs,
  notifications,
  orderItems,
  orders,
  payments,
  users,
  type CooperativeOrder,
  type Order,
} from '~/db/schema';
import { isLocale, type Locale } from '~/locales';
import { recordAudit } from '~/models/audit.server';
import { getRegionPath } from '~/models/regions.server';
import { enqueueSearchSync } from '~/models/search-sync.server';
import { enqueueStripeSweep } from '~/models/stripe-sweep-job.server';
import { queryRows, type Db } from '~/utils/db.server';
import { createI18n } from '~/utils/i18n';
import { enqueueJob, type JobHandler } from '~/utils/jobs.server';
import { enqueueEmail } from '~/utils/mail.server';
import { formatFen } from '~/utils/money';
import { sha256Hex } from '~/utils/session.server';

export type OrderStatus = Order['status'];
export type CooperativeOrderStatus = CooperativeOrder['status'];
export type PaymentStatus = (typeof payments.$inferSelect)['status'];
export type PaymentMethod = Order['paymentMethod'];

// ---------------------------------------------------------------- state machines

/**
 * The only order transitions there are. A paid order is cancelled only when none of its
 * cooperative orders is live any more and its money went back in full (closeRefundedOrder).
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending_payment: ['paid', 'cancelled'],
  paid: ['completed', 'cancelled'],
  completed: [],
  cancelled: [],
};

/** Each cooperative's part is fulfilled and tracked on its own. */
export const COOPERATIVE_ORDER_TRANSITIONS: Readonly<Record<CooperativeOrderStatus, readonly CooperativeOrderStatus[]>> = {
  awaiting_payment: ['awaiting_shipment', 'cancelled'],
  awaiting_shipment: ['shipped', 'cancelled'],
  shipped: ['delivered'],
  delivered: [],
  cancelled: [],
};

export const PAYMENT_TRANSITIONS: Readonly<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  pending: ['succeeded', 'failed', 'expired', 'cancelled'],
  succeeded: [],
  failed: [],
  expired: [],
  cancelled: [],
};

export class IllegalTransitionError extends Error {
  override name = 'IllegalTransitionError';
  constructor(
    readonly machine: 'order' | 'cooperative_order' | 'payment',
    readonly from: string,
    readonly to: string,
  ) {
    super(`illegal ${machine} transition: ${from} → ${to}`);
  }
}

export class OrderNotFoundError extends Error {
  override name = 'OrderNotFoundError';
}

export class PaymentAmountMismatchError extends Error {
  override name = 'PaymentAmountMismatchError';
  constructor(
    readonly expectedFen: number,
    readonly receivedFen: number,
  ) {
    super(`payment amount ${receivedFen} does not match the order total ${expectedFen}`);
  }
}

/** A provider event for a Checkout Session the order's payment no longer uses (replaced by a newer payment). */
export class SupersededSessionError extends Error {
  override name = 'SupersededSessionError';
  constructor(readonly providerSessionId: string) {
    super(`session ${providerSessionId} belongs to a payment that was replaced`);
  }
}

function checkTransition<S extends string>(machine: IllegalTransitionError['machine'], table: Readonly<Record<S, readonly S[]>>, from: S, to: S): void {
  if (!table[from].includes(to)) throw new IllegalTransitionError(machine, from, to);
}

export interface TransitionResult<S> {
  /** False when the record already had the target status (a repeat is no error). */
  changed: boolean;
  from: S;
}

/**
 * Moves an order to `to`, stamping paid_at / cancelled_at, and notifies the buyer. Refuses any
 * transition not in ORDER_TRANSITIONS. Locks the row; pass the transaction as `db`.
 */
export async function transitionOrder(
  db: Db,
  { orderId, to, now, cancelReason, notifyBuyer = true }: { orderId: string; to: OrderStatus; now: Date; cancelReason?: string; notifyBuyer?: boolean },
): Promise<TransitionResult<OrderStatus>> {
  return inTransaction(db, async (tx) => {
    const order = await lockOrder(tx, orderId);
    if (order.status === to) return { changed: false, from: order.status };
    checkTransition('order', ORDER_TRANSITIONS, order.status, to);
    await tx
      .update(orders)
      .set({
        status: to,
        updatedAt: now,
        ...(to === 'paid' ? { paidAt: now } : {}),
        ...(to === 'cancelled' ? { cancelledAt: now, cancelReason: cancelReason ?? null } : {}),
      })
      .where(eq(orders.id, orderId));
    if (notifyBuyer) await notifyBuyerOf(tx, { ...order, cancelReason: cancelReason ?? null }, `order.${to}`);
    return { changed: true, from: order.status };
  });
}

/**
 * Moves one cooperative order to `to` (stamping shipped_at / delivered_at / cancelled_at; carrier
 * and tracking number with 'shipped') and notifies the buyer unless told not to (a whole order
 * paid or cancelled notifies once, for the order). Refuses any transition not in the table.
 */
export async function transitionCooperativeOrder(
  db: Db,
  {
    cooperativeOrderId,
    to,
    now,
    shipment,
    notifyBuyer = true,
  }: { cooperativeOrderId: string; to: CooperativeOrderStatus; now: Date; shipment?: { carrier: string; trackingNumber: string }; notifyBuyer?: boolean },
): Promise<TransitionResult<CooperativeOrderStatus>> {
  return inTransaction(db, async (tx) => {
    const [row] = await tx.select().from(cooperativeOrders).where(eq(cooperativeOrders.id, cooperativeOrderId)).for('update');
    if (!row) throw new OrderNotFoundError(`cooperative order ${cooperativeOrderId} not found`);
    if (row.status === to) return { changed: false, from: row.status };
    checkTransition('cooperative_order', COOPERATIVE_ORDER_TRANSITIONS, row.status, to);
    if (to === 'shipped' && !shipment) throw new Error('shipping a cooperative order needs a carrier and a tracking number');
    await tx
      .update(cooperativeOrders)
      .set({
        status: to,
        updatedAt: now,
        ...(to === 'shipped' ? { shippedAt: now, carrier: shipment!.carrier, trackingNumber: shipment!.trackingNumber } : {}),
        ...(to === 'delivered' ? { deliveredAt: now } : {}),
        ...(to === 'cancelled' ? { cancelledAt: now } : {}),
      })
      .where(eq(cooperativeOrders.id, cooperativeOrderId));
    // The last live part of a paid order whose money already went back: the order is over too.
    if (to === 'cancelled') await closeRefundedOrder(tx, { orderId: row.orderId, now });
    if (notifyBuyer) {
      const [order] = await tx.select().from(orders).where(eq(orders.id, row.orderId));
      const [cooperative] = await tx.select({ legalName: cooperatives.legalName }).from(cooperatives).where(eq(cooperatives.id, row.cooperativeId));
      await notifyBuyerOf(tx, order!, `cooperative_order.${to}`, {
        cooperative: cooperative?.legalName ?? '',
        carrier: shipment?.carrier ?? row.carrier ?? '',
        trackingNumber: shipment?.trackingNumber ?? row.trackingNumber ?? '',
      });
    }
    return { changed: true, from: row.status };
  });
}

/**
 * A paid order whose every cooperative order is cancelled and whose total has been refunded in
 * full is cancelled (reason 'refunded'), so it no longer reads as paid. Its payment stays
 * succeeded: the money came, and the refunds record its way back. Anything else is left alone
 * (`changed: false`): an unpaid order, a live part, a refund still pending at Stripe. Called when
 * a cooperative order is cancelled and when a refund is applied; the caller holds the order lock
 * or takes it here (order first, as every change to an order does).
 */
export async function closeRefundedOrder(db: Db, { orderId, now }: { orderId: string; now: Date }): Promise<{ changed: boolean }> {
  const [order] = await db.select({ status: orders.status, totalFen: orders.totalFen, refundedFen: orders.refundedFen, number: orders.number }).from(orders).where(eq(orders.id, orderId));
  if (order?.status !== 'paid' || order.refundedFen < order.totalFen) return { changed: false };
  const [live] = await db
    .select({ n: count() })
    .from(cooperativeOrders)
    .where(and(eq(cooperativeOrders.orderId, orderId), ne(cooperativeOrders.status, 'cancelled')));
  if (Number(live?.n ?? 0) > 0) return { changed: false };
  const { changed } = await transitionOrder(db, { orderId, to: 'cancelled', now, cancelReason: 'refunded' });
  if (changed) {
    await recordAudit(db, { actorUserId: null, action: 'order.cancelled', entityType: 'order', entityId: orderId, data: { number: order.number, reason: 'refunded', refundedFen: order.refundedFen } });
  }
  return { changed };
}

/** Moves a payment to `to`; refuses any transition not in PAYMENT_TRANSITIONS. */
export async function transitionPayment(
  db: Db,
  {
    paymentId,
    to,
    now,
    set = {},
  }: {
    paymentId: string;
    to: PaymentStatus;
    now: Date;
    set?: Partial<Pick<typeof payments.$inferInsert, 'providerSessionId' | 'providerPaymentIntentId' | 'confirmedBy' | 'confirmedAt'>>;
  },
): Promise<TransitionResult<PaymentStatus>> {
  return inTransaction(db, async (tx) => {
    const [row] = await tx.select({ status: payments.status }).from(payments).where(eq(payments.id, paymentId)).for('update');
    if (!row) throw new OrderNotFoundError(`payment ${paymentId} not found`);
    if (row.status === to) return { changed: false, from: row.status };
    checkTransition('payment', PAYMENT_TRANSITIONS, row.status, to);
    await tx
      .update(payments)
      .set({ ...set, status: to, updatedAt: now })
      .where(eq(payments.id, paymentId));
    return { changed: true, from: row.status };
  });
}

// ---------------------------------------------------------------- notifications

export interface Notification {
  userId: string | null;
  kind: string;
  title: string;
  body: string;
  link: string | null;
  email?: string | null;
}

/** An in-app notification for a signed-in user and, when an address is known, the same by e-mail (outbox). */
export async function notify(db: Db, { userId, kind, title, body, link, email }: Notification): Promise<void> {
  if (userId) await db.insert(notifications).values({ userId, kind, title, body, link });
  if (email) await enqueueEmail(db, { to: email, subject: title, text: body });
}

const i18nByLocale = new Map<Locale, I18n>();
function translator(locale: string | null | undefined) {
  const lng: Locale = isLocale(locale) ? locale : 'zh-CN';
  let instance = i18nByLocale.get(lng);
  if (!instance) {
    instance = createI18n(lng);
    i18nByLocale.set(lng, instance);
  }
  return { t: instance.t.bind(instance), locale: lng };
}

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+$/;

/** Who to tell about an order: its user (in-app, their e-mail and language), or the guest's e-mail contact. */
async function buyerOf(db: Db, order: Pick<Order, 'userId' | 'contact'>) {
  if (order.userId) {
    const [user] = await db.select({ email: users.email, locale: users.locale }).from(users).where(eq(users.id, order.userId));
    if (user) return { userId: order.userId, email: user.email, locale: user.locale };
  }
  return { userId: null, email: order.contact && EMAIL_PATTERN.test(order.contact) ? order.contact : null, locale: 'zh-CN' };
}

/**
 * Tells the buyer about an order event in their language. `kind` names a key under
 * orders:notifications (order.paid, cooperative_order.shipped, …). `extraBody` lets the order
 * confirmation add its guest link and payment instructions.
 */
export async function notifyBuyerOf(
  db: Db,
  order: Pick<Order, 'id' | 'number' | 'userId' | 'contact' | 'totalFen' | 'cancelReason'>,
  kind: string,
  params: Record<string, string> = {},
  extraBody = '',
): Promise<void> {
  const buyer = await buyerOf(db, order);
  if (!buyer.userId && !buyer.email) return;
  const { t, locale } = translator(buyer.locale);
  const values = {
    number: order.number,
    total: formatFen(order.totalFen, locale),
    reason: order.cancelReason ? t(`orders:cancelReasons.${order.cancelReason}`, { defaultValue: order.cancelReason }) : '',
    ...params,
  };
  const key = `orders:notifications.${kind.replace('.', '_')}`;
  const title = t(`${key}.title`, values);
  const body = [t(`${key}.body`, values), extraBody].filter(Boolean).join('\n\n');
  await notify(db, { userId: buyer.userId, kind, title, body, link: `/orders/${order.id}`, email: buyer.email });
}

// ---------------------------------------------------------------- shared steps

function inTransaction<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction((tx) => work(tx as unknown as Db));
}

async function lockOrder(tx: Db, orderId: string): Promise<Order> {
  const [order] = await tx.select().from(orders).where(eq(orders.id, orderId)).for('update');
  if (!order) throw new OrderNotFoundError(`order ${orderId} not found`);
  return order;
}

async function paymentOf(tx: Db, orderId: string) {
  const [payment] = await tx.select().from(payments).where(eq(payments.orderId, orderId)).orderBy(desc(payments.createdAt)).limit(1).for('update');
  return payment;
}

type PaymentRow = typeof payments.$inferSelect;

/** True when a payment of this order other than `current` holds the session: an old, replaced session. */
async function isSupersededSession(tx: Db, orderId: string, current: Pick<PaymentRow, 'id'>, providerSessionId: string): Promise<boolean> {
  const [holder] = await tx
    .select({ id: payments.id })
    .from(payments)
    .where(and(eq(payments.orderId, orderId), eq(payments.providerSessionId, providerSessionId)));
  return Boolean(holder && holder.id !== current.id);
}

/**
 * Replaces the order's pending payment by a new pending one (a payment's amount and Checkout
 * Session never change once sent to Stripe): the old one moves to `to`, keeping its session for
 * the record, and the new one, without a session, becomes the order's payment. Its creation time
 * is after the old one's, so "the latest payment" is always the new one. Caller holds the order lock.
 */
export async function supersedePayment(
  tx: Db,
  old: PaymentRow,
  { to, amountFen, now }: { to: 'expired' | 'cancelled'; amountFen: number; now: Date },
): Promise<PaymentRow> {
  await transitionPayment(tx, { paymentId: old.id, to, now });
  const createdAt = new Date(Math.max(now.getTime(), old.createdAt.getTime() + 1));
  const [row] = await tx
    .insert(payments)
    .values({ orderId: old.orderId, provider: old.provider, method: old.method, status: 'pending', amountFen, currency: old.currency, createdAt, updatedAt: now })
    .returning();
  return row!;
}

/**
 * An unpaid order loses one cooperative's part (cancelled before payment): what the buyer owes
 * becomes the sum of the parts still live, goods and shipping, on the order (goods_fen,
 * shipping_fen, total_fen, which bank-transfer instructions, the coordinator's confirmation and
 * the Stripe amount check all read) and on its pending payment. An offline payment's amount is
 * corrected in place; a Stripe payment is replaced (supersedePayment) so the next "pay now" opens
 * a session for the new amount under a new idempotency key. The caller holds the order lock, has
 * closed any open Checkout Session at Stripe, and keeps at least one part live. Returns the new total.
 */
export async function reduceAmountDue(tx: Db, { orderId, cancelledCooperativeOrderId, now }: { orderId: string; cancelledCooperativeOrderId: string; now: Date }): Promise<number> {
  const [sums] = await tx
    .select({
      goods: sql<number>`coalesce(sum(${cooperativeOrders.goodsFen}), 0)::int`,
      shipping: sql<number>`coalesce(sum(${cooperativeOrders.shippingFen}), 0)::int`,
    })
    .from(cooperativeOrders)
    .where(and(eq(cooperativeOrders.orderId, orderId), ne(cooperativeOrders.status, 'cancelled'), ne(cooperativeOrders.id, cancelledCooperativeOrderId)));
  const goodsFen = Number(sums?.goods ?? 0);
  const shippingFen = Number(sums?.shipping ?? 0);
  const totalFen = goodsFen + shippingFen;
  if (totalFen <= 0) throw new Error(`order ${orderId} has no live part left to pay for`);
  await tx.update(orders).set({ goodsFen, shippingFen, totalFen, updatedAt: now }).where(eq(orders.id, orderId));
  const payment = await paymentOf(tx, orderId);
  if (payment?.status === 'pending' && payment.amountFen !== totalFen) {
    if (payment.provider === 'stripe') await supersedePayment(tx, payment, { to: 'cancelled', amountFen: totalFen, now });
    else await tx.update(payments).set({ amountFen: totalFen, updatedAt: now }).where(eq(payments.id, payment.id));
  }
  return totalFen;
}

/**
 * The ledger: what the operator owes a cooperative for one paid cooperative order (goods, and
 * shipping when charged). The partial unique index makes a repeat a no-op.
 */
async function recordSettlement(tx: Db, coop: Pick<CooperativeOrder, 'id' | 'cooperativeId' | 'goodsFen' | 'shippingFen'>, orderNumber: string, now: Date) {
  const entries = [
    { kind: 'goods', amountFen: coop.goodsFen },
    { kind: 'shipping', amountFen: coop.shippingFen },
  ].filter((e) => e.amountFen > 0);
  for (const entry of entries) {
    await tx.execute(
      sql`INSERT INTO settlement_entries (cooperative_id, cooperative_order_id, kind, amount_fen, note, created_at)
          VALUES (${coop.cooperativeId}, ${coop.id}::uuid, ${entry.kind}::settlement_kind, ${entry.amountFen}, ${orderNumber}, ${now.toISOString()}::timestamptz)
          ON CONFLICT (cooperative_order_id, kind) WHERE kind <> 'refund' DO NOTHING`,
    );
  }
}

/** Payment received for the whole order: payment succeeded, order paid, every cooperative order ready to ship and settled. */
async function settleOrderPayment(
  tx: Db,
  order: Order,
  paymentId: string,
  { now, actorUserId, paymentSet, audit }: { now: Date; actorUserId: string | null; paymentSet: Parameters<typeof transitionPayment>[1]['set']; audit: Record<string, unknown> },
) {
  await transitionPayment(tx, { paymentId, to: 'succeeded', now, set: paymentSet });
  const coops = await tx.select().from(cooperativeOrders).where(eq(cooperativeOrders.orderId, order.id)).orderBy(asc(cooperativeOrders.id));
  for (const coop of coops) {
    if (coop.status === 'awaiting_payment') {
      await transitionCooperativeOrder(tx, { cooperativeOrderId: coop.id, to: 'awaiting_shipment', now, notifyBuyer: false });
    }
    if (coop.status !== 'cancelled') await recordSettlement(tx, coop, order.number, now);
  }
  await transitionOrder(tx, { orderId: order.id, to: 'paid', now });
  await recordAudit(tx, { actorUserId, action: 'payment.confirmed', entityType: 'order', entityId: order.id, data: { number: order.number, amountFen: order.totalFen, ...audit } });
}

/** Puts the ordered units back, once: callers hold the order lock and have just left pending_payment. */
async function restockOrder(tx: Db, orderId: string, now: Date) {
  const lines = await queryRows<{ variant_id: number; quantity: number }>(
    tx,
    sql`SELECT variant_id, sum(quantity)::int AS quantity FROM order_items WHERE order_id = ${orderId}::uuid GROUP BY variant_id ORDER BY variant_id`,
  );
  const backInStock: number[] = [];
  for (const line of lines) {
    const [row] = await queryRows<{ stock: number; product_id: number }>(
      tx,
      sql`UPDATE product_variants SET stock = stock + ${Number(line.quantity)}, updated_at = ${now.toISOString()}::timestamptz
          WHERE id = ${line.variant_id} RETURNING stock, product_id`,
    );
    // Search documents hold "in stock" only: it changes when a variant comes back from zero.
    if (row && Number(row.stock) === Number(line.quantity)) backInStock.push(row.product_id);
  }
  if (backInStock.length > 0) await enqueueSearchSync(tx, backInStock, 'stock.released');
}

/** Cancels a pending order under its lock: cooperative orders and payment too, and restocks. */
async function cancelLockedOrder(tx: Db, order: Order, { reason, now, paymentStatus }: { reason: string; now: Date; paymentStatus: 'expired' | 'cancelled' | null }) {
  const coops = await tx.select().from(cooperativeOrders).where(eq(cooperativeOrders.orderId, order.id)).orderBy(asc(cooperativeOrders.id));
  for (const coop of coops) {
    if (coop.status !== 'cancelled') await transitionCooperativeOrder(tx, { cooperativeOrderId: coop.id, to: 'cancelled', now, notifyBuyer: false });
  }
  const payment = await paymentOf(tx, order.id);
  if (payment && paymentStatus && payment.status === 'pending') await transitionPayment(tx, { paymentId: payment.id, to: paymentStatus, now });
  await transitionOrder(tx, { orderId: order.id, to: 'cancelled', now, cancelReason: reason });
  await restockOrder(tx, order.id, now);
  await recordAudit(tx, { actorUserId: null, action: 'order.cancelled', entityType: 'order', entityId: order.id, data: { number: order.number, reason } });
}

/** Goods already on their way (or cash collected) cannot be cancelled as unpaid. */
async function hasGoodsOnTheWay(tx: Db, orderId: string): Promise<boolean> {
  const [row] = await tx
    .select({ n: count() })
    .from(cooperativeOrders)
    .where(
      and(
        eq(cooperativeOrders.orderId, orderId),
        sql`(${cooperativeOrders.status} IN ('shipped', 'delivered') OR ${cooperativeOrders.codConfirmedAt} IS NOT NULL)`,
      ),
    );
  return Number(row?.n ?? 0) > 0;
}

// ---------------------------------------------------------------- paying

export interface MarkOrderPaidInput {
  orderId: string;
  providerSessionId?: string;
  paymentIntentId?: string;
  amountFen: number;
  now: Date;
}

/**
 * The provider says the order is paid. Only a pending order changes (`changed`); a repeat, or a
 * payment for an order already cancelled, changes nothing and reports the order's status (a
 * cancelled one needs a refund). Throws PaymentAmountMismatchError when the amount is not the
 * order total, SupersededSessionError for the session of a payment since replaced, and an error
 * when the session is not the payment's.
 */
export async function markOrderPaid(db: Db, input: MarkOrderPaidInput): Promise<{ changed: boolean; orderStatus: OrderStatus }> {
  return inTransaction(db, async (tx) => {
    const order = await lockOrder(tx, input.orderId);
    if (order.status !== 'pending_payment') return { changed: false, orderStatus: order.status };
    const payment = await paymentOf(tx, order.id);
    if (payment && input.providerSessionId && payment.providerSessionId !== input.providerSessionId) {
      // A session of a payment since replaced (its amount may be stale): a coordinator decides.
      if (await isSupersededSession(tx, order.id, payment, input.providerSessionId)) throw new SupersededSessionError(input.providerSessionId);
      if (payment.providerSessionId) throw new Error(`session ${input.providerSessionId} is not the session of order ${order.number}`);
    }
    if (input.amountFen !== order.totalFen) throw new PaymentAmountMismatchError(order.totalFen, input.amountFen);
    if (!payment || payment.status !== 'pending') return { changed: false, orderStatus: order.status };
    await settleOrderPayment(tx, order, payment.id, {
      now: input.now,
      actorUserId: null,
      paymentSet: {
        confirmedAt: input.now,
        ...(input.providerSessionId ? { providerSessionId: input.providerSessionId } : {}),
        ...(input.paymentIntentId ? { providerPaymentIntentId: input.paymentIntentId } : {}),
      },
      audit: { provider: payment.provider, method: payment.method },
    });
    return { changed: true, orderStatus: 'paid' };
  });
}

/**
 * The provider says the payment failed. The payment fails, and a still-pending order is cancelled
 * and restocked (its session is over). An event for another session than the payment's is ignored.
 */
export async function markPaymentFailed(db: Db, { orderId, providerSessionId, now }: { orderId: string; providerSessionId: string; now: Date }): Promise<{ changed: boolean }> {
  return inTransaction(db, async (tx) => {
    const order = await lockOrder(tx, orderId);
    const payment = await paymentOf(tx, order.id);
    if (!payment || (payment.providerSessionId && payment.providerSessionId !== providerSessionId)) return { changed: false };
    // A session of a payment since replaced (e.g. after a part was cancelled) says nothing about the current one.
    if (!payment.providerSessionId && (await isSupersededSession(tx, order.id, payment, providerSessionId))) return { changed: false };
    let changed = false;
    if (payment.status === 'pending') {
      await transitionPayment(tx, { paymentId: payment.id, to: 'failed', now, set: { providerSessionId } });
      changed = true;
    }
    if (order.status === 'pending_payment' && !(await hasGoodsOnTheWay(tx, order.id))) {
      await cancelLockedOrder(tx, order, { reason: 'payment_failed', now, paymentStatus: null });
      changed = true;
    }
    return { changed };
  });
}

/**
 * Cancels an unpaid order and puts its stock back, once. A paid, completed or cancelled order,
 * and one with goods already shipped, is left alone (`changed: false`). `reason` is a key of
 * orders:cancelReasons when it is one of ours (payment_expired, payment_provider_unavailable, …).
 */
export async function cancelUnpaidOrder(
  db: Db,
  { orderId, reason, now, onlyIfPayment }: { orderId: string; reason: string; now: Date; onlyIfPayment?: { paymentId?: string; providerSessionId?: string } },
): Promise<{ changed: boolean }> {
  return inTransaction(db, async (tx) => {
    const order = await lockOrder(tx, orderId);
    if (order.status !== 'pending_payment' || (await hasGoodsOnTheWay(tx, order.id))) return { changed: false };
    if (onlyIfPayment) {
      // Checked under the order lock: the payment (or session) that ran out must still be the order's pending one.
      const payment = await paymentOf(tx, order.id);
      if (!payment || payment.status !== 'pending') return { changed: false };
      if (onlyIfPayment.paymentId && payment.id !== onlyIfPayment.paymentId) return { changed: false };
      if (onlyIfPayment.providerSessionId && payment.providerSessionId !== onlyIfPayment.providerSessionId) return { changed: false };
    }
    await cancelLockedOrder(tx, order, { reason, now, paymentStatus: reason === 'payment_expired' ? 'expired' : 'cancelled' });
    return { changed: true };
  });
}

/** The order and its lines as the payment provider needs them (Stripe line items), or null. */
export async function getOrderForPayment(db: Db, orderId: string) {
  const [order] = await db.select().from(orders).where(eq(orders.id, orderId));
  if (!order) return null;
  const payment = await db.select().from(payments).where(eq(payments.orderId, orderId)).orderBy(desc(payments.createdAt)).limit(1);
  // Only what the buyer still pays for: lines of a cooperative order cancelled before payment are gone.
  const lines = await db
    .select({ title: orderItems.title, spec: orderItems.spec, unitPriceFen: orderItems.unitPriceFen, quantity: orderItems.quantity })
    .from(orderItems)
    .innerJoin(cooperativeOrders, eq(cooperativeOrders.id, orderItems.cooperativeOrderId))
    .where(and(eq(orderItems.orderId, orderId), ne(cooperativeOrders.status, 'cancelled')))
    .orderBy(asc(orderItems.id));
  const buyer = await buyerOf(db, order);
  return {
    order: {
      id: order.id,
      number: order.number,
      status: order.status,
      paymentMethod: order.paymentMethod,
      goodsFen: order.goodsFen,
      shippingFen: order.shippingFen,
      totalFen: order.totalFen,
      paymentDueAt: order.paymentDueAt,
      customerEmail: buyer.email,
    },
    payment: payment[0] ?? null,
    lines,
  };
}

export type ConfirmTransferResult =
  | { ok: true; changed: boolean; number: string }
  | { ok: false; problem: 'not_found' | 'not_bank_transfer' | 'not_pending' | 'amount_mismatch'; expectedFen?: number; status?: OrderStatus };

/**
 * A coordinator (or admin) saw the transfer arrive: the amount received must equal the order
 * total exactly, else nothing changes. Audited as 'payment.confirmed'.
 */
export async function confirmBankTransfer(
  db: Db,
  { orderId, amountFen, actorUserId, now }: { orderId: string; amountFen: number; actorUserId: string; now: Date },
): Promise<ConfirmTransferResult> {
  return inTransaction(db, async (tx) => {
    const [order] = await tx.select().from(orders).where(eq(orders.id, orderId)).for('update');
    if (!order) return { ok: false, problem: 'not_found' };
    if (order.paymentMethod !== 'bank_transfer') return { ok: false, problem: 'not_bank_transfer' };
    if (order.status !== 'pending_payment') return { ok: false, problem: 'not_pending', status: order.status };
    if (amountFen !== order.totalFen) return { ok: false, problem: 'amount_mismatch', expectedFen: order.totalFen };
    const payment = await paymentOf(tx, order.id);
    if (!payment || payment.status !== 'pending') return { ok: false, problem: 'not_pending', status: order.status };
    await settleOrderPayment(tx, order, payment.id, {
      now,
      actorUserId,
      paymentSet: { confirmedBy: actorUserId, confirmedAt: now },
      audit: { provider: 'offline', method: 'bank_transfer', amountReceivedFen: amountFen },
    });
    return { ok: true, changed: true, number: order.number };
  });
}

export type ConfirmCashResult =
  | { ok: true; changed: boolean; orderPaid: boolean }
  | { ok: false; problem: 'not_found' | 'not_cash_on_delivery' | 'not_shipped' | 'cancelled' };

/**
 * Cash on delivery: the cooperative confirms it collected the cash for its cooperative order
 * (shipped or delivered). That order's settlement is recorded; when every live cooperative
 * order of the order is confirmed, the payment succeeds and the order is paid.
 */
export async function confirmCashOnDelivery(
  db: Db,
  { cooperativeOrderId, cooperativeId, actorUserId, now }: { cooperativeOrderId: string; cooperativeId: number; actorUserId: string; now: Date },
): Promise<ConfirmCashResult> {
  return inTransaction(db, async (tx) => {
    const [ref] = await tx
      .select({ orderId: cooperativeOrders.orderId })
      .from(cooperativeOrders)
      .where(and(eq(cooperativeOrders.id, cooperativeOrderId), eq(cooperativeOrders.cooperativeId, cooperativeId)));
    if (!ref) return { ok: false, problem: 'not_found' };
    // The order first, as every other change does: two cooperatives confirming at once take turns.
    const order = await lockOrder(tx, ref.orderId);
    if (order.paymentMethod !== 'cash_on_delivery') return { ok: false, problem: 'not_cash_on_delivery' };
    const [coop] = await tx.select().from(cooperativeOrders).where(eq(cooperativeOrders.id, cooperativeOrderId)).for('update');
    if (!coop || coop.status === 'cancelled') return { ok: false, problem: 'cancelled' };
    if (coop.codConfirmedAt) return { ok: true, changed: false, orderPaid: order.status !== 'pending_payment' };
    if (coop.status !== 'shipped' && coop.status !== 'delivered') return { ok: false, problem: 'not_shipped' };
    await tx.update(cooperativeOrders).set({ codConfirmedAt: now, updatedAt: now }).where(eq(cooperativeOrders.id, coop.id));
    await recordSettlement(tx, coop, order.number, now);
    await recordAudit(tx, {
      actorUserId,
      action: 'payment.cod_confirmed',
      entityType: 'cooperative_order',
      entityId: coop.id,
      data: { number: order.number, cooperativeId, amountFen: coop.goodsFen + coop.shippingFen },
    });
    const [open] = await tx
      .select({ n: count() })
      .from(cooperativeOrders)
      .where(and(eq(cooperativeOrders.orderId, order.id), ne(cooperativeOrders.status, 'cancelled'), sql`${cooperativeOrders.codConfirmedAt} IS NULL`));
    let orderPaid = false;
    if (Number(open?.n ?? 0) === 0 && order.status === 'pending_payment') {
      const payment = await paymentOf(tx, order.id);
      if (payment?.status === 'pending') await transitionPayment(tx, { paymentId: payment.id, to: 'succeeded', now, set: { confirmedBy: actorUserId, confirmedAt: now } });
      await transitionOrder(tx, { orderId: order.id, to: 'paid', now });
      orderPaid = true;
    }
    return { ok: true, changed: true, orderPaid };
  });
}

// ---------------------------------------------------------------- expiry of unpaid orders

export const EXPIRE_UNPAID_ORDERS_JOB = 'orders.expire-unpaid';
const SWEEP_BATCH = 50;
/** A sweep already due this soon after an order's deadline covers it too. */
const SWEEP_COALESCE_MS = 5 * 60 * 1000;

/**
 * How long after its deadline a Stripe order with a Checkout Session is cancelled by the clock
 * when Stripe never said what became of the session (no event, and the Stripe sweeper could not
 * ask: Stripe unreachable or no longer configured). Stripe retries an event for up to three days.
 */
export const STRIPE_ORDER_BACKSTOP_MS = 72 * 3_600_000;

// An unpaid order whose goods already left (an anomaly for a coordinator) is never swept.
const noGoodsOnTheWay = sql`NOT EXISTS (SELECT 1 FROM cooperative_orders co WHERE co.order_id = orders.id
  AND (co.status IN ('shipped', 'delivered') OR co.cod_confirmed_at IS NOT NULL))`;

// The order's payment is a Stripe Checkout Session still pending: only Stripe knows whether it
// was paid (an event may be late), or whether it can still be; the Stripe sweeper asks.
const awaitsStripeSession = sql`EXISTS (SELECT 1 FROM payments p WHERE p.order_id = orders.id
  AND p.provider = 'stripe' AND p.status = 'pending' AND p.provider_session_id IS NOT NULL)`;

/**
 * Cancels pending orders whose payment deadline has passed and restocks them, batch by batch.
 * Rows are claimed with FOR UPDATE SKIP LOCKED, so sweepers on several instances share the work,
 * and each order is re-checked under its lock, so none is cancelled (or restocked) twice.
 *
 * A Stripe order whose Checkout Session was opened is not cancelled by the clock at its deadline
 * (its session's expiry plus a grace): the session may have been paid with the event still on its
 * way, or still be open at Stripe. It is handed to the Stripe sweeper, which reads the session,
 * expires it at Stripe if still open, and only then cancels and restocks, or marks the order paid.
 * The clock cancels it only STRIPE_ORDER_BACKSTOP_MS after its deadline. A Stripe order that never
 * got a session cannot be paid and is cancelled at its deadline like any other.
 */
export async function expireUnpaidOrders(db: Db, { now, batchSize = SWEEP_BATCH }: { now: Date; batchSize?: number }): Promise<{ cancelled: number; handedToStripe: number }> {
  const backstop = new Date(now.getTime() - STRIPE_ORDER_BACKSTOP_MS);
  const isDue = and(
    eq(orders.status, 'pending_payment'),
    isNotNull(orders.paymentDueAt),
    lte(orders.paymentDueAt, now),
    sql`(NOT ${awaitsStripeSession} OR ${orders.paymentDueAt} <= ${backstop.toISOString()}::timestamptz)`,
    noGoodsOnTheWay,
  );
  let cancelled = 0;
  for (;;) {
    const { claimed, done } = await inTransaction(db, async (tx) => {
      const due = await tx
        .select()
        .from(orders)
        .where(isDue)
        .orderBy(asc(orders.paymentDueAt), asc(orders.id))
        .limit(batchSize)
        .for('update', { skipLocked: true });
      let n = 0;
      for (const order of due) {
        if (await hasGoodsOnTheWay(tx, order.id)) continue;
        await cancelLockedOrder(tx, order, { reason: 'payment_expired', now, paymentStatus: 'expired' });
        n += 1;
      }
      return { claimed: due.length, done: n };
    });
    cancelled += done;
    if (claimed < batchSize) break;
  }
  const [stripeDue] = await db
    .select({ n: count() })
    .from(orders)
    .where(and(eq(orders.status, 'pending_payment'), lte(orders.paymentDueAt, now), awaitsStripeSession));
  const handedToStripe = Number(stripeDue?.n ?? 0);
  if (handedToStripe > 0) await enqueueStripeSweep(db, now);
  // The next deadline: an order's own, or a Stripe order's backstop.
  const backstopSql = sql.raw(`interval '${STRIPE_ORDER_BACKSTOP_MS / 1000} seconds'`);
  const [next] = await queryRows<{ at: string | Date | null }>(
    db,
    sql`SELECT min(at) AS at FROM (
          SELECT CASE WHEN ${awaitsStripeSession} THEN payment_due_at + ${backstopSql} ELSE payment_due_at END AS at
          FROM orders WHERE status = 'pending_payment' AND payment_due_at IS NOT NULL AND ${noGoodsOnTheWay}) deadlines
        WHERE at > ${now.toISOString()}::timestamptz`,
  );
  if (next?.at) await enqueueUnpaidOrderSweep(db, new Date(next.at));
  return { cancelled, handedToStripe };
}

/**
 * Schedules a sweep at `runAt` unless one is already pending by then (checkout calls it with the
 * order's deadline; each sweep schedules the next for the earliest deadline left). Pass the
 * transaction as `db`. An occasional duplicate sweep is harmless.
 */
export async function enqueueUnpaidOrderSweep(db: Db, runAt: Date): Promise<void> {
  const [pending] = await db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(eq(jobs.kind, EXPIRE_UNPAID_ORDERS_JOB), eq(jobs.status, 'pending'), lte(jobs.runAt, new Date(runAt.getTime() + SWEEP_COALESCE_MS))))
    .limit(1);
  if (!pending) await enqueueJob(db, { kind: EXPIRE_UNPAID_ORDERS_JOB, runAt, maxAttempts: 10 });
}

/** The job handler for EXPIRE_UNPAID_ORDERS_JOB (register it in background.server.ts). */
export const expireUnpaidOrdersJobHandler: JobHandler = async (_payload, ctx) => {
  const { cancelled, handedToStripe } = await expireUnpaidOrders(ctx.db, { now: ctx.now() });
  if (cancelled > 0) ctx.logger.info({ cancelled }, 'cancelled unpaid orders past their payment deadline');
  if (handedToStripe > 0) ctx.logger.info({ handedToStripe }, 'Stripe orders past their deadline left to the Stripe sweeper');
};

// ---------------------------------------------------------------- reading orders

/** True when the token is the order's guest access token (compared by SHA-256 in constant time). */
export function orderTokenMatches(order: Pick<Order, 'accessTokenHash'>, token: string | null | undefined): boolean {
  if (!token || !order.accessTokenHash) return false;
  const given = Buffer.from(sha256Hex(token), 'hex');
  const stored = Buffer.from(order.accessTokenHash, 'hex');
  return given.length === stored.length && crypto.timingSafeEqual(given, stored);
}

/** The buyer may see the order: its own user, or whoever holds the guest link's token. */
export function canViewOrder(order: Pick<Order, 'userId' | 'accessTokenHash'>, user: { id: string } | null, token: string | null): boolean {
  if (user && order.userId === user.id) return true;
  return orderTokenMatches(order, token);
}

export async function getOrderDetail(db: Db, orderId: string) {
  const [order] = await db.select().from(orders).where(eq(orders.id, orderId));
  if (!order) return null;
  const coops = await db
    .select({
      id: cooperativeOrders.id,
      status: cooperativeOrders.status,
      goodsFen: cooperativeOrders.goodsFen,
      shippingFen: cooperativeOrders.shippingFen,
      refundedFen: cooperativeOrders.refundedFen,
      carrier: cooperativeOrders.carrier,
      trackingNumber: cooperativeOrders.trackingNumber,
      codConfirmedAt: cooperativeOrders.codConfirmedAt,
      shippedAt: cooperativeOrders.shippedAt,
      deliveredAt: cooperativeOrders.deliveredAt,
      cancelledAt: cooperativeOrders.cancelledAt,
      cooperativeId: cooperatives.id,
      cooperativeSlug: cooperatives.slug,
      cooperativeName: cooperatives.legalName,
      cooperativePhone: cooperatives.contactPhone,
    })
    .from(cooperativeOrders)
    .innerJoin(cooperatives, eq(cooperatives.id, cooperativeOrders.cooperativeId))
    .where(eq(cooperativeOrders.orderId, orderId))
    .orderBy(asc(cooperativeOrders.cooperativeId));
  const items = await db.select().from(orderItems).where(eq(orderItems.orderId, orderId)).orderBy(asc(orderItems.id));
  const [payment] = await db.select().from(payments).where(eq(payments.orderId, orderId)).orderBy(desc(payments.createdAt)).limit(1);
  const regionPath = (await getRegionPath(db, order.regionCode)).map((r) => r.name);
  return {
    order,
    regionPath,
    payment: payment ?? null,
    cooperativeOrders: coops.map((c) => ({ ...c, items: items.filter((i) => i.cooperativeOrderId === c.id) })),
  };
}

export type OrderDetail = NonNullable<Awaited<ReturnType<typeof getOrderDetail>>>;

export interface TimelineEvent {
  kind: 'placed' | 'paid' | 'shipped' | 'delivered' | 'cod_confirmed' | 'cancelled' | 'completed';
  at: Date;
  cooperativeName?: string;
}

/** What happened to the order, oldest first, from its timestamps. */
export function orderTimeline(detail: OrderDetail): TimelineEvent[] {
  const events: TimelineEvent[] = [{ kind: 'placed', at: detail.order.createdAt }];
  if (detail.order.paidAt) events.push({ kind: 'paid', at: detail.order.paidAt });
  for (const c of detail.cooperativeOrders) {
    if (c.shippedAt) events.push({ kind: 'shipped', at: c.shippedAt, cooperativeName: c.cooperativeName });
    if (c.deliveredAt) events.push({ kind: 'delivered', at: c.deliveredAt, cooperativeName: c.cooperativeName });
    if (c.codConfirmedAt) events.push({ kind: 'cod_confirmed', at: c.codConfirmedAt, cooperativeName: c.cooperativeName });
  }
  if (detail.order.status === 'completed') events.push({ kind: 'completed', at: detail.order.updatedAt });
  if (detail.order.cancelledAt) events.push({ kind: 'cancelled', at: detail.order.cancelledAt });
  return events.sort((a, b) => a.at.getTime() - b.at.getTime());
}

export async function listUserOrders(db: Db, userId: string, { limit = 20, offset = 0 }: { limit?: number; offset?: number } = {}) {
  const rows = await db
    .select({
      id: orders.id,
      number: orders.number,
      status: orders.status,
      paymentMethod: orders.paymentMethod,
      totalFen: orders.totalFen,
      createdAt: orders.createdAt,
      firstTitle: sql<string | null>`(SELECT oi.title FROM order_items oi WHERE oi.order_id = orders.id ORDER BY oi.id LIMIT 1)`,
      itemCount: sql<number>`(SELECT coalesce(sum(oi.quantity), 0)::int FROM order_items oi WHERE oi.order_id = orders.id)`,
    })
    .from(orders)
    .where(eq(orders.userId, userId))
    .orderBy(desc(orders.createdAt), desc(orders.id))
    .limit(limit)
    .offset(offset);
  return rows.map((r) => ({ ...r, itemCount: Number(r.itemCount) }));
}

export async function countUserOrders(db: Db, userId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(orders).where(eq(orders.userId, userId));
  return Number(row?.n ?? 0);
}

/** Unpaid bank-transfer orders for the coordinator's desk, oldest deadline first; `number` narrows to one. */
export async function listUnpaidBankTransfers(db: Db, { number, limit = 50, offset = 0 }: { number?: string | null; limit?: number; offset?: number } = {}) {
  const where = and(eq(orders.status, 'pending_payment'), eq(orders.paymentMethod, 'bank_transfer'), number ? eq(orders.number, number) : undefined);
  const rows = await db
    .select({
      id: orders.id,
      number: orders.number,
      recipient: orders.recipient,
      mobile: orders.mobile,
      totalFen: orders.totalFen,
      createdAt: orders.createdAt,
      paymentDueAt: orders.paymentDueAt,
    })
    .from(orders)
    .where(where)
    .orderBy(asc(orders.paymentDueAt), asc(orders.id))
    .limit(limit)
    .offset(offset);
  const [total] = await db.select({ n: count() }).from(orders).where(where);
  return { rows, total: Number(total?.n ?? 0) };
}
