/**
 * The payments port. Offline payment (bank transfer, cash on delivery) needs no provider: the
 * order model records it. Stripe Checkout implements this port when STRIPE_SECRET_KEY is set.
 * The operator is merchant of record: every payment goes to the operator's account.
 */

export interface CheckoutLineItem {
  name: string;
  /** Unit price in fen (CNY's minor unit, as Stripe expects for `cny`). */
  unitAmountFen: number;
  quantity: number;
}

export interface StartCheckoutRequest {
  orderId: string;
  orderNumber: string;
  paymentId: string;
  lineItems: CheckoutLineItem[];
  /** Shipping across all cooperative orders, as one line. */
  shippingFen: number;
  customerEmail?: string;
  successUrl: string;
  cancelUrl: string;
  /** At least 30 minutes ahead (Stripe's minimum); the reserved stock is released after it. */
  expiresAt: Date;
  /** Same key → same session: a retried checkout never makes a second charge. */
  idempotencyKey: string;
}

export interface StartedCheckout {
  providerSessionId: string;
  redirectUrl: string;
}

export interface RefundRequest {
  paymentIntentId: string;
  amountFen: number;
  idempotencyKey: string;
  reason?: string;
  metadata?: Record<string, string>;
}

export interface RefundResult {
  providerRefundId: string;
  status: 'pending' | 'succeeded' | 'failed';
}

export interface PaymentsPort {
  readonly provider: 'stripe';
  startCheckout(request: StartCheckoutRequest): Promise<StartedCheckout>;
  /** Expires an open Checkout Session (e.g. the order was cancelled); succeeds if already expired or completed. */
  expireCheckout(providerSessionId: string): Promise<void>;
  refund(request: RefundRequest): Promise<RefundResult>;
}

/** A provider call that failed in a way the buyer can retry (timeout, network, 5xx, rate limit). */
export class PaymentProviderUnavailableError extends Error {
  override name = 'PaymentProviderUnavailableError';
}
