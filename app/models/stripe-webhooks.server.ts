/**
 * What Stripe tells us, applied to orders, payments and refunds: the webhook's events and, for
 * events that never came, the expiry sweeper that asks Stripe for the real state of a session.
 *
 * Every event is stored by its id before anything else (webhook_events), then processed in one
 * transaction that holds the event row's lock and stamps processed_at, so an event delivered
 * twice, or twice at once, is applied once. Events may arrive in any order: the order model only
 * moves a pending order, so `expired` after `completed` cannot cancel a paid order. Money that
 * arrives for an order we cancelled (or for the wrong amount) is never ignored: it is logged at
 * warn and audited for a coordinator, who decides on the refund.
 *
 * The success page never marks an order paid; only these paths do.
 */
import { and, asc, count, eq, inArray, isNotNull, isNull, lte, sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import { orders, payments, refunds, webhookEvents } from '~/db/schema';
import { recordAudit } from '~/models/audit.server';
import { applySucceededRefund } from '~/models/refunds.server';
import { enqueueStripeSweep, STRIPE_SWEEP_INTERVAL_MS, STRIPE_SWEEP_JOB } from '~/models/stripe-sweep-job.server';
import { cancelUnpaidOrder, markOrderPaid, markPaymentFailed, PaymentAmountMismatchError, SupersededSessionError } from '~/models/orders.server';
import type { Db } from '~/utils/db.server';
import type { JobHandler } from '~/utils/jobs.server';
import type { Logger } from '~/utils/log.server';
import { describeCheckoutSession, type CheckoutSessionState, type StripePayments } from '~/utils/payments/stripe.server';
import { PaymentProviderUnavailableError } from '~/utils/payments/types';

export interface StripeEventContext {
  now: Date;
  logger: Logger;
}

export type StripeEventOutcome = 'processed' | 'duplicate';

/** A Stripe event as the webhook delivers it (verified by the route) or as stored. */
export type StripeEventLike = Pick<Stripe.Event, 'id' | 'type' | 'created' | 'livemode'> & { data: { object: unknown } };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LAST_ERROR_MAX_CHARS = 2000;

function inTransaction<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction((tx) => work(tx as unknown as Db));
}

// ---------------------------------------------------------------- events

/**
 * Stores the event by id (a repeat stores nothing) and processes it once. A processing error
 * rolls its changes back, is kept in last_error and is rethrown: the route answers 500 so Stripe
 * delivers again, and the sweeper retries stored events that stayed unprocessed.
 */
export async function receiveStripeEvent(db: Db, event: StripeEventLike, ctx: StripeEventContext): Promise<StripeEventOutcome> {
  await db
    .insert(webhookEvents)
    .values({ id: event.id, type: event.type, payload: event, receivedAt: ctx.now })
    .onConflictDoNothing({ target: webhookEvents.id });
  return processStoredEvent(db, event, ctx);
}

async function processStoredEvent(db: Db, event: StripeEventLike, ctx: StripeEventContext): Promise<StripeEventOutcome> {
  const logger = ctx.logger.child({ stripeEventId: event.id, stripeEventType: event.type });
  try {
    return await inTransaction(db, async (tx) => {
      const [row] = await tx.select({ processedAt: webhookEvents.processedAt }).from(webhookEvents).where(eq(webhookEvents.id, event.id)).for('update');
      if (row?.processedAt) return 'duplicate';
      await applyEvent(tx, event, { ...ctx, logger });
      await tx.update(webhookEvents).set({ processedAt: ctx.now, lastError: null }).where(eq(webhookEvents.id, event.id));
      return 'processed';
    });
  } catch (error) {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    await db
      .update(webhookEvents)
      .set({ lastError: text.slice(0, LAST_ERROR_MAX_CHARS) })
      .where(eq(webhookEvents.id, event.id));
    throw error;
  }
}

async function applyEvent(tx: Db, event: StripeEventLike, ctx: StripeEventContext): Promise<void> {
  switch (event.type) {
    case 'checkout.session.completed': {
      const session = describeCheckoutSession(event.data.object as Stripe.Checkout.Session);
      if (session.paymentStatus === 'paid') await applySessionPaid(tx, session, ctx, event.id);
      // Delayed methods complete the session unpaid; async_payment_succeeded or _failed follows.
      else ctx.logger.info({ sessionId: session.id, paymentStatus: session.paymentStatus }, 'checkout completed; awaiting the asynchronous payment');
      return;
    }
    case 'checkout.session.async_payment_succeeded':
      await applySessionPaid(tx, describeCheckoutSession(event.data.object as Stripe.Checkout.Session), ctx, event.id);
      return;
    case 'checkout.session.async_payment_failed':
      await applySessionFailed(tx, describeCheckoutSession(event.data.object as Stripe.Checkout.Session), ctx);
      return;
    case 'checkout.session.expired':
      await applySessionExpired(tx, describeCheckoutSession(event.data.object as Stripe.Checkout.Session), ctx);
      return;
    case 'charge.refunded':
      await handleChargeRefunded(tx, event.data.object as Stripe.Charge, ctx);
      return;
    case 'refund.created':
    case 'refund.updated':
    case 'refund.failed':
      await applyRefundUpdate(tx, event.data.object as Stripe.Refund, ctx);
      return;
    default:
      ctx.logger.debug('Stripe event type not handled; stored only');
  }
}

// ---------------------------------------------------------------- checkout sessions

type PaymentRow = typeof payments.$inferSelect;

/**
 * The payment a session belongs to: by session id, else (session id not saved yet) the order's
 * latest payment. `current` is false for a payment since replaced by a newer one (a session
 * expired and reopened by "pay now", or a part of the order cancelled before payment): its
 * events say nothing about the order any more.
 */
async function findPaymentForSession(tx: Db, session: CheckoutSessionState): Promise<{ payment: PaymentRow; current: boolean } | null> {
  const [bySession] = await tx.select().from(payments).where(eq(payments.providerSessionId, session.id));
  if (bySession) {
    const [latest] = await tx.select({ id: payments.id }).from(payments).where(eq(payments.orderId, bySession.orderId)).orderBy(sql`${payments.createdAt} desc`).limit(1);
    return { payment: bySession, current: latest?.id === bySession.id };
  }
  if (!session.orderId || !UUID.test(session.orderId)) return null;
  const [latest] = await tx.select().from(payments).where(eq(payments.orderId, session.orderId)).orderBy(sql`${payments.createdAt} desc`).limit(1);
  if (!latest || latest.provider !== 'stripe') return null;
  // The order's payment has another session: this one is not (or no longer) the order's.
  if (latest.providerSessionId && latest.providerSessionId !== session.id) return null;
  return { payment: latest, current: true };
}

async function recordAnomaly(
  tx: Db,
  ctx: StripeEventContext,
  { action, orderId, message, data }: { action: string; orderId: string; message: string; data: Record<string, unknown> },
) {
  const [order] = await tx.select({ number: orders.number, status: orders.status }).from(orders).where(eq(orders.id, orderId));
  const entry = { number: order?.number, orderStatus: order?.status, ...data };
  ctx.logger.warn({ orderId, ...entry }, message);
  await recordAudit(tx, { actorUserId: null, action, entityType: 'order', entityId: orderId, data: entry });
}

/** Stripe has the money for this session: the order is paid, or (cancelled meanwhile, wrong amount) a coordinator must decide. */
async function applySessionPaid(tx: Db, session: CheckoutSessionState, ctx: StripeEventContext, source: string): Promise<'paid' | 'anomaly' | 'ignored'> {
  const found = await findPaymentForSession(tx, session);
  const payment = found?.payment;
  const facts = { sessionId: session.id, paymentIntentId: session.paymentIntentId, amountFen: session.amountTotal, currency: session.currency, source };
  if (!payment) {
    ctx.logger.warn({ ...facts, orderId: session.orderId }, 'Stripe took a payment for a session that is no order of ours');
    if (session.orderId && UUID.test(session.orderId)) {
      const [order] = await tx.select({ id: orders.id }).from(orders).where(eq(orders.id, session.orderId));
      if (order) {
        await recordAnomaly(tx, ctx, { action: 'payment.unexpected_session', orderId: order.id, message: 'payment received for another session of the order', data: facts });
        return 'anomaly';
      }
    }
    return 'ignored';
  }
  if (!found?.current) return recordSupersededPayment(tx, ctx, payment, facts);
  if (session.currency !== 'cny' || session.amountTotal === null) {
    await recordAnomaly(tx, ctx, { action: 'payment.amount_mismatch', orderId: payment.orderId, message: 'payment received in an unexpected currency', data: facts });
    return 'anomaly';
  }
  let orderStatus: string;
  try {
    ({ orderStatus } = await markOrderPaid(tx, {
      orderId: payment.orderId,
      providerSessionId: session.id,
      ...(session.paymentIntentId ? { paymentIntentId: session.paymentIntentId } : {}),
      amountFen: session.amountTotal,
      now: ctx.now,
    }));
  } catch (error) {
    if (error instanceof SupersededSessionError) return recordSupersededPayment(tx, ctx, payment, facts);
    if (!(error instanceof PaymentAmountMismatchError)) throw error;
    await recordAnomaly(tx, ctx, {
      action: 'payment.amount_mismatch',
      orderId: payment.orderId,
      message: 'payment received for another amount than the order total',
      data: { ...facts, expectedFen: error.expectedFen },
    });
    return 'anomaly';
  }
  const [after] = await tx.select({ status: payments.status }).from(payments).where(eq(payments.id, payment.id));
  if (after?.status === 'succeeded' && (orderStatus === 'paid' || orderStatus === 'completed' || orderStatus === 'cancelled')) {
    // Paid before (a repeat), or paid then cancelled by a refund: nothing new happened.
    return 'paid';
  }
  // The money came, but the order was over (expired, failed or cancelled): keep the intent for the refund.
  if (session.paymentIntentId) {
    await tx
      .update(payments)
      .set({ providerPaymentIntentId: session.paymentIntentId, updatedAt: ctx.now })
      .where(and(eq(payments.id, payment.id), isNull(payments.providerPaymentIntentId)));
  }
  await recordAnomaly(tx, ctx, {
    action: 'payment.received_for_cancelled_order',
    orderId: payment.orderId,
    message: 'Stripe payment received for an order that is no longer awaiting payment: a coordinator must decide on a refund',
    data: { ...facts, paymentStatus: after?.status },
  });
  return 'anomaly';
}

/**
 * Money arrived for the session of a payment we had replaced (its amount may be stale). Such a
 * session was expired at Stripe before it was replaced, so this should not happen; if it does, the
 * intent is kept on that payment for the refund and a coordinator decides.
 */
async function recordSupersededPayment(tx: Db, ctx: StripeEventContext, payment: PaymentRow, facts: Record<string, unknown>): Promise<'anomaly'> {
  if (typeof facts.paymentIntentId === 'string') {
    await tx
      .update(payments)
      .set({ providerPaymentIntentId: facts.paymentIntentId, updatedAt: ctx.now })
      .where(and(eq(payments.id, payment.id), isNull(payments.providerPaymentIntentId)));
  }
  await recordAnomaly(tx, ctx, {
    action: 'payment.superseded_session',
    orderId: payment.orderId,
    message: 'Stripe payment received for a Checkout Session the order no longer uses: a coordinator must decide on a refund',
    data: { ...facts, paymentId: payment.id, paymentStatus: payment.status },
  });
  return 'anomaly';
}

async function applySessionFailed(tx: Db, session: CheckoutSessionState, ctx: StripeEventContext): Promise<void> {
  const found = await findPaymentForSession(tx, session);
  if (!found) {
    ctx.logger.warn({ sessionId: session.id, orderId: session.orderId }, 'async payment failed for a session that is no order of ours');
    return;
  }
  const { payment } = found;
  if (!found.current) {
    ctx.logger.info({ sessionId: session.id, orderId: payment.orderId }, 'async payment failed for a replaced session; the order keeps its current payment');
    return;
  }
  // Fails the payment and cancels (and restocks) the order if it still awaits payment.
  await markPaymentFailed(tx, { orderId: payment.orderId, providerSessionId: session.id, now: ctx.now });
}

async function applySessionExpired(tx: Db, session: CheckoutSessionState, ctx: StripeEventContext): Promise<boolean> {
  const found = await findPaymentForSession(tx, session);
  if (!found?.current) {
    ctx.logger.info({ sessionId: session.id, orderId: session.orderId }, 'expired session is no current session of ours');
    return false;
  }
  const { payment } = found;
  // Only a pending order is cancelled: an expired event after a completed one changes nothing. And
  // only while this payment is still the order's (checked again under the order's lock): a session
  // we expired ourselves to replace it (a part cancelled, "pay now" after expiry) cancels nothing.
  const { changed } = await cancelUnpaidOrder(tx, {
    orderId: payment.orderId,
    reason: 'payment_expired',
    now: ctx.now,
    onlyIfPayment: { paymentId: payment.id, ...(payment.providerSessionId ? { providerSessionId: session.id } : {}) },
  });
  return changed;
}

// ---------------------------------------------------------------- refunds

type RefundStatus = (typeof refunds.$inferSelect)['status'];

/** The refund statuses a Stripe refund moves ours through; a failed refund may follow a success. */
const REFUND_TRANSITIONS: Readonly<Record<RefundStatus, readonly RefundStatus[]>> = {
  pending: ['succeeded', 'failed'],
  succeeded: ['failed'],
  failed: [],
};

function ourRefundStatus(status: string | null): RefundStatus {
  if (status === 'succeeded') return 'succeeded';
  if (status === 'failed' || status === 'canceled') return 'failed';
  return 'pending';
}

/** Our refund row for a Stripe refund, locked: by provider_refund_id, else by the row id we sent in its metadata. */
async function lockRefundRow(tx: Db, refund: Pick<Stripe.Refund, 'id' | 'amount'> & { metadata?: Stripe.Refund['metadata'] }) {
  const [byProviderId] = await tx.select().from(refunds).where(eq(refunds.providerRefundId, refund.id)).for('update');
  if (byProviderId) return byProviderId;
  // The event can come before the refund call's answer was saved, or after that call timed out
  // (the row stays pending without Stripe's id): the metadata names the row. Its amount must match.
  const ourId = refund.metadata?.refundId;
  if (!ourId || !UUID.test(ourId)) return null;
  const [byOurId] = await tx
    .select()
    .from(refunds)
    .where(and(eq(refunds.id, ourId), isNull(refunds.providerRefundId), eq(refunds.amountFen, refund.amount)))
    .for('update');
  return byOurId ?? null;
}

/**
 * Brings our refund row (by provider_refund_id, or the row id in the refund's metadata) to the
 * refund's status at Stripe. Returns the new status when it changed. A refund that succeeded is
 * applied by the refund model once (the negative settlement entry of its cooperative order, the
 * refunded amounts, the buyer's notification; a repeat applies nothing). A refund that failed is
 * audited for a coordinator (the money did not reach the buyer).
 */
export async function applyRefundUpdate(
  tx: Db,
  refund: Pick<Stripe.Refund, 'id' | 'status' | 'amount' | 'failure_reason' | 'payment_intent'> & { metadata?: Stripe.Refund['metadata'] },
  ctx: StripeEventContext,
): Promise<RefundStatus | null> {
  const row = await lockRefundRow(tx, refund);
  if (!row) {
    ctx.logger.info({ refundId: refund.id, status: refund.status }, 'Stripe refund not recorded here (yet)');
    return null;
  }
  if (!row.providerRefundId) await tx.update(refunds).set({ providerRefundId: refund.id, updatedAt: ctx.now }).where(eq(refunds.id, row.id));
  const to = ourRefundStatus(refund.status);
  if (to === row.status || !REFUND_TRANSITIONS[row.status].includes(to)) return null;
  await tx.update(refunds).set({ status: to, updatedAt: ctx.now }).where(eq(refunds.id, row.id));
  if (to === 'succeeded') await applySucceededRefund(tx, row.id, ctx.now, 'stripe');
  if (to === 'failed') {
    const [payment] = await tx.select({ orderId: payments.orderId }).from(payments).where(eq(payments.id, row.paymentId));
    ctx.logger.warn({ refundId: refund.id, cooperativeOrderId: row.cooperativeOrderId, failureReason: refund.failure_reason }, 'Stripe refund failed');
    await recordAudit(tx, {
      actorUserId: null,
      action: 'refund.failed',
      entityType: 'refund',
      entityId: row.id,
      data: { providerRefundId: refund.id, orderId: payment?.orderId, cooperativeOrderId: row.cooperativeOrderId, amountFen: row.amountFen, failureReason: refund.failure_reason, from: row.status },
    });
  }
  return to;
}

/**
 * `charge.refunded` fires for every refund, partial ones too. Since API 2022-11-15 the Charge
 * carries no refunds list, so the statuses come from refund.* events (applyRefundUpdate); here the
 * amount Stripe refunded is checked against our refunds of that payment: more means a refund made
 * outside the app (e.g. in the Dashboard), which a coordinator must know about.
 */
export async function handleChargeRefunded(
  tx: Db,
  charge: Pick<Stripe.Charge, 'id' | 'amount_refunded' | 'payment_intent' | 'currency'> & { refunds?: Stripe.Charge['refunds'] },
  ctx: StripeEventContext,
): Promise<void> {
  for (const refund of charge.refunds?.data ?? []) await applyRefundUpdate(tx, refund, ctx);
  const paymentIntentId = typeof charge.payment_intent === 'string' ? charge.payment_intent : charge.payment_intent?.id;
  if (!paymentIntentId) return;
  const [payment] = await tx.select().from(payments).where(eq(payments.providerPaymentIntentId, paymentIntentId));
  if (!payment) {
    ctx.logger.info({ chargeId: charge.id, paymentIntentId }, 'refunded charge is no payment of ours');
    return;
  }
  const [ours] = await tx
    .select({ total: sql<number>`coalesce(sum(${refunds.amountFen}), 0)::int` })
    .from(refunds)
    .where(and(eq(refunds.paymentId, payment.id), inArray(refunds.status, ['pending', 'succeeded'])));
  const recordedFen = Number(ours?.total ?? 0);
  if (charge.amount_refunded > recordedFen) {
    await recordAnomaly(tx, ctx, {
      action: 'refund.unrecorded',
      orderId: payment.orderId,
      message: 'Stripe refunded more than the refunds recorded here',
      data: { chargeId: charge.id, paymentIntentId, refundedAtStripeFen: charge.amount_refunded, recordedFen },
    });
  }
}

// ---------------------------------------------------------------- expiry sweeper

export { STRIPE_SWEEP_JOB, enqueueStripeSweep };
/** Stripe's shortest session: no session can be over sooner after its order was placed. */
const MIN_SESSION_MS = 30 * 60 * 1000;
const SWEEP_INTERVAL_MS = STRIPE_SWEEP_INTERVAL_MS;
const SWEEP_BATCH = 50;
/** A stored event still unprocessed after this is retried by the sweeper (Stripe's own retries come first). */
const EVENT_RETRY_AFTER_MS = 10 * 60 * 1000;

export type StripeCheckoutReader = Pick<StripePayments, 'retrieveCheckout' | 'expireCheckout'>;

export interface StripeSweepReport {
  checked: number;
  paid: number;
  cancelled: number;
  anomalies: number;
  /** Sessions still open before their expiry, or completed and awaiting an asynchronous payment. */
  waiting: number;
  /** Sessions Stripe could not be asked about; the job retries. */
  unavailable: number;
  retriedEvents: number;
}

async function applyCheckoutState(db: Db, state: CheckoutSessionState, ctx: StripeEventContext, report: StripeSweepReport) {
  await inTransaction(db, async (tx) => {
    if (state.status === 'complete' && state.paymentStatus === 'paid') {
      const outcome = await applySessionPaid(tx, state, ctx, 'sweeper');
      if (outcome === 'paid') report.paid++;
      else if (outcome === 'anomaly') report.anomalies++;
    } else if (state.status === 'expired') {
      if (await applySessionExpired(tx, state, ctx)) report.cancelled++;
    } else {
      report.waiting++;
    }
  });
}

/**
 * Applies the real state of every pending Stripe payment whose session may be over, for events
 * that never came: paid → the order is paid; expired → it is cancelled and restocked; open past
 * its expiry → the session is expired at Stripe first (so it cannot be paid after we restock),
 * then read again. Also retries stored events whose processing failed.
 */
export async function sweepStripeCheckouts(
  db: Db,
  stripe: StripeCheckoutReader,
  { now, logger, batchSize = SWEEP_BATCH }: { now: Date; logger: Logger; batchSize?: number },
): Promise<StripeSweepReport> {
  const ctx = { now, logger };
  const report: StripeSweepReport = { checked: 0, paid: 0, cancelled: 0, anomalies: 0, waiting: 0, unavailable: 0, retriedEvents: 0 };

  const stuck = await db
    .select()
    .from(webhookEvents)
    .where(and(isNull(webhookEvents.processedAt), lte(webhookEvents.receivedAt, new Date(now.getTime() - EVENT_RETRY_AFTER_MS))))
    .orderBy(asc(webhookEvents.receivedAt))
    .limit(batchSize);
  for (const row of stuck) {
    try {
      await processStoredEvent(db, row.payload as StripeEventLike, ctx);
      report.retriedEvents++;
    } catch (error) {
      logger.warn({ err: error, stripeEventId: row.id }, 'stored Stripe event still fails');
    }
  }

  const candidates = await db
    .select({ sessionId: payments.providerSessionId })
    .from(payments)
    .innerJoin(orders, eq(orders.id, payments.orderId))
    .where(
      and(
        eq(payments.provider, 'stripe'),
        eq(payments.status, 'pending'),
        isNotNull(payments.providerSessionId),
        eq(orders.status, 'pending_payment'),
        lte(orders.createdAt, new Date(now.getTime() - MIN_SESSION_MS)),
      ),
    )
    .orderBy(asc(orders.createdAt))
    .limit(batchSize);

  for (const { sessionId } of candidates) {
    report.checked++;
    try {
      let state = await stripe.retrieveCheckout(sessionId!);
      if (state.status === 'open' && state.expiresAt <= now) {
        await stripe.expireCheckout(state.id);
        state = await stripe.retrieveCheckout(state.id);
      }
      if (state.status === 'open') {
        report.waiting++;
        continue;
      }
      await applyCheckoutState(db, state, ctx, report);
    } catch (error) {
      if (!(error instanceof PaymentProviderUnavailableError)) {
        logger.warn({ err: error, sessionId }, 'could not settle a Stripe session');
      }
      report.unavailable++;
    }
  }
  return report;
}

/**
 * The handler for STRIPE_SWEEP_JOB (register it with the Stripe adapter, or null when Stripe is
 * off). While Stripe payments are pending it schedules the next sweep itself, which also retries
 * the sessions Stripe could not be asked about this time.
 */
export function stripeSweepJobHandler(stripe: StripeCheckoutReader | null): JobHandler {
  return async (_payload, ctx) => {
    if (!stripe) return;
    const now = ctx.now();
    const report = await sweepStripeCheckouts(ctx.db, stripe, { now, logger: ctx.logger });
    if (report.paid + report.cancelled + report.anomalies + report.retriedEvents > 0) ctx.logger.info(report, 'Stripe sweep applied missed events');
    const [pending] = await ctx.db
      .select({ n: count() })
      .from(payments)
      .where(and(eq(payments.provider, 'stripe'), eq(payments.status, 'pending')));
    if (Number(pending?.n ?? 0) > 0) await enqueueStripeSweep(ctx.db, new Date(now.getTime() + SWEEP_INTERVAL_MS));
    if (report.unavailable > 0) ctx.logger.warn(report, 'Stripe sweep could not read some sessions; the next sweep tries again');
  };
}
