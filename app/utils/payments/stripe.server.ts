/**
 * Stripe Checkout behind the payments port (API version 2026-10-28.endive, pinned by stripe@23).
 *
 * - Endive removed `payment_method_types` from Checkout Session create: the configured methods go
 *   in `allowed_payment_method_types`, and WeChat Pay gets `payment_method_options[wechat_pay][client]=web`.
 * - Every create call carries the caller's idempotency key, so a checkout retried after a timeout
 *   gets the session Stripe already made instead of a second one (Stripe replays the first answer).
 * - Timeouts, connection errors, 409s, 429s and 5xx become PaymentProviderUnavailableError: the
 *   buyer may retry. Anything else (a rejected parameter, a bad key) is a fault of ours and is
 *   rethrown as the Stripe error.
 */
import Stripe from 'stripe';
import type { Env } from '~/utils/env.server';
import {
  PaymentProviderUnavailableError,
  type PaymentsPort,
  type RefundRequest,
  type RefundResult,
  type StartCheckoutRequest,
  type StartedCheckout,
} from './types';

export type StripePaymentMethod = 'card' | 'alipay' | 'wechat_pay';

export interface StripePaymentsOptions {
  secretKey: string;
  /** Offered on the Checkout page; all three take CNY (Alipay as a presentment currency). */
  paymentMethods: readonly StripePaymentMethod[];
  /** Per request; the buyer is waiting, so keep it short. */
  timeoutMs?: number;
  /** stripe-node retries connection errors, 409 and 5xx with the same idempotency key. */
  maxNetworkRetries?: number;
  /** A local double of the API (tests): host, port and 'http'. */
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
  /** The clock Stripe sees, for checking `expiresAt` before sending it (tests with a moved clock). */
  now?: () => Date;
}

/** What the app needs to know about a Checkout Session, from the API or from a webhook event. */
export interface CheckoutSessionState {
  id: string;
  /** 'open' | 'complete' | 'expired' (a newer API version may add others). */
  status: string | null;
  /** 'paid' | 'unpaid' | 'no_payment_required'. */
  paymentStatus: string;
  paymentIntentId: string | null;
  /** In fen. */
  amountTotal: number | null;
  currency: string | null;
  expiresAt: Date;
  /** Our order id (metadata.order_id, else client_reference_id). */
  orderId: string | null;
  paymentId: string | null;
  /** The hosted payment page while the session is open (Stripe clears it once complete or expired). */
  url: string | null;
}

/** The port, plus the read the expiry sweeper needs. */
export interface StripePayments extends PaymentsPort {
  retrieveCheckout(providerSessionId: string): Promise<CheckoutSessionState>;
}

export const STRIPE_CURRENCY = 'cny';
const SHIPPING_LINE_NAME = '运费 Shipping';
const MIN_EXPIRY_MS = 30 * 60 * 1000;
const MAX_EXPIRY_MS = 24 * 60 * 60 * 1000;
const STRIPE_REFUND_REASONS = new Set(['duplicate', 'fraudulent', 'requested_by_customer']);
const METADATA_VALUE_MAX = 500;

export function describeCheckoutSession(session: Stripe.Checkout.Session): CheckoutSessionState {
  const paymentIntent = session.payment_intent;
  return {
    id: session.id,
    status: session.status,
    paymentStatus: session.payment_status,
    paymentIntentId: typeof paymentIntent === 'string' ? paymentIntent : (paymentIntent?.id ?? null),
    amountTotal: session.amount_total,
    currency: session.currency,
    expiresAt: new Date(session.expires_at * 1000),
    orderId: session.metadata?.order_id || session.client_reference_id || null,
    paymentId: session.metadata?.payment_id || null,
    url: session.url ?? null,
  };
}

/** Retryable for the buyer: the request may not have reached Stripe, or Stripe could not answer. */
function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Stripe.errors.StripeError)) return false;
  if (error instanceof Stripe.errors.StripeConnectionError || error instanceof Stripe.errors.StripeRateLimitError) return true;
  if (error instanceof Stripe.errors.StripeAPIError) return true;
  const status = error.statusCode ?? 0;
  return status === 409 || status >= 500;
}

async function callStripe<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isUnavailable(error)) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new PaymentProviderUnavailableError(`Stripe could not ${what}: ${reason}`, { cause: error });
    }
    throw error;
  }
}

function checkoutParams(request: StartCheckoutRequest, paymentMethods: readonly StripePaymentMethod[]): Stripe.Checkout.SessionCreateParams {
  const lineItems: Stripe.Checkout.SessionCreateParams.LineItem[] = request.lineItems.map((item) => ({
    price_data: { currency: STRIPE_CURRENCY, unit_amount: item.unitAmountFen, product_data: { name: item.name } },
    quantity: item.quantity,
  }));
  if (request.shippingFen > 0) {
    lineItems.push({
      price_data: { currency: STRIPE_CURRENCY, unit_amount: request.shippingFen, product_data: { name: SHIPPING_LINE_NAME } },
      quantity: 1,
    });
  }
  const metadata = { order_id: request.orderId, order_number: request.orderNumber, payment_id: request.paymentId };
  const paymentMethodOptions: Stripe.Checkout.SessionCreateParams.PaymentMethodOptions = {};
  // Stripe requires `client` whenever WeChat Pay options are given; a browser checkout is 'web'.
  if (paymentMethods.includes('wechat_pay')) paymentMethodOptions.wechat_pay = { client: 'web' };
  return {
    mode: 'payment',
    line_items: lineItems,
    allowed_payment_method_types: [...paymentMethods],
    ...(Object.keys(paymentMethodOptions).length > 0 ? { payment_method_options: paymentMethodOptions } : {}),
    client_reference_id: request.orderId,
    metadata,
    // Copied onto the PaymentIntent, so charges and refunds in the Dashboard name the order too.
    payment_intent_data: { metadata },
    ...(request.customerEmail ? { customer_email: request.customerEmail } : {}),
    success_url: request.successUrl,
    cancel_url: request.cancelUrl,
    expires_at: Math.floor(request.expiresAt.getTime() / 1000),
    locale: 'zh',
  };
}

function refundStatus(status: string | null): RefundResult['status'] {
  if (status === 'succeeded') return 'succeeded';
  if (status === 'failed' || status === 'canceled') return 'failed';
  return 'pending';
}

export function createStripePayments(options: StripePaymentsOptions): StripePayments {
  if (options.paymentMethods.length === 0) throw new Error('Stripe needs at least one payment method');
  const stripe = new Stripe(options.secretKey, {
    timeout: options.timeoutMs ?? 10_000,
    maxNetworkRetries: options.maxNetworkRetries ?? 2,
    ...(options.host ? { host: options.host } : {}),
    ...(options.port ? { port: options.port } : {}),
    ...(options.protocol ? { protocol: options.protocol } : {}),
    appInfo: { name: 'dibiao-zhunong' },
  });
  const paymentMethods = [...options.paymentMethods];
  const now = options.now ?? (() => new Date());

  async function retrieveCheckout(providerSessionId: string): Promise<CheckoutSessionState> {
    const session = await callStripe('read the Checkout Session', () => stripe.checkout.sessions.retrieve(providerSessionId));
    return describeCheckoutSession(session);
  }

  return {
    provider: 'stripe',

    async startCheckout(request: StartCheckoutRequest): Promise<StartedCheckout> {
      if (request.lineItems.length === 0) throw new Error('A checkout needs at least one line item');
      const ahead = request.expiresAt.getTime() - now().getTime();
      // Stripe counts from the moment it creates the session, so leave a minute of slack below 30.
      if (ahead < MIN_EXPIRY_MS - 60_000 || ahead > MAX_EXPIRY_MS) {
        throw new Error(`expiresAt must be 30 minutes to 24 hours ahead (Stripe's bounds); it is ${Math.round(ahead / 60_000)} minutes ahead`);
      }
      const session = await callStripe('start the checkout', () =>
        stripe.checkout.sessions.create(checkoutParams(request, paymentMethods), { idempotencyKey: request.idempotencyKey }),
      );
      if (!session.url) throw new Error(`Stripe returned Checkout Session ${session.id} without a URL (status ${session.status})`);
      return { providerSessionId: session.id, redirectUrl: session.url };
    },

    async expireCheckout(providerSessionId: string): Promise<void> {
      try {
        await callStripe('expire the Checkout Session', () =>
          stripe.checkout.sessions.expire(providerSessionId, {}, { idempotencyKey: `expire-${providerSessionId}` }),
        );
      } catch (error) {
        if (!(error instanceof Stripe.errors.StripeInvalidRequestError)) throw error;
        // Only open sessions can be expired; one already complete or expired needs nothing.
        const state = await retrieveCheckout(providerSessionId);
        if (state.status === 'open') throw error;
      }
    },

    async refund(request: RefundRequest): Promise<RefundResult> {
      if (!Number.isInteger(request.amountFen) || request.amountFen <= 0) throw new Error('A refund needs a positive amount in fen');
      const metadata: Record<string, string> = { ...request.metadata };
      let reason: Stripe.RefundCreateParams.Reason | undefined;
      if (request.reason && STRIPE_REFUND_REASONS.has(request.reason)) reason = request.reason as Stripe.RefundCreateParams.Reason;
      else if (request.reason) metadata.reason = request.reason.slice(0, METADATA_VALUE_MAX);
      const refund = await callStripe('make the refund', () =>
        stripe.refunds.create(
          { payment_intent: request.paymentIntentId, amount: request.amountFen, ...(reason ? { reason } : {}), metadata },
          { idempotencyKey: request.idempotencyKey },
        ),
      );
      return { providerRefundId: refund.id, status: refundStatus(refund.status) };
    },

    retrieveCheckout,
  };
}

/** The adapter the environment asks for, or null without STRIPE_SECRET_KEY (then only offline payment is offered). */
export function createStripePaymentsFromEnv(
  env: Pick<Env, 'STRIPE_SECRET_KEY' | 'STRIPE_PAYMENT_METHODS'>,
  options: Partial<Omit<StripePaymentsOptions, 'secretKey' | 'paymentMethods'>> = {},
): StripePayments | null {
  if (!env.STRIPE_SECRET_KEY) return null;
  return createStripePayments({ secretKey: env.STRIPE_SECRET_KEY, paymentMethods: env.STRIPE_PAYMENT_METHODS, ...options });
}

/** Checks the Stripe-Signature header against the raw body; throws Stripe's StripeSignatureVerificationError. */
export function verifyStripeWebhook(rawBody: string | Uint8Array, signatureHeader: string, secret: string, receivedAt: Date): Stripe.Event {
  return Stripe.webhooks.constructEvent(rawBody, signatureHeader, secret, undefined, undefined, receivedAt.getTime());
}

export function isStripeSignatureError(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeSignatureVerificationError;
}
