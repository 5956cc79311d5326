/**
 * The Stripe double refuses what Stripe refuses and answers in Stripe's shapes; the adapter tests
 * are only as good as these checks.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DOUBLE_SECRET_KEY, parseStripeForm, signWebhook, STRIPE_API_VERSION, StripeDouble } from '../doubles/stripe-double';

let double: StripeDouble;
let stripe: Stripe;

beforeAll(async () => {
  double = await StripeDouble.start();
  stripe = new Stripe(DOUBLE_SECRET_KEY, { ...double.clientOptions, maxNetworkRetries: 0, timeout: 2000 });
});
afterAll(() => double.close());
beforeEach(() => double.reset());

const inHour = () => Math.floor(Date.now() / 1000) + 3600;

function sessionParams(overrides: Record<string, unknown> = {}): Stripe.Checkout.SessionCreateParams {
  return {
    mode: 'payment',
    line_items: [{ price_data: { currency: 'cny', unit_amount: 3980, product_data: { name: '秭归脐橙 5kg' } }, quantity: 2 }],
    allowed_payment_method_types: ['card'],
    success_url: 'https://shop.example/orders/1?paid=1',
    cancel_url: 'https://shop.example/orders/1',
    expires_at: inHour(),
    ...overrides,
  } as Stripe.Checkout.SessionCreateParams;
}

async function rawPost(path: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`http://127.0.0.1:${double.port}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${DOUBLE_SECRET_KEY}`, 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as { error?: Record<string, unknown> } & Record<string, unknown> };
}

describe('Stripe double: form bodies', () => {
  it('reads bracketed keys, encoded or not, into nested objects and indexed arrays', () => {
    expect(parseStripeForm('line_items[0][price_data][currency]=cny&line_items%5B0%5D%5Bquantity%5D=2&metadata[order_id]=a&allowed_payment_method_types[0]=card&allowed_payment_method_types[1]=alipay')).toEqual({
      line_items: [{ price_data: { currency: 'cny' }, quantity: '2' }],
      metadata: { order_id: 'a' },
      allowed_payment_method_types: ['card', 'alipay'],
    });
  });
});

describe('Stripe double: checkout sessions', () => {
  it('creates an open session in the documented shape, with the amounts summed in fen', async () => {
    const session = await stripe.checkout.sessions.create(sessionParams({ metadata: { order_id: 'o-1' }, client_reference_id: 'o-1' }));
    expect(session).toMatchObject({
      object: 'checkout.session',
      status: 'open',
      payment_status: 'unpaid',
      payment_intent: null,
      amount_total: 7960,
      currency: 'cny',
      metadata: { order_id: 'o-1' },
      client_reference_id: 'o-1',
      allowed_payment_method_types: ['card'],
      payment_method_types: ['card'],
      livemode: false,
    });
    expect(session.id).toMatch(/^cs_test_/);
    expect(session.url).toContain(session.id);
    expect(await stripe.checkout.sessions.retrieve(session.id)).toEqual(session);
  });

  it('sees the stripe client send form bodies with the pinned API version and an idempotency key', async () => {
    await stripe.checkout.sessions.create(sessionParams());
    const request = double.requests.at(-1)!;
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request.headers['stripe-version']).toBe(STRIPE_API_VERSION);
    expect(request.headers['idempotency-key']).toMatch(/^stripe-node-retry-/);
    expect(request.rawBody).toContain('line_items[0][price_data][unit_amount]=3980');
  });

  it('refuses payment_method_types, removed by the endive API version', async () => {
    const error = await stripe.checkout.sessions.create(sessionParams({ payment_method_types: ['card'] })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ statusCode: 400, param: 'payment_method_types' });
  });

  it('refuses unknown and missing parameters with Stripe error bodies', async () => {
    const unknown = await rawPost('/v1/checkout/sessions', 'mode=payment&colour=red');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toEqual(expect.objectContaining({ type: 'invalid_request_error', code: 'parameter_unknown', param: 'colour', message: 'Received unknown parameter: colour' }));
    const noMode = await rawPost('/v1/checkout/sessions', `line_items[0][quantity]=1`);
    expect(noMode.body.error).toEqual(expect.objectContaining({ code: 'parameter_missing', param: 'mode' }));
    const noItems = await rawPost('/v1/checkout/sessions', 'mode=payment');
    expect(noItems.body.error).toEqual(expect.objectContaining({ code: 'parameter_missing', param: 'line_items' }));
  });

  it('refuses line items without a name, a whole-fen amount, a quantity, or in two currencies', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ price_data: { currency: 'cny', unit_amount: 100, product_data: { description: '无名' } }, quantity: 1 }, 'line_items[0][price_data][product_data][name]'],
      [{ price_data: { currency: 'cny', unit_amount: '39.80', product_data: { name: 'x' } }, quantity: 1 }, 'line_items[0][price_data][unit_amount]'],
      [{ price_data: { currency: 'cny', unit_amount: 100, product_data: { name: 'x' } } }, 'line_items[0][quantity]'],
      [{ price_data: { currency: 'cny', unit_amount: 100, product_data: { name: 'x' } }, quantity: 0 }, 'line_items[0][quantity]'],
      [{ price_data: { currency: 'xyz', unit_amount: 100, product_data: { name: 'x' } }, quantity: 1 }, 'line_items[0][price_data][currency]'],
    ];
    for (const [item, param] of cases) {
      const error = await stripe.checkout.sessions.create(sessionParams({ line_items: [item] })).catch((e: unknown) => e);
      expect(error, param).toMatchObject({ statusCode: 400, param });
    }
    const mixed = await stripe.checkout.sessions
      .create(
        sessionParams({
          line_items: [
            { price_data: { currency: 'cny', unit_amount: 100, product_data: { name: 'a' } }, quantity: 1 },
            { price_data: { currency: 'usd', unit_amount: 100, product_data: { name: 'b' } }, quantity: 1 },
          ],
        }),
      )
      .catch((e: unknown) => e);
    expect(mixed).toMatchObject({ statusCode: 400, param: 'line_items[1][price_data][currency]' });
  });

  it('keeps expires_at between 30 minutes and 24 hours after creation', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const expiresAt of [now + 29 * 60, now + 24 * 3600 + 60]) {
      const error = await stripe.checkout.sessions.create(sessionParams({ expires_at: expiresAt })).catch((e: unknown) => e);
      expect(error).toMatchObject({ statusCode: 400, param: 'expires_at' });
    }
    const ok = await stripe.checkout.sessions.create(sessionParams({ expires_at: now + 30 * 60 + 5 }));
    expect(ok.expires_at).toBe(now + 30 * 60 + 5);
  });

  it('needs the WeChat Pay client option and refuses a currency a method does not take', async () => {
    const noClient = await stripe.checkout.sessions.create(sessionParams({ allowed_payment_method_types: ['wechat_pay'] })).catch((e: unknown) => e);
    expect(noClient).toMatchObject({ statusCode: 400, param: 'payment_method_options[wechat_pay][client]' });
    const withClient = await stripe.checkout.sessions.create(
      sessionParams({ allowed_payment_method_types: ['card', 'alipay', 'wechat_pay'], payment_method_options: { wechat_pay: { client: 'web' } } }),
    );
    expect(withClient.payment_method_types).toEqual(['card', 'alipay', 'wechat_pay']);
    const wrongCurrency = await stripe.checkout.sessions
      .create(
        sessionParams({
          line_items: [{ price_data: { currency: 'myr', unit_amount: 100, product_data: { name: 'x' } }, quantity: 1 }],
          allowed_payment_method_types: ['wechat_pay'],
          payment_method_options: { wechat_pay: { client: 'web' } },
        }),
      )
      .catch((e: unknown) => e);
    expect(wrongCurrency).toMatchObject({ statusCode: 400, param: 'allowed_payment_method_types' });
  });

  it('refuses metadata over Stripe’s limits', async () => {
    const error = await stripe.checkout.sessions.create(sessionParams({ metadata: { k: 'x'.repeat(501) } })).catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 400, param: 'metadata[k]' });
  });

  it('answers 401 without the right key and 404 for an unknown session or URL', async () => {
    const wrongKey = new Stripe('sk_test_wrong_0000000000', { ...double.clientOptions, maxNetworkRetries: 0 });
    expect(await wrongKey.checkout.sessions.retrieve('cs_test_x').catch((e: unknown) => e)).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    const noKey = await fetch(`http://127.0.0.1:${double.port}/v1/checkout/sessions/cs_x`);
    expect(noKey.status).toBe(401);
    const missingSession = await stripe.checkout.sessions.retrieve('cs_test_missing').catch((e: unknown) => e);
    expect(missingSession).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    const unknownUrl = await rawPost('/v1/charges/ch_1/colour', '');
    expect(unknownUrl.status).toBe(404);
    expect(unknownUrl.body.error).toMatchObject({ type: 'invalid_request_error', message: expect.stringContaining('Unrecognized request URL') });
  });

  it('expires only open sessions', async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    expect((await stripe.checkout.sessions.expire(session.id)).status).toBe('expired');
    expect(await stripe.checkout.sessions.expire(session.id).catch((e: unknown) => e)).toMatchObject({ statusCode: 400 });
  });
});

describe('Stripe double: idempotency', () => {
  it('replays the first answer to a key and refuses the key with other parameters', async () => {
    const first = await stripe.checkout.sessions.create(sessionParams({ expires_at: inHour() }), { idempotencyKey: 'order-1' });
    const params = double.requests.at(-1)!.rawBody;
    const again = await rawPost('/v1/checkout/sessions', params, { 'Idempotency-Key': 'order-1' });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.id);
    expect(double.sessions.size).toBe(1);

    const other = await stripe.checkout.sessions.create(sessionParams({ client_reference_id: 'other' }), { idempotencyKey: 'order-1' }).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(other).toMatchObject({ statusCode: 400, type: 'StripeIdempotencyError' });
  });

  it('replays errors too', async () => {
    const body = 'mode=payment';
    const first = await rawPost('/v1/checkout/sessions', body, { 'Idempotency-Key': 'bad-1' });
    const second = await rawPost('/v1/checkout/sessions', body, { 'Idempotency-Key': 'bad-1' });
    expect(first.status).toBe(400);
    expect(second.status).toBe(400);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
  });
});

describe('Stripe double: refunds', () => {
  it('refunds part of a paid payment and never more than remains', async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    const paid = double.completeSession(session.id);
    const refund = await stripe.refunds.create({ payment_intent: paid.payment_intent!, amount: 1000, metadata: { cooperative_order_id: 'co-1' } });
    expect(refund).toMatchObject({ object: 'refund', amount: 1000, currency: 'cny', status: 'succeeded', payment_intent: paid.payment_intent, metadata: { cooperative_order_id: 'co-1' } });
    const tooMuch = await stripe.refunds.create({ payment_intent: paid.payment_intent!, amount: 7000 }).catch((e: unknown) => e);
    expect(tooMuch).toMatchObject({ statusCode: 400, param: 'amount' });
    await stripe.refunds.create({ payment_intent: paid.payment_intent!, amount: 6960 });
    expect(double.chargeFor(paid.payment_intent!)).toMatchObject({ amount_refunded: 7960, refunded: true });
    expect(await stripe.refunds.create({ payment_intent: paid.payment_intent! }).catch((e: unknown) => e)).toMatchObject({ code: 'charge_already_refunded' });
  });

  it('refuses a refund of an unknown or unpaid payment', async () => {
    expect(await stripe.refunds.create({ payment_intent: 'pi_missing', amount: 1 }).catch((e: unknown) => e)).toMatchObject({ statusCode: 400, code: 'resource_missing' });
    const session = await stripe.checkout.sessions.create(sessionParams());
    const pending = double.completeSession(session.id, { paymentStatus: 'unpaid' });
    expect(await stripe.refunds.create({ payment_intent: pending.payment_intent!, amount: 1 }).catch((e: unknown) => e)).toMatchObject({ statusCode: 400 });
  });
});

describe('Stripe double: faults', () => {
  it('answers 5xx api_error when told to, which stripe-node retries', async () => {
    double.failNext(1, 503);
    const retrying = new Stripe(DOUBLE_SECRET_KEY, { ...double.clientOptions, maxNetworkRetries: 1 });
    const session = await retrying.checkout.sessions.create(sessionParams());
    expect(session.status).toBe('open');
    expect(double.requests.map((r) => r.status)).toEqual([503, 200]);
  });

  it('lets the client time out when hanging', async () => {
    double.hang();
    const impatient = new Stripe(DOUBLE_SECRET_KEY, { ...double.clientOptions, maxNetworkRetries: 0, timeout: 150 });
    const error = await impatient.checkout.sessions.retrieve('cs_test_x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect((error as Error).message).toContain('timeout');
  });
});

describe('Stripe double: webhook signing', () => {
  it('signs events the real library verifies, and only with the same secret', () => {
    const event = double.event('checkout.session.expired', { id: 'cs_test_1', object: 'checkout.session' });
    const now = Math.floor(Date.now() / 1000);
    const { body, signature } = signWebhook(event, 'whsec_test_secret', now);
    expect(Stripe.webhooks.constructEvent(body, signature, 'whsec_test_secret').id).toBe(event.id);
    expect(() => Stripe.webhooks.constructEvent(body, signature, 'whsec_other')).toThrow(Stripe.errors.StripeSignatureVerificationError);
  });
});
