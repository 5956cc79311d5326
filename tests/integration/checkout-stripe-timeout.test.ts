/**
 * A Stripe call times out during checkout, through the checkout route with Stripe configured
 * against the local Stripe double made slow (it makes the session, then answers too late, as a
 * slow Stripe does). The checkout fails cleanly (503 with the provider message, not a 500), no
 * stock is lost and the cart is given back; submitting again succeeds with exactly one live order
 * and one session to pay, and nothing is charged twice.
 */
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { orders, payments } from '~/db/schema';
import { seedDemoData } from '~/models/demo-seed.server';
import { action as cartAction, loader as cartLoader } from '~/routes/cart/route';
import { action as checkoutAction, loader as checkoutLoader } from '~/routes/checkout/route';
import type { AppContext } from '~/utils/context.server';
import { createStripePayments } from '~/utils/payments/stripe.server';
import zhOrders from '~/locales/zh-CN/orders.json';
import { DOUBLE_SECRET_KEY, StripeDouble } from '../doubles/stripe-double';
import { ADDRESS, callRoute, dataOf, getPage, postForm, redirectOf, setCookieOf, stockOf, variantOf, ZIGUI, type RouteHandler, type VariantFacts } from '../fixtures/checkout';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';

/** The adapter's per-request timeout here; the double answers well after it. */
const TIMEOUT_MS = 300;
const QUANTITY = 2;
/** This buyer's orders are told apart by the recipient's name. */
const BUYER = { ...ADDRESS, recipient: '超时测试买家' };

describeEachDriver('checkout when Stripe times out', (t) => {
  let double: StripeDouble;
  let app: AppContext;
  let zigui: VariantFacts;

  beforeAll(async () => {
    await seedDemoData(t.database.db, new Date());
    double = await StripeDouble.start();
    const base = createTestApp(t.database, { STRIPE_SECRET_KEY: DOUBLE_SECRET_KEY });
    // One network retry, as in production (stripe-node resends with the same idempotency key).
    app = { ...base, payments: createStripePayments({ secretKey: DOUBLE_SECRET_KEY, paymentMethods: ['card'], timeoutMs: TIMEOUT_MS, maxNetworkRetries: 1, ...double.clientOptions }) };
    zigui = await variantOf(app.db, ZIGUI);
  });
  afterAll(() => double?.close());

  async function checkoutForm(cookie: string) {
    return dataOf<{ idempotencyKey: string; cart: { totalFen: number }; paymentMethods: string[] }>(
      await callRoute(app, checkoutLoader as RouteHandler, getPage('http://localhost/checkout', cookie)),
    ).body;
  }

  function submit(form: { idempotencyKey: string; cart: { totalFen: number } }, cookie: string) {
    return callRoute(
      app,
      checkoutAction as RouteHandler,
      postForm('http://localhost/checkout', { intent: 'place', idempotencyKey: form.idempotencyKey, expectedTotalFen: String(form.cart.totalFen), paymentMethod: 'stripe', addressId: 'new', ...BUYER }, cookie),
    );
  }

  async function cartLines(cookie: string) {
    const { cart } = dataOf<{ cart: { groups: { lines: { variantId: number; quantity: number }[] }[] } }>(
      await callRoute(app, cartLoader as RouteHandler, getPage('http://localhost/cart', cookie)),
    ).body;
    return cart.groups.flatMap((g) => g.lines).map((l) => ({ variantId: l.variantId, quantity: l.quantity }));
  }

  /** Sessions on the double for these orders (by our order id in the metadata), oldest first. */
  function sessionsFor(orderIds: string[]) {
    return [...double.sessions.values()].filter((s) => orderIds.includes(s.metadata.order_id ?? s.client_reference_id ?? '')).sort((a, b) => a.created - b.created);
  }

  it('fails cleanly, loses no stock, and the buyer then pays through exactly one live order and session', async () => {
    const added = await callRoute(app, cartAction as RouteHandler, postForm('http://localhost/cart', { intent: 'add', variantId: String(zigui.id), quantity: String(QUANTITY) }));
    const cookie = setCookieOf(added)!;
    const stockBefore = await stockOf(app.db, zigui.id);
    const firstForm = await checkoutForm(cookie);
    expect(firstForm.paymentMethods).toContain('stripe');

    double.setLatency(TIMEOUT_MS * 5);
    let failed: unknown;
    try {
      failed = await submit(firstForm, cookie);
    } finally {
      double.setLatency(0);
    }
    // A clear answer, not an error page: 503 with the message that says nothing was charged.
    const { status, body } = dataOf<{ problem: { code: string } }>(failed);
    expect(status).toBe(503);
    expect(body.problem.code).toBe('provider_unavailable');
    expect(zhOrders.checkout.problems.provider_unavailable).toContain('未扣款');

    // Stripe made a session for that order (it was only slow to say so); we never sent the buyer to it.
    const firstOrders = await app.db.select().from(orders).where(eq(orders.recipient, BUYER.recipient));
    const cancelled = firstOrders.filter((o) => o.status === 'cancelled' && o.cancelReason === 'payment_provider_unavailable');
    expect(cancelled).toHaveLength(1);
    const [cancelledPayment] = await app.db.select().from(payments).where(eq(payments.orderId, cancelled[0]!.id));
    expect(cancelledPayment).toMatchObject({ status: 'cancelled', providerSessionId: null });

    // Nothing lost: the units are back on sale and back in the buyer's cart.
    expect(await stockOf(app.db, zigui.id)).toBe(stockBefore);
    expect(await cartLines(cookie)).toEqual([{ variantId: zigui.id, quantity: QUANTITY }]);

    // Sending the same form again makes nothing new.
    const again = dataOf<{ problem: { code: string } }>(await submit(firstForm, cookie));
    expect({ status: again.status, code: again.body.problem.code }).toEqual({ status: 409, code: 'form_expired' });

    // The page as it reloads after the failure: a new form, and this time Stripe answers.
    const secondForm = await checkoutForm(cookie);
    expect(secondForm.idempotencyKey).not.toBe(firstForm.idempotencyKey);
    const location = redirectOf(await submit(secondForm, cookie));

    const buyersOrders = await app.db.select().from(orders).where(eq(orders.recipient, BUYER.recipient));
    const live = buyersOrders.filter((o) => o.status !== 'cancelled');
    expect(live).toHaveLength(1);
    expect(live[0]).toMatchObject({ status: 'pending_payment', paymentMethod: 'stripe' });
    const livePayments = await app.db.select().from(payments).where(inArray(payments.orderId, [live[0]!.id]));
    expect(livePayments).toHaveLength(1);
    const liveSessions = sessionsFor([live[0]!.id]);
    expect(liveSessions).toHaveLength(1);
    expect(liveSessions[0]).toMatchObject({ id: livePayments[0]!.providerSessionId, url: location, status: 'open', amount_total: live[0]!.totalFen });
    expect(await stockOf(app.db, zigui.id)).toBe(stockBefore - QUANTITY);

    // The buyer pays the session they were sent to: one charge in all. Stripe also holds the
    // session it made for the cancelled order, but nobody was ever sent to it (its id and URL
    // never left the timed-out call) and it is not paid.
    double.completeSession(liveSessions[0]!.id);
    const everySession = sessionsFor(buyersOrders.map((o) => o.id));
    expect(everySession.map((s) => s.metadata.order_id).sort()).toEqual([cancelled[0]!.id, live[0]!.id].sort());
    expect(everySession.filter((s) => s.payment_status === 'paid').map((s) => s.id)).toEqual([liveSessions[0]!.id]);
    const orphan = everySession.find((s) => s.metadata.order_id === cancelled[0]!.id)!;
    expect(orphan.url).not.toBe(location);
    expect(orphan.payment_status).toBe('unpaid');
  });
});
