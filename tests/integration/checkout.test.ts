import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addresses, carts, cooperativeOrders, jobs, notifications, orderItems, orders, payments, productVariants, searchDocuments } from '~/db/schema';
import { getCartView } from '~/models/cart.server';
import { checkoutOrderId, orderAccessToken, startOnlinePayment } from '~/models/checkout.server';
import { seedDemoData } from '~/models/demo-seed.server';
import { ORDER_NUMBER_PATTERN } from '~/models/order-number';
import { EXPIRE_UNPAID_ORDERS_JOB } from '~/models/orders.server';
import { receiveStripeEvent, type StripeEventLike } from '~/models/stripe-webhooks.server';
import { STRIPE_SWEEP_JOB } from '~/models/stripe-sweep-job.server';
import { action as cartAction, loader as cartLoader } from '~/routes/cart/route';
import { action as checkoutAction, loader as checkoutLoader } from '~/routes/checkout/route';
import { action as orderAction, loader as orderLoader } from '~/routes/orders.$id/route';
import type { AppContext } from '~/utils/context.server';
import { EMAIL_JOB } from '~/utils/mail.server';
import { createStripePayments, type StripePayments } from '~/utils/payments/stripe.server';
import { PaymentProviderUnavailableError, type StartCheckoutRequest } from '~/utils/payments/types';
import { sha256Hex } from '~/utils/session.server';
import { StripeDouble, DOUBLE_SECRET_KEY } from '../doubles/stripe-double';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';
import {
  ADDRESS,
  callRoute,
  checkout,
  dataOf,
  GANNAN,
  getPage,
  guestCartWith,
  postForm,
  redirectOf,
  sessionCookieFor,
  setCookieOf,
  setStock,
  stockOf,
  userCartWith,
  userIdByEmail,
  variantOf,
  ZIGUI,
  type RouteHandler,
  type VariantFacts,
} from '../fixtures/checkout';

const CUSTOMER = 'customer@demo.dibiao.example';
const HOUR = 3_600_000;
const MINUTE = 60_000;

function fakePayments(mode: { down: boolean }) {
  const calls: StartCheckoutRequest[] = [];
  const port: StripePayments = {
    provider: 'stripe',
    async retrieveCheckout() {
      throw new Error('not used');
    },
    async startCheckout(request) {
      calls.push(request);
      if (mode.down) throw new PaymentProviderUnavailableError('Stripe timed out');
      return { providerSessionId: `cs_test_${request.idempotencyKey}`, redirectUrl: `https://checkout.stripe.test/c/${request.idempotencyKey}` };
    },
    async expireCheckout() {},
    async refund() {
      throw new Error('not used');
    },
  };
  return { port, calls };
}

describeEachDriver('checkout', (t) => {
  const clock = new Date('2020-02-14T02:00:00Z');
  let app: AppContext;
  let zigui: VariantFacts;
  let gannan: VariantFacts;
  let customerId: string;

  beforeAll(async () => {
    app = createTestApp(t.database, {}, () => clock);
    await seedDemoData(app.db, clock);
    zigui = await variantOf(app.db, ZIGUI);
    gannan = await variantOf(app.db, GANNAN);
    customerId = await userIdByEmail(app.db, CUSTOMER);
  });

  async function orderRows(orderId: string) {
    const [order] = await app.db.select().from(orders).where(eq(orders.id, orderId));
    const coops = await app.db.select().from(cooperativeOrders).where(eq(cooperativeOrders.orderId, orderId));
    const items = await app.db.select().from(orderItems).where(eq(orderItems.orderId, orderId));
    const pays = await app.db.select().from(payments).where(eq(payments.orderId, orderId));
    return { order: order!, coops, items, pays };
  }

  async function orderCount() {
    const [row] = await app.db.execute(sql`SELECT count(*)::int AS n FROM orders`).then((r) => (Array.isArray(r) ? r : (r as { rows: unknown[] }).rows) as { n: number }[]);
    return Number(row!.n);
  }

  describe('placing an order', () => {
    it('splits the cart into one cooperative order per cooperative, with each one’s shipping, and totals that add up', async () => {
      const owner = await userCartWith(app, customerId, [
        { variantId: zigui.id, quantity: 2 },
        { variantId: gannan.id, quantity: 1 },
      ]);
      const before = { zigui: await stockOf(app.db, zigui.id), gannan: await stockOf(app.db, gannan.id) };
      const placed = await checkout(app, owner);
      expect(placed.ok).toBe(true);
      if (!placed.ok) return;
      expect(placed.number).toMatch(ORDER_NUMBER_PATTERN);
      expect(placed.number.startsWith('DB20200214-')).toBe(true);

      const { order, coops, items, pays } = await orderRows(placed.orderId);
      const goods = 2 * zigui.priceFen + gannan.priceFen;
      expect(order).toMatchObject({ status: 'pending_payment', paymentMethod: 'bank_transfer', userId: customerId, goodsFen: goods, shippingFen: gannan.shippingFlatFeeFen });
      expect(order.totalFen).toBe(order.goodsFen + order.shippingFen);
      expect(order.paymentDueAt!.getTime()).toBe(clock.getTime() + 48 * HOUR);
      expect(order.accessTokenHash).toBeNull();

      expect(coops).toHaveLength(2);
      const byCoop = new Map(coops.map((c) => [c.cooperativeId, c]));
      expect(byCoop.get(zigui.cooperativeId)).toMatchObject({ status: 'awaiting_payment', goodsFen: 2 * zigui.priceFen, shippingFen: 0 });
      expect(byCoop.get(gannan.cooperativeId)).toMatchObject({ status: 'awaiting_payment', goodsFen: gannan.priceFen, shippingFen: gannan.shippingFlatFeeFen });
      expect(coops.reduce((s, c) => s + c.goodsFen + c.shippingFen, 0)).toBe(order.totalFen);

      expect(items.map((i) => ({ variantId: i.variantId, title: i.title, spec: i.spec, unitPriceFen: i.unitPriceFen, quantity: i.quantity })).sort((a, b) => a.variantId - b.variantId)).toEqual(
        [
          { variantId: zigui.id, title: zigui.title, spec: zigui.spec, unitPriceFen: zigui.priceFen, quantity: 2 },
          { variantId: gannan.id, title: gannan.title, spec: gannan.spec, unitPriceFen: gannan.priceFen, quantity: 1 },
        ].sort((a, b) => a.variantId - b.variantId),
      );
      for (const item of items) expect(item.cooperativeOrderId).toBe(byCoop.get(item.variantId === zigui.id ? zigui.cooperativeId : gannan.cooperativeId)!.id);

      expect(pays).toHaveLength(1);
      expect(pays[0]).toMatchObject({ provider: 'offline', method: 'bank_transfer', status: 'pending', amountFen: order.totalFen, currency: 'cny' });
      expect(await stockOf(app.db, zigui.id)).toBe(before.zigui - 2);
      expect(await stockOf(app.db, gannan.id)).toBe(before.gannan - 1);
      const [cart] = await app.db.select({ id: carts.id }).from(carts).where(eq(carts.userId, customerId));
      expect((await getCartView(app.db, cart!.id)).lineCount).toBe(0);
    });

    it('charges no shipping to a cooperative whose goods reach its free-shipping threshold', async () => {
      const units = Math.ceil(gannan.freeShippingThresholdFen! / gannan.priceFen);
      const placed = await checkout(app, await guestCartWith(app, [{ variantId: gannan.id, quantity: units }]));
      if (!placed.ok) throw new Error(placed.problem.code);
      const { order, coops } = await orderRows(placed.orderId);
      expect(coops).toEqual([expect.objectContaining({ goodsFen: units * gannan.priceFen, shippingFen: 0 })]);
      expect(order).toMatchObject({ goodsFen: units * gannan.priceFen, shippingFen: 0, totalFen: units * gannan.priceFen });
    });

    it('keeps the title, spec and price of the moment in the order when the catalog changes later', async () => {
      const placed = await checkout(app, await guestCartWith(app, [{ variantId: zigui.id, quantity: 1 }]));
      if (!placed.ok) throw new Error(placed.problem.code);
      await app.db.update(productVariants).set({ priceFen: zigui.priceFen + 1000, spec: '5kg 礼盒（新包装）' }).where(eq(productVariants.id, zigui.id));
      const { items } = await orderRows(placed.orderId);
      expect(items[0]).toMatchObject({ unitPriceFen: zigui.priceFen, spec: zigui.spec, title: zigui.title });
      await app.db.update(productVariants).set({ priceFen: zigui.priceFen, spec: zigui.spec }).where(eq(productVariants.id, zigui.id));
    });

    it('ships cash-on-delivery orders at once: cooperative orders await shipment, the payment stays pending, no deadline', async () => {
      const placed = await checkout(app, await guestCartWith(app, [{ variantId: zigui.id, quantity: 1 }]), { paymentMethod: 'cash_on_delivery' });
      if (!placed.ok) throw new Error(placed.problem.code);
      const { order, coops, pays } = await orderRows(placed.orderId);
      expect(order).toMatchObject({ status: 'pending_payment', paymentMethod: 'cash_on_delivery', paymentDueAt: null });
      expect(coops.map((c) => c.status)).toEqual(['awaiting_shipment']);
      expect(pays[0]).toMatchObject({ provider: 'offline', method: 'cash_on_delivery', status: 'pending' });
    });

    it('gives a guest an access token whose SHA-256 is stored, and schedules the expiry sweep at the deadline', async () => {
      const owner = await guestCartWith(app, [{ variantId: zigui.id, quantity: 1 }]);
      const placed = await checkout(app, owner);
      if (!placed.ok) throw new Error(placed.problem.code);
      expect(placed.accessToken).toBe(orderAccessToken(app.sessionSecret, placed.orderId));
      const { order } = await orderRows(placed.orderId);
      expect(order.accessTokenHash).toBe(sha256Hex(placed.accessToken!));
      expect(order.contact).toBe(ADDRESS.mobile);
      const sweeps = await app.db.select().from(jobs).where(and(eq(jobs.kind, EXPIRE_UNPAID_ORDERS_JOB), eq(jobs.status, 'pending')));
      expect(sweeps.some((j) => j.runAt.getTime() <= order.paymentDueAt!.getTime() + 5 * 60_000)).toBe(true);
    });
  });

  describe('idempotent submission', () => {
    it('makes one order from a double submit with the same key, however close together', async () => {
      const owner = await guestCartWith(app, [{ variantId: zigui.id, quantity: 1 }]);
      const before = await stockOf(app.db, zigui.id);
      const count = await orderCount();
      const key = crypto.randomUUID();
      const [a, b] = await Promise.all([checkout(app, owner, { idempotencyKey: key }), checkout(app, owner, { idempotencyKey: key })]);
      const c = await checkout(app, owner, { idempotencyKey: key });
      for (const r of [a, b, c]) expect(r.ok).toBe(true);
      if (!a.ok || !b.ok || !c.ok) return;
      expect(new Set([a.orderId, b.orderId, c.orderId]).size).toBe(1);
      expect([a.reused, b.reused, c.reused].filter((r) => !r)).toHaveLength(1);
      expect(c.accessToken).toBe(a.accessToken);
      expect(await orderCount()).toBe(count + 1);
      expect(await stockOf(app.db, zigui.id)).toBe(before - 1);
    });

    it('scopes the key to the buyer: the same key from two buyers makes two orders', async () => {
      const key = crypto.randomUUID();
      const one = await guestCartWith(app, [{ variantId: zigui.id, quantity: 1 }]);
      const two = await guestCartWith(app, [{ variantId: zigui.id, quantity: 1 }]);
      expect(checkoutOrderId(app.sessionSecret, one, key)).not.toBe(checkoutOrderId(app.sessionSecret, two, key));
      const [a, b] = await Promise.all([checkout(app, one, { idempotencyKey: key }), checkout(app, two, { idempotencyKey: key })]);
      expect(a.ok && b.ok && a.orderId !== b.orderId && !a.reused && !b.reused).toBe(true);
    });
  });

  describe('refusals change nothing', () => {
    it('refuses when a line is short of stock, says how many are left, and takes no stock from the other lines', async () => {
      const owner = await guestCartWith(app, [
        { variantId: zigui.id, quantity: 1 },
        { variantId: gannan.id, quantity: 3 },
      ]);
      await setStock(app.db, gannan.id, 2);
      const ziguiBefore = await stockOf(app.db, zigui.id);
      const count = await orderCount();
      const result = await checkout(app, owner);
      expect(result).toEqual({ ok: false, problem: { code: 'insufficient_stock', title: gannan.title, spec: gannan.spec, remaining: 2 } });
      expect(await stockOf(app.db, zigui.id)).toBe(ziguiBefore);
      expect(await stockOf(app.db, gannan.id)).toBe(2);
      expect(await orderCount()).toBe(count);
      expect((await getCartView(app.db, owner.guestCartId)).lineCount).toBe(2);
      await setStock(app.db, gannan.id, gannan.stock);
    });

    it('refuses an empty cart, an unlisted product, a region that is not a county, and a total that moved', async () => {
      expect(await checkout(app, { userId: null, guestCartId: null })).toEqual({ ok: false, problem: { code: 'empty_cart' } });

      const owner = await guestCartWith(app, [{ variantId: gannan.id, quantity: 1 }]);
      await app.db.update(productVariants).set({ active: false }).where(eq(productVariants.id, gannan.id));
      expect(await checkout(app, owner)).toMatchObject({ ok: false, problem: { code: 'unavailable', title: gannan.title } });
      await app.db.update(productVariants).set({ active: true }).where(eq(productVariants.id, gannan.id));

      expect(await checkout(app, owner, { address: { ...ADDRESS, regionCode: '420000' } })).toEqual({ ok: false, problem: { code: 'region_invalid' } });
      expect(await checkout(app, owner, { address: { ...ADDRESS, regionCode: '999999' } })).toEqual({ ok: false, problem: { code: 'region_invalid' } });

      const total = gannan.priceFen + gannan.shippingFlatFeeFen;
      expect(await checkout(app, owner, { expectedTotalFen: total - 100 })).toEqual({ ok: false, problem: { code: 'price_changed', totalFen: total } });
      expect((await getCartView(app.db, owner.guestCartId)).lineCount).toBe(1);
      expect(await checkout(app, owner, { expectedTotalFen: total })).toMatchObject({ ok: true });
    });
  });

  describe('search and notifications', () => {
    it('marks a product out of stock in search when its last units are ordered', async () => {
      const variants = await app.db.select().from(productVariants).where(eq(productVariants.productId, gannan.productId));
      for (const v of variants) if (v.id !== gannan.id) await setStock(app.db, v.id, 0);
      await setStock(app.db, gannan.id, 2);
      const placed = await checkout(app, await guestCartWith(app, [{ variantId: gannan.id, quantity: 2 }]));
      expect(placed.ok).toBe(true);
      const [doc] = await app.db.select({ inStock: searchDocuments.inStock }).from(searchDocuments).where(eq(searchDocuments.productId, gannan.productId));
      expect(doc!.inStock).toBe(false);
      for (const v of variants) await setStock(app.db, v.id, v.stock);
    });

    it('tells a signed-in buyer in the app and by e-mail, with the payee details and the order number', async () => {
      const placed = await checkout(app, await userCartWith(app, customerId, [{ variantId: zigui.id, quantity: 1 }]), {
        bankDetails: { payee: '地标助农运营方', bankName: '农业银行', account: '6228 0000 1111' },
      });
      if (!placed.ok) throw new Error(placed.problem.code);
      const rows = await app.db.select().from(notifications).where(eq(notifications.userId, customerId));
      expect(rows.find((n) => n.link === `/orders/${placed.orderId}`)).toMatchObject({ kind: 'order.placed_bank_transfer' });
      const mails = await app.db.select().from(jobs).where(eq(jobs.kind, EMAIL_JOB));
      const mail = mails.map((j) => j.payload as { to: string; subject: string; text: string }).find((m) => m.text.includes(placed.number));
      expect(mail).toMatchObject({ to: CUSTOMER });
      expect(mail!.text).toContain('6228 0000 1111');
      expect(mail!.subject).toContain(placed.number);
    });

    it('e-mails a guest who gave an address the link with the access token', async () => {
      const placed = await checkout(app, await guestCartWith(app, [{ variantId: zigui.id, quantity: 1 }]), {
        contactEmail: 'buyer@example.com',
        siteUrl: 'https://dibiao.example',
      });
      if (!placed.ok) throw new Error(placed.problem.code);
      const mails = (await app.db.select().from(jobs).where(eq(jobs.kind, EMAIL_JOB))).map((j) => j.payload as { to: string; text: string });
      const mail = mails.find((m) => m.to === 'buyer@example.com' && m.text.includes(placed.number));
      expect(mail!.text).toContain(`https://dibiao.example/orders/${placed.orderId}?t=${placed.accessToken}`);
    });
  });

  describe('through the pages', () => {
    async function guestWithCart(variantId: number, quantity = 1) {
      const added = await callRoute(app, cartAction as RouteHandler, postForm('http://localhost/cart', { intent: 'add', variantId: String(variantId), quantity: String(quantity) }));
      return setCookieOf(added)!;
    }
    async function checkoutForm(cookie: string) {
      return dataOf<{ idempotencyKey: string; cart: { totalFen: number }; paymentMethods: string[] }>(
        await callRoute(app, checkoutLoader as RouteHandler, getPage('http://localhost/checkout', cookie)),
      ).body;
    }
    const fieldsFor = (form: { idempotencyKey: string; cart: { totalFen: number } }, extra: Record<string, string> = {}) => ({
      intent: 'place',
      idempotencyKey: form.idempotencyKey,
      expectedTotalFen: String(form.cart.totalFen),
      paymentMethod: 'bank_transfer',
      addressId: 'new',
      recipient: ADDRESS.recipient,
      mobile: '138 0013 8000',
      province: '420000',
      regionCode: ADDRESS.regionCode,
      detail: ADDRESS.detail,
      ...extra,
    });

    it('takes a guest from the cart to the order page, which shows the payee details and the order number', async () => {
      const cookie = await guestWithCart(zigui.id, 2);
      const form = await checkoutForm(cookie);
      expect(form.paymentMethods).toEqual(['bank_transfer', 'cash_on_delivery']);
      const location = redirectOf(await callRoute(app, checkoutAction as RouteHandler, postForm('http://localhost/checkout', fieldsFor(form), cookie)));
      const match = /^\/orders\/([0-9a-f-]{36})\?t=([\w-]+)&placed=1$/.exec(location);
      expect(match).not.toBeNull();
      const page = dataOf<{ order: { number: string; mobile: string; status: string }; bank: { payee: string; account: string } | null }>(
        await callRoute(app, orderLoader as RouteHandler, getPage(`http://localhost${location}`), { id: match![1]! }),
      ).body;
      expect(page.order).toMatchObject({ status: 'pending_payment', mobile: '13800138000' });
      expect(page.bank).toEqual({ payee: app.env.OPERATOR_BANK_PAYEE, bankName: app.env.OPERATOR_BANK_NAME, account: app.env.OPERATOR_BANK_ACCOUNT });
      // The checkout page of an emptied cart sends the buyer back to the cart.
      expect(redirectOf(await callRoute(app, checkoutLoader as RouteHandler, getPage('http://localhost/checkout', cookie)))).toBe('/cart');
    });

    it('shows field errors for a bad mobile number and a missing county, and places nothing', async () => {
      const cookie = await guestWithCart(zigui.id);
      const form = await checkoutForm(cookie);
      const count = await orderCount();
      const result = await callRoute(app, checkoutAction as RouteHandler, postForm('http://localhost/checkout', fieldsFor(form, { mobile: '12345', regionCode: '' }), cookie));
      const { status, body } = dataOf<{ result: { error: Record<string, string[]> } }>(result);
      expect(status).toBe(400);
      expect(body.result.error.mobile).toEqual(['orders:address.errors.mobileInvalid']);
      expect(body.result.error.regionCode).toEqual(['orders:address.errors.regionRequired']);
      expect(await orderCount()).toBe(count);
    });

    it('lists a province’s counties grouped by city when the province is chosen, keeping what was typed', async () => {
      const cookie = await guestWithCart(zigui.id);
      const result = await callRoute(app, checkoutAction as RouteHandler, postForm('http://localhost/checkout', { intent: 'province', province: '420000', recipient: '李四' }, cookie));
      const { body } = dataOf<{ province: string; regionGroups: { label: string; options: { code: string; name: string }[] }[]; result: { initialValue: Record<string, string> } }>(result);
      expect(body.province).toBe('420000');
      expect(body.regionGroups.find((g) => g.label === '宜昌市')!.options).toContainEqual({ code: '420527', name: '秭归县' });
      expect(body.regionGroups.find((g) => g.label === '湖北省')!.options.map((o) => o.name)).toContain('潜江市');
      expect(body.result.initialValue.recipient).toBe('李四');
    });

    it('uses a signed-in buyer’s saved address and saves a new one when asked', async () => {
      const userId = await userIdByEmail(app.db, 'coordinator-jiangxi@demo.dibiao.example');
      const session = await sessionCookieFor(app, userId);
      await userCartWith(app, userId, [{ variantId: zigui.id, quantity: 1 }]);
      let form = await checkoutForm(session);
      redirectOf(await callRoute(app, checkoutAction as RouteHandler, postForm('http://localhost/checkout', fieldsFor(form, { saveAddress: 'on' }), session)));
      const saved = await app.db.select().from(addresses).where(eq(addresses.userId, userId));
      expect(saved).toEqual([expect.objectContaining({ recipient: ADDRESS.recipient, mobile: '13800138000', regionCode: ADDRESS.regionCode, isDefault: true })]);

      await userCartWith(app, userId, [{ variantId: zigui.id, quantity: 1 }]);
      form = await checkoutForm(session);
      const location = redirectOf(
        await callRoute(app, checkoutAction as RouteHandler, postForm('http://localhost/checkout', { ...fieldsFor(form), addressId: saved[0]!.id, recipient: '', mobile: '', regionCode: '', detail: '' }, session)),
      );
      const orderId = /^\/orders\/([0-9a-f-]{36})\?placed=1$/.exec(location)![1]!;
      const { order } = await orderRows(orderId);
      expect(order).toMatchObject({ recipient: ADDRESS.recipient, regionCode: ADDRESS.regionCode, addressDetail: ADDRESS.detail, userId });
    });

    it('limits checkout attempts from one address', async () => {
      const cookie = await guestWithCart(zigui.id);
      const statuses: number[] = [];
      for (let i = 0; i < 31; i += 1) {
        const result = await callRoute(app, checkoutAction as RouteHandler, postForm('http://localhost/checkout', { intent: 'place' }, cookie, '203.0.113.77'));
        statuses.push(dataOf(result).status);
      }
      expect(statuses.slice(0, 30).every((s) => s === 400)).toBe(true);
      expect(statuses[30]).toBe(429);
    });
  });

  describe('paying online', () => {
    it('opens the provider’s checkout after the order is committed, keyed by the payment, and keeps the session id', async () => {
      const fake = fakePayments({ down: false });
      const online = { ...app, payments: fake.port } as AppContext;
      const added = await callRoute(online, cartAction as RouteHandler, postForm('http://localhost/cart', { intent: 'add', variantId: String(zigui.id), quantity: '1' }));
      const cookie = setCookieOf(added)!;
      const form = dataOf<{ idempotencyKey: string; cart: { totalFen: number }; paymentMethods: string[] }>(
        await callRoute(online, checkoutLoader as RouteHandler, getPage('http://localhost/checkout', cookie)),
      ).body;
      expect(form.paymentMethods).toContain('stripe');
      const fields = {
        intent: 'place',
        idempotencyKey: form.idempotencyKey,
        expectedTotalFen: String(form.cart.totalFen),
        paymentMethod: 'stripe',
        addressId: 'new',
        ...ADDRESS,
      };
      const location = redirectOf(await callRoute(online, checkoutAction as RouteHandler, postForm('http://localhost/checkout', fields, cookie)));
      expect(fake.calls).toHaveLength(1);
      const [call] = fake.calls;
      expect(location).toBe(`https://checkout.stripe.test/c/${call!.paymentId}`);
      expect(call!.idempotencyKey).toBe(call!.paymentId);
      expect(call!.expiresAt.getTime()).toBe(clock.getTime() + app.env.STRIPE_CHECKOUT_EXPIRY_MINUTES * 60_000);
      const { order, pays } = await orderRows(call!.orderId);
      expect(pays[0]).toMatchObject({ provider: 'stripe', method: 'stripe', providerSessionId: `cs_test_${call!.paymentId}` });
      // The order's deadline for the unpaid-orders sweep comes after the session's expiry, never before.
      expect(order.paymentDueAt!.getTime()).toBeGreaterThan(call!.expiresAt.getTime());
      expect(call!.lineItems.reduce((s, l) => s + l.unitAmountFen * l.quantity, 0) + call!.shippingFen).toBe(order.totalFen);
    });

    it('cancels the order, puts the stock and the cart back and charges nothing when the provider is down', async () => {
      const fake = fakePayments({ down: true });
      const online = { ...app, payments: fake.port } as AppContext;
      const added = await callRoute(online, cartAction as RouteHandler, postForm('http://localhost/cart', { intent: 'add', variantId: String(gannan.id), quantity: '2' }));
      const cookie = setCookieOf(added)!;
      const before = await stockOf(app.db, gannan.id);
      const form = dataOf<{ idempotencyKey: string; cart: { totalFen: number } }>(await callRoute(online, checkoutLoader as RouteHandler, getPage('http://localhost/checkout', cookie))).body;
      const result = await callRoute(
        online,
        checkoutAction as RouteHandler,
        postForm('http://localhost/checkout', { intent: 'place', idempotencyKey: form.idempotencyKey, expectedTotalFen: String(form.cart.totalFen), paymentMethod: 'stripe', addressId: 'new', ...ADDRESS }, cookie),
      );
      const { status, body } = dataOf<{ problem: { code: string } }>(result);
      expect(status).toBe(503);
      expect(body.problem.code).toBe('provider_unavailable');
      const { order, pays } = await orderRows(fake.calls[0]!.orderId);
      expect(order).toMatchObject({ status: 'cancelled', cancelReason: 'payment_provider_unavailable' });
      expect(pays[0]!.status).toBe('cancelled');
      expect(await stockOf(app.db, gannan.id)).toBe(before);
      const cart = dataOf<{ cart: { groups: { lines: { variantId: number; quantity: number }[] }[] } }>(
        await callRoute(online, cartLoader as RouteHandler, getPage('http://localhost/cart', cookie)),
      ).body.cart;
      expect(cart.groups.flatMap((g) => g.lines)).toEqual([expect.objectContaining({ variantId: gannan.id, quantity: 2 })]);
      // The same form again is expired, not a second order for the cancelled one.
      const again = await callRoute(
        online,
        checkoutAction as RouteHandler,
        postForm('http://localhost/checkout', { intent: 'place', idempotencyKey: form.idempotencyKey, expectedTotalFen: String(form.cart.totalFen), paymentMethod: 'stripe', addressId: 'new', ...ADDRESS }, cookie),
      );
      expect(dataOf<{ problem: { code: string } }>(again).body.problem.code).toBe('form_expired');
    });
  });

  /**
   * "Pay now" on the order page, against the local Stripe double with a clock that moves: the
   * order is placed at `placedAt` (session expiring 60 minutes later), the buyer comes back later.
   */
  describe('pay now on the order page (Stripe double)', () => {
    let double: StripeDouble;
    let stripe: StripePayments;
    let online: AppContext;
    let nowMs = clock.getTime();
    const placedAt = clock.getTime();
    const expiryMinutes = () => app.env.STRIPE_CHECKOUT_EXPIRY_MINUTES;

    beforeAll(async () => {
      double = await StripeDouble.start();
      stripe = createStripePayments({ secretKey: DOUBLE_SECRET_KEY, paymentMethods: ['card'], timeoutMs: 2000, maxNetworkRetries: 0, now: () => new Date(nowMs), ...double.clientOptions });
      online = { ...app, payments: stripe, now: () => new Date(nowMs) } as AppContext;
    });
    afterAll(() => double?.close());
    beforeEach(() => {
      double.reset(); // also resets the double's clock
      double.setNow(() => nowMs);
      nowMs = placedAt;
    });

    /** A guest's Stripe order with its session open on the double, as checkout leaves it. */
    async function placeStripeOrder() {
      const owner = await guestCartWith(online, [{ variantId: gannan.id, quantity: 1 }]);
      const placed = await checkout(online, owner, { paymentMethod: 'stripe' });
      if (!placed.ok) throw new Error(`checkout refused: ${placed.problem.code}`);
      const started = await startOnlinePayment(online.db, stripe, {
        orderId: placed.orderId,
        owner,
        successUrl: `http://localhost/orders/${placed.orderId}?paid=1`,
        cancelUrl: `http://localhost/orders/${placed.orderId}`,
        stripeCheckoutExpiryMinutes: expiryMinutes(),
        now: new Date(nowMs),
        cancelOnFailure: true,
      });
      expect(started).toMatchObject({ ok: true });
      const { pays } = await orderRows(placed.orderId);
      return { orderId: placed.orderId, token: placed.accessToken!, sessionId: pays[0]!.providerSessionId!, redirectUrl: started.ok ? started.redirectUrl : '' };
    }

    function payNow(orderId: string, token: string) {
      return callRoute(online, orderAction as RouteHandler, postForm(`http://localhost/orders/${orderId}?t=${encodeURIComponent(token)}`, {}), { id: orderId });
    }

    const sessionCreates = () => double.requests.filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions');
    const paymentsOf = async (orderId: string) => (await orderRows(orderId)).pays.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());

    it('sends the buyer back to the open session long after the order was placed, creating nothing and cancelling nothing', async () => {
      const { orderId, token, sessionId, redirectUrl } = await placeStripeOrder();
      const stockAfterOrder = await stockOf(app.db, gannan.id);
      // 45 minutes on, a session reusing the order's expiry would be under Stripe's 30 minutes.
      nowMs = placedAt + 45 * MINUTE;
      expect(redirectOf(await payNow(orderId, token))).toBe(redirectUrl);
      expect(double.getSession(sessionId).url).toBe(redirectUrl);
      expect(sessionCreates()).toHaveLength(1);
      const { order } = await orderRows(orderId);
      expect(order.status).toBe('pending_payment');
      expect((await paymentsOf(orderId)).map((p) => [p.status, p.providerSessionId])).toEqual([['pending', sessionId]]);
      expect(await stockOf(app.db, gannan.id)).toBe(stockAfterOrder);
    });

    it('leaves the order as it was when Stripe cannot be reached or refuses, and says so', async () => {
      const { orderId, token, sessionId } = await placeStripeOrder();
      const stockAfterOrder = await stockOf(app.db, gannan.id);
      nowMs = placedAt + 45 * MINUTE;
      double.failNext(1, 503);
      const down = dataOf<{ problem: string }>(await payNow(orderId, token));
      expect(down).toEqual({ status: 503, body: { problem: 'provider_unavailable' } });

      // A session Stripe does not know (a plain Stripe error, not "try again"): still nothing cancelled.
      await app.db.update(payments).set({ providerSessionId: 'cs_test_unknown_to_stripe' }).where(eq(payments.orderId, orderId));
      const refused = dataOf<{ problem: string }>(await payNow(orderId, token));
      expect(refused).toEqual({ status: 503, body: { problem: 'provider_error' } });
      await app.db.update(payments).set({ providerSessionId: sessionId }).where(eq(payments.orderId, orderId));

      const { order } = await orderRows(orderId);
      expect(order).toMatchObject({ status: 'pending_payment', cancelReason: null });
      expect((await paymentsOf(orderId)).map((p) => p.status)).toEqual(['pending']);
      expect(await stockOf(app.db, gannan.id)).toBe(stockAfterOrder);
      expect(double.getSession(sessionId).status).toBe('open');
      // Once Stripe answers again, the same session comes back.
      expect(redirectOf(await payNow(orderId, token))).toBe(double.getSession(sessionId).url);
    });

    it('opens a new session for the same amount when the session expired while the reservation lasts, and the old session’s expiry event cancels nothing', async () => {
      const { orderId, token, sessionId } = await placeStripeOrder();
      const [first] = await paymentsOf(orderId);
      nowMs = placedAt + 40 * MINUTE;
      const expired = double.expireSession(sessionId); // e.g. expired in the Dashboard
      const location = redirectOf(await payNow(orderId, token));

      const pays = await paymentsOf(orderId);
      expect(pays.map((p) => p.status)).toEqual(['expired', 'pending']);
      expect(pays[0]).toMatchObject({ id: first!.id, providerSessionId: sessionId });
      const second = pays[1]!;
      expect(second.amountFen).toBe(first!.amountFen);
      const created = double.getSession(second.providerSessionId!);
      expect(location).toBe(created.url);
      expect(created).toMatchObject({ status: 'open', amount_total: first!.amountFen, metadata: { order_id: orderId, payment_id: second.id } });
      // 20 minutes of the reservation were left: Stripe needs 30, so the new session runs 31 from now
      // (a whole minute, under its own key) and the order's deadline moves with it.
      const expiresAt = placedAt + 71 * MINUTE;
      expect(created.expires_at).toBe(expiresAt / 1000);
      expect(sessionCreates().at(-1)!.headers['idempotency-key']).toBe(`${second.id}:${expiresAt / 1000}`);
      const { order } = await orderRows(orderId);
      expect(order.paymentDueAt!.getTime()).toBe(expiresAt + 15 * MINUTE);

      // Stripe's event for the old session arrives: it is no longer the order's, nothing happens.
      await receiveStripeEvent(app.db, double.event('checkout.session.expired', expired) as unknown as StripeEventLike, { now: new Date(nowMs), logger: app.logger });
      expect((await orderRows(orderId)).order.status).toBe('pending_payment');
      expect((await paymentsOf(orderId)).map((p) => p.status)).toEqual(['expired', 'pending']);
      // And a second "pay now" returns to the new session.
      expect(redirectOf(await payNow(orderId, token))).toBe(created.url);
    });

    it('says the order is being paid when its session is complete, changing nothing and scheduling a Stripe sweep', async () => {
      const { orderId, token, sessionId } = await placeStripeOrder();
      nowMs = placedAt + 45 * MINUTE;
      double.completeSession(sessionId); // paid; the webhook has not arrived yet
      const location = redirectOf(await payNow(orderId, token));
      expect(location).toBe(`/orders/${orderId}?t=${encodeURIComponent(token)}&paid=1`);
      expect((await orderRows(orderId)).order.status).toBe('pending_payment');
      expect((await paymentsOf(orderId)).map((p) => p.status)).toEqual(['pending']);
      expect(sessionCreates()).toHaveLength(1);
      const sweeps = await app.db.select().from(jobs).where(and(eq(jobs.kind, STRIPE_SWEEP_JOB), eq(jobs.status, 'pending')));
      expect(sweeps.length).toBeGreaterThan(0);
    });

    it('tells the buyer the order expired once its reservation is over, expiring a session Stripe had not closed yet', async () => {
      const { orderId, token, sessionId } = await placeStripeOrder();
      const stockAfterOrder = await stockOf(app.db, gannan.id);
      nowMs = placedAt + (expiryMinutes() + 1) * MINUTE;
      const result = dataOf<{ problem: string }>(await payNow(orderId, token));
      expect(result).toEqual({ status: 409, body: { problem: 'order_expired' } });
      expect(double.getSession(sessionId).status).toBe('expired');
      expect(sessionCreates()).toHaveLength(1);
      const { order } = await orderRows(orderId);
      expect(order).toMatchObject({ status: 'cancelled', cancelReason: 'payment_expired' });
      expect((await paymentsOf(orderId)).map((p) => p.status)).toEqual(['expired']);
      expect(await stockOf(app.db, gannan.id)).toBe(stockAfterOrder + 1);
      // A cancelled order is simply not payable any more.
      expect(dataOf<{ problem: string }>(await payNow(orderId, token))).toEqual({ status: 409, body: { problem: 'not_payable' } });
    });
  });
});
