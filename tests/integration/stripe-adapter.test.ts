/**
 * The Stripe Checkout adapter, against the local double of the Stripe API (always) and against
 * Stripe's test mode (the live suite, when STRIPE_SECRET_KEY=sk_test_… is set).
 */
import crypto from 'node:crypto';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseEnv } from '~/utils/env.server';
import { createStripePayments, createStripePaymentsFromEnv, type StripePaymentMethod, type StripePayments } from '~/utils/payments/stripe.server';
import { PaymentProviderUnavailableError, type StartCheckoutRequest } from '~/utils/payments/types';
import { DOUBLE_SECRET_KEY, StripeDouble } from '../doubles/stripe-double';

const MINUTE = 60_000;

function checkoutRequest(overrides: Partial<StartCheckoutRequest> = {}): StartCheckoutRequest {
  const orderId = crypto.randomUUID();
  return {
    orderId,
    orderNumber: `DB20201127-${crypto.randomBytes(2).toString('hex').toUpperCase()}`,
    paymentId: crypto.randomUUID(),
    lineItems: [
      { name: '秭归脐橙 5kg 装', unitAmountFen: 3980, quantity: 2 },
      { name: '恩施玉露 250g', unitAmountFen: 12800, quantity: 1 },
    ],
    shippingFen: 1200,
    customerEmail: 'buyer@example.com',
    successUrl: `https://shop.example/orders/${orderId}?checkout=done`,
    cancelUrl: `https://shop.example/orders/${orderId}`,
    expiresAt: new Date(Date.now() + 60 * MINUTE),
    idempotencyKey: `checkout-${orderId}`,
    ...overrides,
  };
}

describe('Stripe adapter against the local Stripe double', () => {
  let double: StripeDouble;
  const adapter = (options: { paymentMethods?: StripePaymentMethod[]; timeoutMs?: number; maxNetworkRetries?: number; secretKey?: string } = {}) =>
    createStripePayments({
      secretKey: options.secretKey ?? DOUBLE_SECRET_KEY,
      paymentMethods: options.paymentMethods ?? ['card'],
      timeoutMs: options.timeoutMs ?? 2000,
      maxNetworkRetries: options.maxNetworkRetries ?? 0,
      ...double.clientOptions,
    });

  beforeAll(async () => {
    double = await StripeDouble.start();
  });
  afterAll(() => double.close());
  beforeEach(() => double.reset());

  describe('startCheckout', () => {
    it('creates a CNY session in fen with the order in metadata, the configured methods and an idempotency key', async () => {
      const request = checkoutRequest();
      const started = await adapter({ paymentMethods: ['card', 'alipay', 'wechat_pay'] }).startCheckout(request);

      const sent = double.requests.filter((r) => r.path === '/v1/checkout/sessions');
      expect(sent).toHaveLength(1);
      expect(sent[0]!.headers['idempotency-key']).toBe(request.idempotencyKey);
      expect(sent[0]!.params).toEqual({
        mode: 'payment',
        line_items: [
          { price_data: { currency: 'cny', unit_amount: '3980', product_data: { name: '秭归脐橙 5kg 装' } }, quantity: '2' },
          { price_data: { currency: 'cny', unit_amount: '12800', product_data: { name: '恩施玉露 250g' } }, quantity: '1' },
          { price_data: { currency: 'cny', unit_amount: '1200', product_data: { name: expect.stringContaining('运费') } }, quantity: '1' },
        ],
        allowed_payment_method_types: ['card', 'alipay', 'wechat_pay'],
        payment_method_options: { wechat_pay: { client: 'web' } },
        client_reference_id: request.orderId,
        metadata: { order_id: request.orderId, order_number: request.orderNumber, payment_id: request.paymentId },
        payment_intent_data: { metadata: { order_id: request.orderId, order_number: request.orderNumber, payment_id: request.paymentId } },
        customer_email: 'buyer@example.com',
        success_url: request.successUrl,
        cancel_url: request.cancelUrl,
        expires_at: String(Math.floor(request.expiresAt.getTime() / 1000)),
        locale: 'zh',
      });
      expect(Number(sent[0]!.params.expires_at) * 1000 - Date.now()).toBeGreaterThanOrEqual(30 * MINUTE - 5000);

      const session = double.getSession(started.providerSessionId);
      expect(started.redirectUrl).toBe(session.url);
      expect(session).toMatchObject({ status: 'open', currency: 'cny', amount_total: 3980 * 2 + 12800 + 1200 });
    });

    it('sends card alone without payment method options, and no shipping line when shipping is free', async () => {
      await adapter({ paymentMethods: ['card'] }).startCheckout(checkoutRequest({ shippingFen: 0 }));
      const params = double.requests.at(-1)!.params;
      expect(params.allowed_payment_method_types).toEqual(['card']);
      expect(params).not.toHaveProperty('payment_method_options');
      expect(params).not.toHaveProperty('payment_method_types');
      expect(params.line_items).toHaveLength(2);
    });

    it('returns the same session when retried with the same idempotency key', async () => {
      const payments = adapter();
      const request = checkoutRequest();
      const first = await payments.startCheckout(request);
      const second = await payments.startCheckout(request);
      expect(second).toEqual(first);
      expect(double.sessions.size).toBe(1);
      expect(double.requests.at(-1)!.replayed).toBe(true);
    });

    it('refuses an expiry under Stripe’s 30 minutes before calling Stripe', async () => {
      await expect(adapter().startCheckout(checkoutRequest({ expiresAt: new Date(Date.now() + 10 * MINUTE) }))).rejects.toThrow(/30 minutes/);
      expect(double.requests).toHaveLength(0);
    });

    it('fails with PaymentProviderUnavailableError on a timeout, and the retried checkout gets the session Stripe made meanwhile', async () => {
      double.setLatency(400);
      const request = checkoutRequest();
      const slow = adapter({ timeoutMs: 150, maxNetworkRetries: 1 });
      await expect(slow.startCheckout(request)).rejects.toBeInstanceOf(PaymentProviderUnavailableError);
      // Stripe did the work before the answer was lost; every attempt carried the same key.
      expect(double.sessions.size).toBe(1);
      expect(new Set(double.requests.map((r) => r.headers['idempotency-key']))).toEqual(new Set([request.idempotencyKey]));

      double.setLatency(0);
      const retried = await adapter().startCheckout(request);
      expect([...double.sessions.keys()]).toEqual([retried.providerSessionId]);
    });

    it('fails with PaymentProviderUnavailableError when Stripe never answers', async () => {
      double.hang();
      const error = await adapter({ timeoutMs: 150 }).startCheckout(checkoutRequest()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PaymentProviderUnavailableError);
      expect((error as Error).cause).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    });

    it('retries 5xx answers and then fails with PaymentProviderUnavailableError', async () => {
      double.failNext(5, 500);
      await expect(adapter({ maxNetworkRetries: 1 }).startCheckout(checkoutRequest())).rejects.toBeInstanceOf(PaymentProviderUnavailableError);
      expect(double.requests.map((r) => r.status)).toEqual([500, 500]);
    });

    it('fails with PaymentProviderUnavailableError when nothing listens', async () => {
      const closed = await StripeDouble.start();
      const options = closed.clientOptions;
      await closed.close();
      const payments = createStripePayments({ secretKey: DOUBLE_SECRET_KEY, paymentMethods: ['card'], timeoutMs: 500, maxNetworkRetries: 0, ...options });
      await expect(payments.startCheckout(checkoutRequest())).rejects.toBeInstanceOf(PaymentProviderUnavailableError);
    });

    it('never reports a wrong key or a reused key as “try again”', async () => {
      const wrongKey = await adapter({ secretKey: 'sk_test_not_the_key_000000' }).startCheckout(checkoutRequest()).catch((e: unknown) => e);
      expect(wrongKey).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);

      const payments = adapter();
      const request = checkoutRequest();
      await payments.startCheckout(request);
      const reused = await payments.startCheckout({ ...request, shippingFen: 999 }).catch((e: unknown) => e);
      expect(reused).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
      expect(reused).not.toBeInstanceOf(PaymentProviderUnavailableError);
    });
  });

  describe('retrieveCheckout and expireCheckout', () => {
    it('reads the real state of a session, with the order id from its metadata', async () => {
      const payments = adapter();
      const request = checkoutRequest();
      const { providerSessionId } = await payments.startCheckout(request);
      expect(await payments.retrieveCheckout(providerSessionId)).toMatchObject({
        id: providerSessionId,
        status: 'open',
        paymentStatus: 'unpaid',
        paymentIntentId: null,
        amountTotal: 3980 * 2 + 12800 + 1200,
        currency: 'cny',
        orderId: request.orderId,
        paymentId: request.paymentId,
        expiresAt: new Date(Math.floor(request.expiresAt.getTime() / 1000) * 1000),
      });
      const paid = double.completeSession(providerSessionId);
      expect(await payments.retrieveCheckout(providerSessionId)).toMatchObject({ status: 'complete', paymentStatus: 'paid', paymentIntentId: paid.payment_intent });
    });

    it('expires an open session, and accepts one already expired or completed', async () => {
      const payments = adapter();
      const open = await payments.startCheckout(checkoutRequest());
      await payments.expireCheckout(open.providerSessionId);
      expect(double.getSession(open.providerSessionId).status).toBe('expired');
      await expect(payments.expireCheckout(open.providerSessionId)).resolves.toBeUndefined();

      const paid = await payments.startCheckout(checkoutRequest());
      double.completeSession(paid.providerSessionId);
      await expect(payments.expireCheckout(paid.providerSessionId)).resolves.toBeUndefined();
      expect(double.getSession(paid.providerSessionId).status).toBe('complete');
    });

    it('fails for a session Stripe does not know', async () => {
      await expect(adapter().expireCheckout('cs_test_unknown')).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    });
  });

  describe('refund', () => {
    async function paidPaymentIntent(payments: StripePayments) {
      const { providerSessionId } = await payments.startCheckout(checkoutRequest());
      return double.completeSession(providerSessionId).payment_intent!;
    }

    it('refunds parts of one payment per cooperative order, never more than was paid', async () => {
      const payments = adapter();
      const paymentIntentId = await paidPaymentIntent(payments);
      const first = await payments.refund({ paymentIntentId, amountFen: 3980, idempotencyKey: 'refund-a', metadata: { cooperativeOrderId: 'co-a' } });
      expect(first).toEqual({ providerRefundId: expect.stringMatching(/^re_/), status: 'succeeded' });
      expect(double.requests.at(-1)!.params).toEqual({ payment_intent: paymentIntentId, amount: '3980', metadata: { cooperativeOrderId: 'co-a' } });
      expect(double.requests.at(-1)!.headers['idempotency-key']).toBe('refund-a');

      await payments.refund({ paymentIntentId, amountFen: 12800, idempotencyKey: 'refund-b', metadata: { cooperativeOrderId: 'co-b' } });
      expect(double.chargeFor(paymentIntentId).amount_refunded).toBe(3980 + 12800);
      const tooMuch = await payments.refund({ paymentIntentId, amountFen: 10_000, idempotencyKey: 'refund-c' }).catch((e: unknown) => e);
      expect(tooMuch).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    });

    it('makes one refund however often it is retried with the same key', async () => {
      const payments = adapter();
      const paymentIntentId = await paidPaymentIntent(payments);
      const request = { paymentIntentId, amountFen: 500, idempotencyKey: 'refund-once', metadata: { cooperativeOrderId: 'co-a' } };
      const first = await payments.refund(request);
      const again = await payments.refund(request);
      expect(again.providerRefundId).toBe(first.providerRefundId);
      expect(double.refunds.size).toBe(1);
      expect(double.chargeFor(paymentIntentId).amount_refunded).toBe(500);
    });

    it('reports a refund Stripe has not settled yet as pending, and keeps a free-text reason in metadata', async () => {
      const payments = adapter();
      const paymentIntentId = await paidPaymentIntent(payments);
      double.setRefundStatus('pending');
      const refund = await payments.refund({ paymentIntentId, amountFen: 100, idempotencyKey: 'refund-p', reason: '果子冻坏了 3 个', metadata: { cooperativeOrderId: 'co-a' } });
      expect(refund.status).toBe('pending');
      expect(double.requests.at(-1)!.params).toMatchObject({ metadata: { cooperativeOrderId: 'co-a', reason: '果子冻坏了 3 个' } });
      expect(double.requests.at(-1)!.params).not.toHaveProperty('reason');
      await payments.refund({ paymentIntentId, amountFen: 100, idempotencyKey: 'refund-q', reason: 'requested_by_customer' });
      expect(double.requests.at(-1)!.params).toMatchObject({ reason: 'requested_by_customer' });
    });

    it('fails with PaymentProviderUnavailableError when Stripe is down', async () => {
      const payments = adapter();
      const paymentIntentId = await paidPaymentIntent(payments);
      double.failNext(1, 503);
      await expect(payments.refund({ paymentIntentId, amountFen: 100, idempotencyKey: 'refund-down' })).rejects.toBeInstanceOf(PaymentProviderUnavailableError);
    });
  });

  it('is off without STRIPE_SECRET_KEY and configured from the environment with it', () => {
    expect(createStripePaymentsFromEnv(parseEnv({ NODE_ENV: 'test' }))).toBeNull();
    const env = parseEnv({ NODE_ENV: 'test', STRIPE_SECRET_KEY: DOUBLE_SECRET_KEY, STRIPE_PAYMENT_METHODS: 'card,wechat_pay' });
    expect(createStripePaymentsFromEnv(env)?.provider).toBe('stripe');
  });
});

// The same contract against Stripe itself. Run it with a test-mode key (never a live one):
//   STRIPE_SECRET_KEY=sk_test_… [STRIPE_PAYMENT_METHODS=card,alipay,wechat_pay] npx vitest run tests/integration/stripe-adapter.test.ts
const liveKey = process.env.STRIPE_SECRET_KEY?.startsWith('sk_test_') ? process.env.STRIPE_SECRET_KEY : undefined;

describe.skipIf(!liveKey)('live Stripe test mode (set STRIPE_SECRET_KEY=sk_test_… to run)', () => {
  const paymentMethods = parseEnv({ NODE_ENV: 'test', STRIPE_PAYMENT_METHODS: process.env.STRIPE_PAYMENT_METHODS }).STRIPE_PAYMENT_METHODS;
  const payments = () => createStripePayments({ secretKey: liveKey!, paymentMethods, timeoutMs: 20_000, maxNetworkRetries: 2 });

  it('creates a CNY session with the order in metadata and the configured methods, once per idempotency key', async () => {
    const request = checkoutRequest();
    const first = await payments().startCheckout(request);
    const again = await payments().startCheckout(request);
    expect(again.providerSessionId).toBe(first.providerSessionId);
    expect(first.redirectUrl).toMatch(/^https:\/\/checkout\.stripe\.com\//);

    const session = await new Stripe(liveKey!).checkout.sessions.retrieve(first.providerSessionId);
    expect(session).toMatchObject({
      mode: 'payment',
      currency: 'cny',
      amount_total: 3980 * 2 + 12800 + 1200,
      client_reference_id: request.orderId,
      metadata: { order_id: request.orderId, payment_id: request.paymentId },
      expires_at: Math.floor(request.expiresAt.getTime() / 1000),
      allowed_payment_method_types: paymentMethods,
    });
    expect(await payments().retrieveCheckout(first.providerSessionId)).toMatchObject({ status: 'open', orderId: request.orderId });

    await payments().expireCheckout(first.providerSessionId);
    await payments().expireCheckout(first.providerSessionId);
    expect((await payments().retrieveCheckout(first.providerSessionId)).status).toBe('expired');
  });

  it('refunds part of a paid payment, once per idempotency key', async () => {
    const stripe = new Stripe(liveKey!);
    const intent = await stripe.paymentIntents.create({
      amount: 8000,
      currency: 'cny',
      payment_method: 'pm_card_visa',
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    const key = `live-refund-${crypto.randomUUID()}`;
    const refund = await payments().refund({ paymentIntentId: intent.id, amountFen: 3000, idempotencyKey: key, metadata: { cooperativeOrderId: 'live-test' } });
    const again = await payments().refund({ paymentIntentId: intent.id, amountFen: 3000, idempotencyKey: key, metadata: { cooperativeOrderId: 'live-test' } });
    expect(again.providerRefundId).toBe(refund.providerRefundId);
    expect(['pending', 'succeeded']).toContain(refund.status);
    const charge = await stripe.charges.retrieve(String(intent.latest_charge));
    expect(charge.amount_refunded).toBe(3000);
  });
});
