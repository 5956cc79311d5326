/**
 * Checkout: one cart becomes one order and one payment, split into one cooperative order per
 * cooperative, in one transaction.
 *
 * Stock is exact. Each line takes its units with one conditional statement
 * (`UPDATE … SET stock = stock - q WHERE id = … AND stock >= q AND price_fen = … RETURNING …`),
 * lines in variant id order so two checkouts lock rows in the same order and cannot deadlock; one
 * line short rolls the whole order back. However many buyers race for the last units, exactly as
 * many orders as there are units go through, and stock never goes below zero. The stock is taken
 * last, just before the commit, so a variant row is locked for moments, not for the whole
 * checkout; the price condition means the order holds exactly the price the row has.
 *
 * Idempotent: the order id is derived from the form's idempotency key and the buyer (HMAC with
 * the app secret), and the order row is written first, so a double submit waits for the first
 * and then finds its order instead of making a second.
 *
 * Stripe: the order is committed (stock reserved) before the provider is called; if the provider
 * fails at checkout the order is cancelled, its stock released and the cart given back. "Pay now"
 * later never cancels an order because the provider failed (startOnlinePayment).
 */
import crypto from 'node:crypto';
import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { cartItems, carts, cooperativeOrders, cooperatives, orderItems, orders, payments, products, productVariants } from '~/db/schema';
import { addToCart, ensureCart, splitByCooperative, type CartOwner, type CooperativeRef } from '~/models/cart.server';
import { generateOrderNumber } from '~/models/order-number';
import { cancelUnpaidOrder, enqueueUnpaidOrderSweep, getOrderForPayment, notifyBuyerOf, supersedePayment, type PaymentMethod } from '~/models/orders.server';
import { enqueueStripeSweep } from '~/models/stripe-sweep-job.server';
import { enqueueSearchSync } from '~/models/search-sync.server';
import { queryRows, type Db } from '~/utils/db.server';
import { formatFen } from '~/utils/money';
import type { StripePayments } from '~/utils/payments/stripe.server';
import { PaymentProviderUnavailableError } from '~/utils/payments/types';
import { sha256Hex } from '~/utils/session.server';
import { isDeliveryRegion, type AddressFields } from './addresses.server';

/** Stripe orders are swept this long after their session expires: Stripe's own expiry event comes first. */
const STRIPE_SWEEP_GRACE_MS = 15 * 60 * 1000;
const NUMBER_ATTEMPTS = 5;

export type CheckoutProblem =
  | { code: 'empty_cart' }
  | { code: 'unavailable'; title: string; spec: string }
  | { code: 'insufficient_stock'; title: string; spec: string; remaining: number }
  | { code: 'price_changed'; totalFen: number }
  | { code: 'region_invalid' }
  /** The form's key belongs to an order that is over (e.g. cancelled when the provider failed): reload. */
  | { code: 'form_expired' };

class CheckoutRefused extends Error {
  constructor(readonly problem: CheckoutProblem) {
    super(`checkout refused: ${problem.code}`);
  }
}

export interface BankDetails {
  payee: string;
  bankName: string;
  account: string;
}

export interface PlaceOrderInput {
  owner: CartOwner;
  /** The hidden per-form key: the same key from the same buyer makes the same order. */
  idempotencyKey: string;
  address: AddressFields;
  /** A guest's e-mail for order updates (also kept as the order's contact). */
  contactEmail?: string | null;
  paymentMethod: PaymentMethod;
  /** The total the buyer saw; when set and the prices moved since, the order is refused. */
  expectedTotalFen?: number;
  now: Date;
  /** The app secret (order ids and guest tokens are derived from it). */
  secret: string;
  bankTransferExpiryHours: number;
  stripeCheckoutExpiryMinutes: number;
  /** For absolute links in the confirmation e-mail. */
  siteUrl?: string | null;
  bankDetails?: BankDetails;
}

export type PlaceOrderResult =
  | {
      ok: true;
      orderId: string;
      number: string;
      paymentId: string;
      /** Guests only: opens /orders/:id?t=… */
      accessToken: string | null;
      /** True when this submit found the order an earlier submit of the same form made. */
      reused: boolean;
    }
  | { ok: false; problem: CheckoutProblem };

function hmac(secret: string, message: string): Buffer {
  return crypto.createHmac('sha256', secret).update(message).digest();
}

/** The order id for a form key and buyer: a UUID (version 8, "custom") from an HMAC. */
export function checkoutOrderId(secret: string, owner: CartOwner, idempotencyKey: string): string {
  const scope = owner.userId ? `user:${owner.userId}` : `guest:${owner.guestCartId ?? ''}`;
  const bytes = hmac(secret, `checkout-order:${scope}:${idempotencyKey}`).subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A guest's access token for an order; the order stores only its SHA-256. */
export function orderAccessToken(secret: string, orderId: string): string {
  return hmac(secret, `order-access:${orderId}`).toString('base64url');
}

/** Where a buyer follows the order: with the token for guests. */
export function orderPath(orderId: string, accessToken: string | null): string {
  return accessToken ? `/orders/${orderId}?t=${encodeURIComponent(accessToken)}` : `/orders/${orderId}`;
}

function inTransaction<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction((tx) => work(tx as unknown as Db));
}

interface CheckoutLine {
  variantId: number;
  quantity: number;
  productId: number;
  title: string;
  spec: string;
  unitPriceFen: number;
  stock: number;
  listed: boolean;
  cooperative: CooperativeRef;
}

/** The cart's lines with today's catalog facts, in variant id order (the order rows are locked in). */
async function readCheckoutLines(tx: Db, cartId: string): Promise<CheckoutLine[]> {
  const rows = await tx
    .select({
      variantId: cartItems.variantId,
      quantity: cartItems.quantity,
      productId: products.id,
      title: products.title,
      spec: productVariants.spec,
      unitPriceFen: productVariants.priceFen,
      stock: productVariants.stock,
      listed: sql<boolean>`(${productVariants.active} AND ${products.status} = 'published' AND ${cooperatives.verificationStatus} = 'verified')`,
      cooperativeId: cooperatives.id,
      slug: cooperatives.slug,
      legalName: cooperatives.legalName,
      shippingFlatFeeFen: cooperatives.shippingFlatFeeFen,
      freeShippingThresholdFen: cooperatives.freeShippingThresholdFen,
    })
    .from(cartItems)
    .innerJoin(productVariants, eq(productVariants.id, cartItems.variantId))
    .innerJoin(products, eq(products.id, productVariants.productId))
    .innerJoin(cooperatives, eq(cooperatives.id, products.cooperativeId))
    .where(eq(cartItems.cartId, cartId))
    .orderBy(asc(cartItems.variantId));
  return rows.map(({ cooperativeId, slug, legalName, shippingFlatFeeFen, freeShippingThresholdFen, listed, ...line }) => ({
    ...line,
    listed: Boolean(listed),
    cooperative: { id: cooperativeId, slug, legalName, shippingFlatFeeFen, freeShippingThresholdFen },
  }));
}

/** Why a line cannot be bought as it is, from an unlocked read; null when it looks fine. */
function lineRefusal(line: CheckoutLine): CheckoutProblem | null {
  if (!line.listed) return { code: 'unavailable', title: line.title, spec: line.spec };
  if (line.stock < line.quantity) return { code: 'insufficient_stock', title: line.title, spec: line.spec, remaining: Math.max(0, line.stock) };
  return null;
}

/**
 * Takes one line's units at the price the order was written with, or throws CheckoutRefused
 * (rolling the whole order back). Returns the stock left and the product.
 */
async function takeStock(tx: Db, line: CheckoutLine, lines: readonly CheckoutLine[], now: Date): Promise<{ stockLeft: number; productId: number }> {
  const [row] = await queryRows<{ stock: number; product_id: number }>(
    tx,
    sql`UPDATE product_variants v SET stock = v.stock - ${line.quantity}, updated_at = ${now.toISOString()}::timestamptz
        FROM products p, cooperatives c
        WHERE v.id = ${line.variantId} AND p.id = v.product_id AND c.id = p.cooperative_id
          AND v.active AND p.status = 'published' AND c.verification_status = 'verified'
          AND v.stock >= ${line.quantity} AND v.price_fen = ${line.unitPriceFen}
        RETURNING v.stock, v.product_id`,
  );
  if (row) return { stockLeft: Number(row.stock), productId: row.product_id };
  // Lost a race since the lines were read (the cart rows are gone by now): read the variants again.
  const current = await tx
    .select({
      variantId: productVariants.id,
      unitPriceFen: productVariants.priceFen,
      stock: productVariants.stock,
      listed: sql<boolean>`(${productVariants.active} AND ${products.status} = 'published' AND ${cooperatives.verificationStatus} = 'verified')`,
    })
    .from(productVariants)
    .innerJoin(products, eq(products.id, productVariants.productId))
    .innerJoin(cooperatives, eq(cooperatives.id, products.cooperativeId))
    .where(inArray(productVariants.id, lines.map((l) => l.variantId)));
  const fresh = lines.map((l) => {
    const c = current.find((v) => v.variantId === l.variantId);
    return c ? { ...l, unitPriceFen: c.unitPriceFen, stock: c.stock, listed: Boolean(c.listed) } : { ...l, listed: false };
  });
  const refusal = lineRefusal(fresh.find((l) => l.variantId === line.variantId)!);
  if (refusal) throw new CheckoutRefused(refusal);
  throw new CheckoutRefused({ code: 'price_changed', totalFen: splitByCooperative(fresh).totalFen });
}

async function insertOrderRow(tx: Db, orderId: string, input: PlaceOrderInput, accessToken: string | null): Promise<{ number: string } | 'exists'> {
  for (let attempt = 0; attempt < NUMBER_ATTEMPTS; attempt += 1) {
    const number = generateOrderNumber(input.now);
    // DO NOTHING waits for a concurrent insert of the same id to commit or roll back.
    const inserted = await tx
      .insert(orders)
      .values({
        id: orderId,
        number,
        userId: input.owner.userId,
        contact: input.contactEmail ?? (input.owner.userId ? null : input.address.mobile),
        accessTokenHash: accessToken ? sha256Hex(accessToken) : null,
        status: 'pending_payment',
        paymentMethod: input.paymentMethod,
        recipient: input.address.recipient,
        mobile: input.address.mobile,
        regionCode: input.address.regionCode,
        addressDetail: input.address.detail,
        goodsFen: 0,
        shippingFen: 0,
        totalFen: 0,
        createdAt: input.now,
        updatedAt: input.now,
      })
      .onConflictDoNothing()
      .returning({ id: orders.id });
    if (inserted.length > 0) return { number };
    const [existing] = await tx.select({ id: orders.id }).from(orders).where(eq(orders.id, orderId));
    if (existing) return 'exists';
    // Otherwise the random number was taken: draw again.
  }
  throw new Error('could not draw a free order number');
}

function paymentDueAt(input: PlaceOrderInput): Date | null {
  const t = input.now.getTime();
  if (input.paymentMethod === 'bank_transfer') return new Date(t + input.bankTransferExpiryHours * 3_600_000);
  if (input.paymentMethod === 'stripe') return new Date(t + input.stripeCheckoutExpiryMinutes * 60_000 + STRIPE_SWEEP_GRACE_MS);
  return null;
}

function confirmationExtra(input: PlaceOrderInput, number: string, totalFen: number, orderId: string, accessToken: string | null, dueAt: Date | null): string {
  const parts: string[] = [];
  if (input.paymentMethod === 'bank_transfer' && input.bankDetails) {
    parts.push(
      [
        `收款户名 Payee: ${input.bankDetails.payee}`,
        `开户银行 Bank: ${input.bankDetails.bankName}`,
        `账号 Account: ${input.bankDetails.account}`,
        `金额 Amount: ${formatFen(totalFen)}`,
        `转账附言 Reference: ${number}`,
        dueAt ? `请在 ${dueAt.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' })} 前转账 / Pay before this time (China time)` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
  }
  if (accessToken && input.siteUrl) parts.push(`${input.siteUrl.replace(/\/$/, '')}${orderPath(orderId, accessToken)}`);
  return parts.join('\n\n');
}

/**
 * Places the order for the buyer's cart. Refusals (empty cart, a line unavailable or short of
 * stock, prices changed, a bad region) change nothing and say why.
 */
export async function placeOrder(db: Db, input: PlaceOrderInput): Promise<PlaceOrderResult> {
  const orderId = checkoutOrderId(input.secret, input.owner, input.idempotencyKey);
  const accessToken = input.owner.userId ? null : orderAccessToken(input.secret, orderId);
  const earlier = await findPlacedOrder(db, orderId, accessToken);
  if (earlier) return earlier;
  if (!(await isDeliveryRegion(db, input.address.regionCode))) return { ok: false, problem: { code: 'region_invalid' } };

  let outcome: { number: string; paymentId: string } | 'exists';
  try {
    outcome = await inTransaction(db, async (tx) => {
      const inserted = await insertOrderRow(tx, orderId, input, accessToken);
      if (inserted === 'exists') return 'exists';

      const cartId = await lockOwnersCart(tx, input.owner);
      const lines = cartId ? await readCheckoutLines(tx, cartId) : [];
      if (!cartId || lines.length === 0) throw new CheckoutRefused({ code: 'empty_cart' });
      // Refusing early on an unlocked read spares the rows' locks; taking the stock re-checks.
      for (const line of lines) {
        const refusal = lineRefusal(line);
        if (refusal) throw new CheckoutRefused(refusal);
      }

      const split = splitByCooperative(lines);
      if (input.expectedTotalFen !== undefined && input.expectedTotalFen !== split.totalFen) {
        throw new CheckoutRefused({ code: 'price_changed', totalFen: split.totalFen });
      }

      // Cash on delivery ships at once; the other methods wait for the money.
      const coopStatus = input.paymentMethod === 'cash_on_delivery' ? 'awaiting_shipment' : 'awaiting_payment';
      for (const group of split.groups) {
        const [coop] = await tx
          .insert(cooperativeOrders)
          .values({
            orderId,
            cooperativeId: group.cooperative.id,
            status: coopStatus,
            goodsFen: group.goodsFen,
            shippingFen: group.shippingFen,
            createdAt: input.now,
            updatedAt: input.now,
          })
          .returning({ id: cooperativeOrders.id });
        await tx.insert(orderItems).values(
          group.lines.map((l) => ({
            orderId,
            cooperativeOrderId: coop!.id,
            productId: l.productId,
            variantId: l.variantId,
            title: l.title,
            spec: l.spec,
            unitPriceFen: l.unitPriceFen,
            quantity: l.quantity,
          })),
        );
      }

      const dueAt = paymentDueAt(input);
      await tx
        .update(orders)
        .set({ goodsFen: split.goodsFen, shippingFen: split.shippingFen, totalFen: split.totalFen, paymentDueAt: dueAt })
        .where(eq(orders.id, orderId));
      const [payment] = await tx
        .insert(payments)
        .values({
          orderId,
          provider: input.paymentMethod === 'stripe' ? 'stripe' : 'offline',
          method: input.paymentMethod,
          status: 'pending',
          amountFen: split.totalFen,
          createdAt: input.now,
          updatedAt: input.now,
        })
        .returning({ id: payments.id });

      await tx.delete(cartItems).where(eq(cartItems.cartId, cartId));
      if (dueAt) await enqueueUnpaidOrderSweep(tx, dueAt);

      await notifyBuyerOf(
        tx,
        { id: orderId, number: inserted.number, userId: input.owner.userId, contact: input.contactEmail ?? null, totalFen: split.totalFen, cancelReason: null },
        `order.placed_${input.paymentMethod}`,
        {},
        confirmationExtra(input, inserted.number, split.totalFen, orderId, accessToken, dueAt),
      );

      // The stock last: each variant row stays locked only from here to the commit, so buyers
      // racing for the same product queue for a moment, not for the whole checkout.
      const soldOut: number[] = [];
      for (const line of lines) {
        const { stockLeft, productId } = await takeStock(tx, line, lines, input.now);
        if (stockLeft === 0) soldOut.push(productId);
      }
      // Search documents hold "in stock" only, which changes when a variant sells out.
      if (soldOut.length > 0) await enqueueSearchSync(tx, soldOut, 'stock.reserved');
      return { number: inserted.number, paymentId: payment!.id };
    });
  } catch (error) {
    if (error instanceof CheckoutRefused) return { ok: false, problem: error.problem };
    throw error;
  }
  if (outcome === 'exists') return (await findPlacedOrder(db, orderId, accessToken)) ?? { ok: false, problem: { code: 'form_expired' } };
  return { ok: true, orderId, number: outcome.number, paymentId: outcome.paymentId, accessToken, reused: false };
}

async function lockOwnersCart(tx: Db, owner: CartOwner): Promise<string | null> {
  if (!owner.userId && !owner.guestCartId) return null;
  const [row] = await tx
    .select({ id: carts.id })
    .from(carts)
    .where(owner.userId ? eq(carts.userId, owner.userId) : and(eq(carts.id, owner.guestCartId!), isNull(carts.userId)))
    .for('update');
  return row?.id ?? null;
}

/** An order an earlier submit of the same form made, if it is still live (pending or further on). */
async function findPlacedOrder(db: Db, orderId: string, accessToken: string | null): Promise<PlaceOrderResult | null> {
  const [row] = await db
    .select({ number: orders.number, status: orders.status, paymentId: payments.id })
    .from(orders)
    .leftJoin(payments, eq(payments.orderId, orders.id))
    .where(eq(orders.id, orderId));
  if (!row) return null;
  if (row.status === 'cancelled' || !row.paymentId) return { ok: false, problem: { code: 'form_expired' } };
  return { ok: true, orderId, number: row.number, paymentId: row.paymentId, accessToken, reused: true };
}

export type OnlinePaymentProblem =
  /** Stripe could not be reached (timeout, 5xx, rate limit): nothing changed, try again. */
  | 'provider_unavailable'
  /** Stripe refused the call (a fault of ours): nothing changed; logged. */
  | 'provider_error'
  /** The order is not awaiting an online payment (paid, cancelled, another method). */
  | 'not_payable'
  /** The order's session is complete: Stripe has the payment, its event is on its way. */
  | 'payment_processing'
  /** The session ran out with the order's reservation: the order is cancelled and restocked. */
  | 'order_expired';

export type OnlinePaymentResult = { ok: true; redirectUrl: string } | { ok: false; problem: OnlinePaymentProblem; error?: unknown };

/** Stripe creates a session at least 30 minutes ahead; a minute more covers the trip there. */
const MIN_SESSION_AHEAD_MS = 31 * 60_000;

/** The end of the order's stock reservation for Stripe: its deadline less the sweep's grace. */
function reservationEnd(order: { paymentDueAt: Date | null; createdAt: Date }, stripeCheckoutExpiryMinutes: number): Date {
  if (order.paymentDueAt) return new Date(order.paymentDueAt.getTime() - STRIPE_SWEEP_GRACE_MS);
  return new Date(order.createdAt.getTime() + stripeCheckoutExpiryMinutes * 60_000);
}

/**
 * Sends the buyer to Stripe Checkout for a committed Stripe order (stock reserved), at checkout
 * and from "pay now" on the order page.
 *
 * - The order's payment already has a session: it is read at Stripe. Open → the buyer goes back to
 *   that same session. Complete → Stripe has the payment and its event is on its way
 *   ('payment_processing'; a Stripe sweep is scheduled in case the event never comes). Expired (or
 *   open past its expiry, which is expired first) → while the order's reservation lasts, the
 *   payment is replaced by a new one (same amount) with a new session; once it is over the order
 *   is cancelled and restocked, as the expiry event would ('order_expired').
 * - A session is created keyed by the payment id and expiring at the end of the reservation
 *   (fixed by the order, so a retry gets the same session); when less than Stripe's 30 minutes
 *   are left, it expires 31 minutes from now instead (whole minute, in the key) and the order's
 *   deadline moves with it.
 * - A provider failure changes nothing: the order and its reservation stay, the buyer may try
 *   again. Only the very first attempt at checkout (`cancelOnFailure`) cancels the order, releases
 *   its stock and puts its lines back in the cart: no session reached the buyer, so nothing can be
 *   paid, and the buyer simply checks out again.
 */
export async function startOnlinePayment(
  db: Db,
  port: StripePayments,
  {
    orderId,
    owner,
    successUrl,
    cancelUrl,
    stripeCheckoutExpiryMinutes,
    now,
    cancelOnFailure = false,
  }: { orderId: string; owner: CartOwner; successUrl: string; cancelUrl: string; stripeCheckoutExpiryMinutes: number; now: Date; cancelOnFailure?: boolean },
): Promise<OnlinePaymentResult> {
  const found = await getOrderForPayment(db, orderId);
  if (!found?.payment || found.order.paymentMethod !== 'stripe' || found.order.status !== 'pending_payment' || found.payment.status !== 'pending') {
    return { ok: false, problem: 'not_payable' };
  }
  const [created] = await db.select({ createdAt: orders.createdAt }).from(orders).where(eq(orders.id, orderId));
  const reservedUntil = reservationEnd({ paymentDueAt: found.order.paymentDueAt, createdAt: created!.createdAt }, stripeCheckoutExpiryMinutes);
  let payment = found.payment;
  try {
    if (payment.providerSessionId) {
      let session = await port.retrieveCheckout(payment.providerSessionId);
      if (session.status === 'open' && session.expiresAt > now) {
        if (!session.url) throw new Error(`Checkout Session ${session.id} is open without a URL`);
        return { ok: true, redirectUrl: session.url };
      }
      if (session.status === 'open') {
        // Past its expiry and Stripe has not closed it yet: close it before anything else.
        await port.expireCheckout(session.id);
        session = await port.retrieveCheckout(session.id);
      }
      if (session.status === 'complete') {
        await enqueueStripeSweep(db, now);
        return { ok: false, problem: 'payment_processing' };
      }
      if (session.status !== 'expired') throw new Error(`Checkout Session ${session.id} is ${session.status ?? 'without a status'}; expected open, complete or expired`);
      if (now >= reservedUntil) return await expireOrder(db, orderId, { paymentId: payment.id, providerSessionId: session.id }, now);
      const replaced = await replaceExpiredPayment(db, { orderId, paymentId: payment.id, providerSessionId: session.id, now });
      if (!replaced) return { ok: false, problem: 'not_payable' };
      payment = replaced;
    }
    if (now >= reservedUntil) return await expireOrder(db, orderId, { paymentId: payment.id }, now);

    const earliest = Math.ceil((now.getTime() + MIN_SESSION_AHEAD_MS) / 60_000) * 60_000;
    const expiresAt = new Date(Math.max(reservedUntil.getTime(), earliest));
    const extended = expiresAt.getTime() > reservedUntil.getTime();
    const started = await port.startCheckout({
      orderId,
      orderNumber: found.order.number,
      paymentId: payment.id,
      lineItems: found.lines.map((l) => ({ name: `${l.title} ${l.spec}`, unitAmountFen: l.unitPriceFen, quantity: l.quantity })),
      shippingFen: found.order.shippingFen,
      customerEmail: found.order.customerEmail ?? undefined,
      successUrl,
      cancelUrl,
      expiresAt,
      // Same payment and expiry → same key → Stripe replays the session it made (a retry after a timeout).
      idempotencyKey: extended ? `${payment.id}:${Math.floor(expiresAt.getTime() / 1000)}` : payment.id,
    });
    const kept = await keepSession(db, { orderId, paymentId: payment.id, providerSessionId: started.providerSessionId, now, dueAt: extended ? new Date(expiresAt.getTime() + STRIPE_SWEEP_GRACE_MS) : null });
    if (!kept) {
      // The order changed meanwhile (cancelled, or its amount changed): this session must not be paid.
      await port.expireCheckout(started.providerSessionId);
      return { ok: false, problem: 'not_payable' };
    }
    return { ok: true, redirectUrl: started.redirectUrl };
  } catch (error) {
    if (cancelOnFailure) {
      const { changed } = await cancelUnpaidOrder(db, { orderId, reason: 'payment_provider_unavailable', now });
      if (changed) await restoreCartFromOrder(db, owner, orderId, now);
    }
    return { ok: false, problem: error instanceof PaymentProviderUnavailableError ? 'provider_unavailable' : 'provider_error', error };
  }
}

/** The reservation is over and no session can be paid: cancel and restock now, as the sweep or the expiry event would. */
async function expireOrder(db: Db, orderId: string, onlyIfPayment: { paymentId: string; providerSessionId?: string }, now: Date): Promise<OnlinePaymentResult> {
  await cancelUnpaidOrder(db, { orderId, reason: 'payment_expired', now, onlyIfPayment });
  return { ok: false, problem: 'order_expired' };
}

/** Under the order's lock: the payment whose session expired is replaced by a new pending one, if nothing changed meanwhile. */
async function replaceExpiredPayment(
  db: Db,
  { orderId, paymentId, providerSessionId, now }: { orderId: string; paymentId: string; providerSessionId: string; now: Date },
): Promise<typeof payments.$inferSelect | null> {
  return inTransaction(db, async (tx) => {
    const [order] = await tx.select({ status: orders.status }).from(orders).where(eq(orders.id, orderId)).for('update');
    const [latest] = await tx.select().from(payments).where(eq(payments.orderId, orderId)).orderBy(desc(payments.createdAt)).limit(1).for('update');
    if (order?.status !== 'pending_payment' || !latest || latest.id !== paymentId || latest.status !== 'pending' || latest.providerSessionId !== providerSessionId) return null;
    return supersedePayment(tx, latest, { to: 'expired', amountFen: latest.amountFen, now });
  });
}

/**
 * Under the order's lock: records the session on the payment if it is still the order's pending
 * payment (with no session or this one) and the order still awaits payment; moves the order's
 * deadline when the session runs past it. False when the order changed meanwhile.
 */
async function keepSession(
  db: Db,
  { orderId, paymentId, providerSessionId, now, dueAt }: { orderId: string; paymentId: string; providerSessionId: string; now: Date; dueAt: Date | null },
): Promise<boolean> {
  return inTransaction(db, async (tx) => {
    const [order] = await tx.select({ status: orders.status, paymentDueAt: orders.paymentDueAt }).from(orders).where(eq(orders.id, orderId)).for('update');
    if (order?.status !== 'pending_payment') return false;
    const [latest] = await tx.select({ id: payments.id }).from(payments).where(eq(payments.orderId, orderId)).orderBy(desc(payments.createdAt)).limit(1);
    if (latest?.id !== paymentId) return false;
    const updated = await tx
      .update(payments)
      .set({ providerSessionId, updatedAt: now })
      .where(
        and(
          eq(payments.id, paymentId),
          eq(payments.status, 'pending'),
          sql`(${payments.providerSessionId} IS NULL OR ${payments.providerSessionId} = ${providerSessionId})`,
        ),
      )
      .returning({ id: payments.id });
    if (updated.length === 0) return false;
    if (dueAt && (!order.paymentDueAt || order.paymentDueAt < dueAt)) {
      await tx.update(orders).set({ paymentDueAt: dueAt, updatedAt: now }).where(eq(orders.id, orderId));
      await enqueueUnpaidOrderSweep(tx, dueAt);
    }
    return true;
  });
}

/** Puts an order's lines back into the buyer's cart (after the order was cancelled before payment). */
export async function restoreCartFromOrder(db: Db, owner: CartOwner, orderId: string, now: Date): Promise<void> {
  const lines = await db
    .select({ variantId: orderItems.variantId, quantity: orderItems.quantity })
    .from(orderItems)
    .where(eq(orderItems.orderId, orderId))
    .orderBy(asc(orderItems.variantId));
  const { cartId } = await ensureCart(db, owner, now);
  for (const line of lines) await addToCart(db, { cartId, variantId: line.variantId, quantity: line.quantity, now });
}
