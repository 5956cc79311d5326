/**
 * Refunds, always of part of one payment and charged to one cooperative order. The operator is
 * merchant of record, so a cooperative refunds at most what remains of its own cooperative order:
 * goods + shipping − refunds already succeeded or still pending.
 *
 * A Stripe refund is inserted as pending in a committed transaction BEFORE the provider call, and
 * the row id is the idempotency key: a retry after a timeout reuses the same key and Stripe makes
 * one refund. An offline refund (bank transfer, cash on delivery) is paid back by the operator by
 * bank transfer and recorded as succeeded at once.
 *
 * A succeeded refund is applied once (applySucceededRefund): one negative settlement entry (the
 * unique index on refund_id guards it) and refunded_fen raised on the cooperative order and the
 * order (their check constraints cap both); an order whose every part is cancelled and whose
 * total is refunded in full is then cancelled itself (closeRefundedOrder). The Stripe webhook
 * applies a refund it moves to succeeded the same way; settleSucceededRefunds is the safety net
 * for any succeeded refund still unapplied.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { cooperativeOrders, cooperatives, orders, payments, refunds } from '~/db/schema';
import { recordAudit } from '~/models/audit.server';
import { closeRefundedOrder, notify } from '~/models/orders.server';
import { createI18n } from '~/utils/i18n';
import { queryRows, type Db } from '~/utils/db.server';
import { formatFen } from '~/utils/money';
import { PaymentProviderUnavailableError, type PaymentsPort } from '~/utils/payments/types';
import type { StripePayments } from '~/utils/payments/stripe.server';
import { isLocale } from '~/locales';
import { users } from '~/db/schema';

export type RefundProblem = 'not_found' | 'not_paid' | 'exceeds_refundable' | 'invalid_amount' | 'provider_unavailable' | 'provider_failed';
export type RefundOutcome =
  | { ok: true; refundId: string; status: 'pending' | 'succeeded' | 'failed' }
  | { ok: false; problem: RefundProblem; refundableFen?: number; refundId?: string };

function inTransaction<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction((tx) => work(tx as unknown as Db));
}

/** The payments port on the app context, when Stripe is configured. */
export function paymentsOf(app: object): StripePayments | null {
  return (app as { payments?: StripePayments | null }).payments ?? null;
}

/** What remains refundable of a cooperative order: its total less succeeded and pending refunds. */
export async function refundableFen(db: Db, cooperativeOrderId: string): Promise<number> {
  const [row] = await queryRows<{ remaining: number }>(
    db,
    sql`SELECT (co.goods_fen + co.shipping_fen - coalesce((SELECT sum(r.amount_fen) FROM refunds r
          WHERE r.cooperative_order_id = co.id AND r.status IN ('pending', 'succeeded')), 0))::int AS remaining
        FROM cooperative_orders co WHERE co.id = ${cooperativeOrderId}::uuid`,
  );
  return row ? Number(row.remaining) : 0;
}

/** Money was received for this cooperative order: the order's payment succeeded, or its cash was collected. */
function moneyReceived(order: { status: string }, coop: { codConfirmedAt: Date | null }, payment: { status: string } | undefined): boolean {
  if (coop.codConfirmedAt) return true;
  return payment?.status === 'succeeded' && (order.status === 'paid' || order.status === 'completed' || order.status === 'cancelled');
}

export interface CreateRefundInput {
  cooperativeOrderId: string;
  /** The cooperative acting (its own cooperative orders only); null for a coordinator deciding a claim. */
  cooperativeId: number | null;
  amountFen: number;
  reason: string;
  actorUserId: string | null;
  now: Date;
  /** e.g. the claim it settles. */
  auditData?: Record<string, unknown>;
}

/**
 * Refunds `amountFen` of one cooperative order. Offline payments: recorded succeeded and applied
 * in one transaction. Stripe: pending row committed, then the provider call, then its status.
 */
export async function createRefund(db: Db, payments_: PaymentsPort | null, input: CreateRefundInput): Promise<RefundOutcome> {
  if (!Number.isInteger(input.amountFen) || input.amountFen <= 0) return { ok: false, problem: 'invalid_amount' };
  const prepared = await inTransaction(db, async (tx): Promise<RefundOutcome | { ok: true; refundId: string; stripe: { paymentIntentId: string } }> => {
    const [ref] = await tx
      .select({ orderId: cooperativeOrders.orderId, cooperativeId: cooperativeOrders.cooperativeId })
      .from(cooperativeOrders)
      .where(eq(cooperativeOrders.id, input.cooperativeOrderId));
    if (!ref || (input.cooperativeId !== null && ref.cooperativeId !== input.cooperativeId)) return { ok: false, problem: 'not_found' };
    // The order first, as every change to an order does; then the cooperative order.
    const [order] = await tx.select().from(orders).where(eq(orders.id, ref.orderId)).for('update');
    const [coop] = await tx.select().from(cooperativeOrders).where(eq(cooperativeOrders.id, input.cooperativeOrderId)).for('update');
    const [payment] = await tx.select().from(payments).where(eq(payments.orderId, ref.orderId)).orderBy(sql`${payments.createdAt} DESC`).limit(1);
    if (!order || !coop || !payment || !moneyReceived(order, coop, payment)) return { ok: false, problem: 'not_paid' };
    const remaining = await refundableFen(tx, coop.id);
    if (input.amountFen > remaining) return { ok: false, problem: 'exceeds_refundable', refundableFen: remaining };
    const isStripe = payment.provider === 'stripe';
    if (isStripe && (!payments_ || !payment.providerPaymentIntentId)) return { ok: false, problem: 'provider_unavailable' };
    const [refund] = await tx
      .insert(refunds)
      .values({
        paymentId: payment.id,
        cooperativeOrderId: coop.id,
        amountFen: input.amountFen,
        status: isStripe ? 'pending' : 'succeeded',
        reason: input.reason,
        createdBy: input.actorUserId,
        createdAt: input.now,
        updatedAt: input.now,
      })
      .returning({ id: refunds.id });
    await recordAudit(tx, {
      actorUserId: input.actorUserId,
      action: 'refund.created',
      entityType: 'cooperative_order',
      entityId: coop.id,
      data: { refundId: refund!.id, orderNumber: order.number, cooperativeId: coop.cooperativeId, amountFen: input.amountFen, reason: input.reason, provider: payment.provider, ...input.auditData },
    });
    if (!isStripe) {
      await applySucceededRefund(tx, refund!.id, input.now, 'offline');
      return { ok: true, refundId: refund!.id, status: 'succeeded' };
    }
    return { ok: true, refundId: refund!.id, stripe: { paymentIntentId: payment.providerPaymentIntentId! } };
  });
  if (!prepared.ok || !('stripe' in prepared)) return prepared;
  return callProvider(db, payments_!, { refundId: prepared.refundId, paymentIntentId: prepared.stripe.paymentIntentId, now: input.now });
}

/** Asks Stripe again for a refund still pending (same idempotency key, so never a second refund). */
export async function retryRefund(db: Db, payments_: PaymentsPort | null, { refundId, now }: { refundId: string; now: Date }): Promise<RefundOutcome> {
  const [row] = await db
    .select({ status: refunds.status, intent: payments.providerPaymentIntentId, provider: payments.provider })
    .from(refunds)
    .innerJoin(payments, eq(payments.id, refunds.paymentId))
    .where(eq(refunds.id, refundId));
  if (!row) return { ok: false, problem: 'not_found' };
  if (row.status !== 'pending' || row.provider !== 'stripe') return { ok: true, refundId, status: row.status };
  if (!payments_ || !row.intent) return { ok: false, problem: 'provider_unavailable', refundId };
  return callProvider(db, payments_, { refundId, paymentIntentId: row.intent, now });
}

async function callProvider(db: Db, port: PaymentsPort, { refundId, paymentIntentId, now }: { refundId: string; paymentIntentId: string; now: Date }): Promise<RefundOutcome> {
  const [row] = await db.select().from(refunds).where(eq(refunds.id, refundId));
  let result;
  try {
    result = await port.refund({
      paymentIntentId,
      amountFen: row!.amountFen,
      idempotencyKey: refundId,
      reason: row!.reason || undefined,
      metadata: { cooperativeOrderId: row!.cooperativeOrderId, refundId },
    });
  } catch (error) {
    // The row stays pending: a retry (same key) or the webhook settles it.
    if (error instanceof PaymentProviderUnavailableError) return { ok: false, problem: 'provider_unavailable', refundId };
    await markRefund(db, { refundId, status: 'failed', now });
    return { ok: false, problem: 'provider_failed', refundId };
  }
  await markRefund(db, { refundId, status: result.status, providerRefundId: result.providerRefundId, now });
  return { ok: true, refundId, status: result.status };
}

/** Moves a pending refund on (never back), applying it when it succeeded. */
export async function markRefund(
  db: Db,
  { refundId, status, providerRefundId, now }: { refundId: string; status: 'pending' | 'succeeded' | 'failed'; providerRefundId?: string; now: Date },
): Promise<void> {
  await inTransaction(db, async (tx) => {
    const [row] = await tx.select().from(refunds).where(eq(refunds.id, refundId)).for('update');
    if (!row) return;
    const set: Partial<typeof refunds.$inferInsert> = { updatedAt: now };
    if (providerRefundId && !row.providerRefundId) set.providerRefundId = providerRefundId;
    if (row.status === 'pending' && status !== 'pending') set.status = status;
    await tx.update(refunds).set(set).where(eq(refunds.id, refundId));
    if ((set.status ?? row.status) === 'succeeded') await applySucceededRefund(tx, refundId, now, 'stripe');
    if (set.status === 'failed') {
      await recordAudit(tx, { actorUserId: null, action: 'refund.failed', entityType: 'refund', entityId: refundId, data: { cooperativeOrderId: row.cooperativeOrderId, amountFen: row.amountFen } });
    }
  });
}

/**
 * Applies a succeeded refund exactly once: the negative settlement entry, refunded_fen on the
 * cooperative order and the order, and the buyer's notification. A repeat changes nothing.
 */
export async function applySucceededRefund(tx: Db, refundId: string, now: Date, provider: 'offline' | 'stripe'): Promise<boolean> {
  const [refund] = await tx.select().from(refunds).where(and(eq(refunds.id, refundId), eq(refunds.status, 'succeeded')));
  if (!refund) return false;
  const [coop] = await tx.select().from(cooperativeOrders).where(eq(cooperativeOrders.id, refund.cooperativeOrderId));
  const [order] = await tx.select().from(orders).where(eq(orders.id, coop!.orderId));
  const inserted = await queryRows<{ id: number }>(
    tx,
    sql`INSERT INTO settlement_entries (cooperative_id, cooperative_order_id, kind, amount_fen, refund_id, note, created_at)
        VALUES (${coop!.cooperativeId}, ${coop!.id}::uuid, 'refund', ${-refund.amountFen}, ${refund.id}::uuid, ${order!.number}, ${now.toISOString()}::timestamptz)
        ON CONFLICT (refund_id) WHERE refund_id IS NOT NULL DO NOTHING RETURNING id`,
  );
  if (inserted.length === 0) return false;
  await tx
    .update(cooperativeOrders)
    .set({ refundedFen: sql`${cooperativeOrders.refundedFen} + ${refund.amountFen}`, updatedAt: now })
    .where(eq(cooperativeOrders.id, coop!.id));
  await tx
    .update(orders)
    .set({ refundedFen: sql`${orders.refundedFen} + ${refund.amountFen}`, updatedAt: now })
    .where(eq(orders.id, order!.id));
  await notifyBuyerOfRefund(tx, order!, coop!.cooperativeId, refund.amountFen, provider);
  // The last money of an order whose every part is cancelled: the order is cancelled, not paid.
  await closeRefundedOrder(tx, { orderId: order!.id, now });
  return true;
}

async function notifyBuyerOfRefund(tx: Db, order: typeof orders.$inferSelect, cooperativeId: number, amountFen: number, provider: 'offline' | 'stripe') {
  let userId: string | null = null;
  let email: string | null = null;
  let locale = 'zh-CN';
  if (order.userId) {
    const [user] = await tx.select({ email: users.email, locale: users.locale }).from(users).where(eq(users.id, order.userId));
    if (user) ({ email, locale } = { email: user.email, locale: user.locale ?? 'zh-CN' });
    if (user) userId = order.userId;
  } else if (order.contact && /^[^\s@]+@[^\s@]+$/.test(order.contact)) {
    email = order.contact;
  }
  if (!userId && !email) return;
  const [coop] = await tx.select({ name: cooperatives.legalName }).from(cooperatives).where(eq(cooperatives.id, cooperativeId));
  const lng = isLocale(locale) ? locale : 'zh-CN';
  const { t } = createI18n(lng);
  const values = { number: order.number, amount: formatFen(amountFen, lng), cooperative: coop?.name ?? '' };
  await notify(tx, {
    userId,
    kind: 'refund.succeeded',
    title: t('coop:fulfilment.notifications.refund.title', values),
    body: t(provider === 'offline' ? 'coop:fulfilment.notifications.refund.bodyOffline' : 'coop:fulfilment.notifications.refund.body', values),
    link: `/orders/${order.id}`,
    email,
  });
}

/** Applies succeeded refunds not yet in the ledger (the webhook moved them); returns how many. */
export async function settleSucceededRefunds(db: Db, now: Date, cooperativeId?: number): Promise<number> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`SELECT r.id FROM refunds r JOIN cooperative_orders co ON co.id = r.cooperative_order_id
        WHERE r.status = 'succeeded' AND NOT EXISTS (SELECT 1 FROM settlement_entries s WHERE s.refund_id = r.id)
        ${cooperativeId === undefined ? sql`` : sql`AND co.cooperative_id = ${cooperativeId}`} LIMIT 100`,
  );
  let n = 0;
  for (const row of rows) if (await inTransaction(db, (tx) => applySucceededRefund(tx, row.id, now, 'stripe'))) n++;
  return n;
}

/** The refunds of one cooperative order, newest first. */
export function listRefunds(db: Db, cooperativeOrderIds: string[]) {
  if (cooperativeOrderIds.length === 0) return Promise.resolve([]);
  return db
    .select()
    .from(refunds)
    .where(inArray(refunds.cooperativeOrderId, cooperativeOrderIds))
    .orderBy(sql`${refunds.createdAt} DESC`);
}
