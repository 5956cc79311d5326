/**
 * Property-based tests of the buyer's forms, through the real actions: cart add/update/remove,
 * checkout (address and payment method) and the address book. Generated inputs per driver:
 * PGlite 2,300 (cart 900, checkout 700, address book 700); PostgreSQL 690 (30%).
 * Seed 0x5eed_5409 (override with PROPERTY_SEED).
 *
 * The caller is mostly the demo customer, sometimes a guest (signed cart cookie), nobody or a
 * forged cookie; ids are mostly the customer's own, sometimes another buyer's (the victim) or
 * junk. Values written ⟦like this⟧ in a counterexample are resolved when the request is sent
 * (the customer's current address ids, the cart's current total). For every input: no 500; a
 * refused input changes no row count; the victim's addresses, cart and orders never change.
 */
import fc from 'fast-check';
import { eq, inArray, sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { addresses, productVariants } from '~/db/schema';
import { createAddress } from '~/models/addresses.server';
import { addToCart, ensureCart, getCartView } from '~/models/cart.server';
import { seedDemoData } from '~/models/demo-seed.server';
import { createUser } from '~/models/user.server';
import { action as addressesAction } from '~/routes/account.addresses/route';
import { action as cartAction } from '~/routes/cart/route';
import { action as checkoutAction } from '~/routes/checkout/route';
import { serializeGuestCartCookie } from '~/utils/cart-cookie.server';
import type { AppContext } from '~/utils/context.server';
import { ADDRESS, GANNAN, sessionCookieFor, userIdByEmail, variantOf, ZIGUI } from '../fixtures/checkout';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';
import { Checker, expectSomeAccepted, forwardedFor, formRequest, hostileForm, isRejected, mobileNumber, mostly, plainEmail, runsFor, seedOf, type FormEntries, type Outcome } from './helpers';

const SEED = seedOf(0x5eed_5409);
const TIMEOUT = 240_000;
const MINUTE = 60_000;

/** Placeholders resolved when the request is sent. */
const OWN_ADDRESS = '⟦own address⟧';
const VICTIM_ADDRESS = '⟦victim address⟧';
const VICTIM_ADDRESS_UPPER = '⟦VICTIM ADDRESS⟧';
const CART_TOTAL = '⟦cart total⟧';

const counties = fc.constantFrom('420527', '429005', '360733', '110101', '441900');
const notDeliverable = fc.constantFrom('420000', '420500', '999999', '000000', '42052');
const detail = fc.oneof(fc.string({ unit: 'grapheme', minLength: 4, maxLength: 40 }), fc.constantFrom('茅坪镇滨湖大道 1 号', '熊口镇 8 组'));
const recipient = fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), fc.constantFrom('张三', 'Li Si'));

describeEachDriver('buyer forms under generated input', (t) => {
  let clock = new Date('2020-02-14T02:00:00Z');
  let app: AppContext;
  let customerId: string;
  let victimId: string;
  const cookies = {} as Record<'customer', string>;
  let variantIds: number[];
  let saleVariants: number[];
  let guestCartId: string;
  let guestCookie: string;
  let victimAddresses: string[];

  beforeAll(async () => {
    app = createTestApp(t.database, {}, () => clock);
    await seedDemoData(app.db, clock);
    customerId = await userIdByEmail(app.db, 'customer@demo.dibiao.example');
    const victim = await createUser(app.db, { displayName: '受害者', email: 'victim@example.com', password: 'Victim-password-2020!', privacyConsentAt: clock, now: clock });
    victimId = victim.id;
    cookies.customer = await sessionCookieFor(app, customerId);
    variantIds = (await app.db.select({ id: productVariants.id }).from(productVariants)).map((r) => r.id);
    const zigui = await variantOf(app.db, ZIGUI);
    const gannan = await variantOf(app.db, GANNAN);
    saleVariants = [zigui.id, gannan.id];
    // Plenty of stock, so successful checkouts never run the shop dry.
    await app.db.update(productVariants).set({ stock: 900_000 }).where(inArray(productVariants.id, saleVariants));
    for (const fields of [ADDRESS, { ...ADDRESS, recipient: '李四', regionCode: '429005' }]) {
      const saved = await createAddress(app.db, victimId, fields, { now: clock });
      if (!saved.ok) throw new Error(saved.problem);
    }
    await createAddress(app.db, customerId, ADDRESS, { now: clock });
    victimAddresses = (await app.db.select({ id: addresses.id }).from(addresses).where(eq(addresses.userId, victimId))).map((r) => r.id);
    const victimCart = await ensureCart(app.db, { userId: victimId, guestCartId: null }, clock);
    await addToCart(app.db, { cartId: victimCart.cartId, variantId: zigui.id, quantity: 2, now: clock });
    guestCartId = (await ensureCart(app.db, { userId: null, guestCartId: null }, clock)).cartId;
    guestCookie = (await serializeGuestCartCookie(new Request('http://localhost/'), app.sessionSecret, guestCartId)).split(';')[0]!;
  });

  /** The victim's addresses, cart lines and orders: never to change, whatever the customer sends. */
  const victims = () =>
    sql`SELECT 'address' AS kind, a.id::text AS id, row_to_json(a)::text AS row FROM addresses a WHERE a.user_id = ${victimId}
        UNION ALL SELECT 'cart', i.variant_id::text, row_to_json(i)::text FROM cart_items i JOIN carts c ON c.id = i.cart_id WHERE c.user_id = ${victimId}
        UNION ALL SELECT 'order', o.id::text, row_to_json(o)::text FROM orders o WHERE o.user_id = ${victimId}
        ORDER BY 1, 2`;
  const checker = () =>
    new Checker(
      {
        get app() {
          return app;
        },
      },
      victims,
    );

  async function ownAddresses(): Promise<string[]> {
    return (await app.db.select({ id: addresses.id }).from(addresses).where(eq(addresses.userId, customerId))).map((r) => r.id);
  }

  /** Replaces the placeholders with the current ids and total. */
  async function resolve(entries: FormEntries, pick: number, cartTotal: () => Promise<number>): Promise<FormEntries> {
    const own = entries.some(([, v]) => v.includes(OWN_ADDRESS)) ? await ownAddresses() : [];
    const total = entries.some(([, v]) => v.includes(CART_TOTAL)) ? String(await cartTotal()) : '';
    return entries.map(([name, value]) => [
      name,
      value
        .replaceAll(OWN_ADDRESS, own.length > 0 ? own[pick % own.length]! : '00000000-0000-4000-8000-000000000000')
        .replaceAll(VICTIM_ADDRESS, victimAddresses[pick % victimAddresses.length]!)
        .replaceAll(VICTIM_ADDRESS_UPPER, victimAddresses[pick % victimAddresses.length]!.toUpperCase())
        .replaceAll(CART_TOTAL, total),
    ]);
  }

  const valuesOf = (entries: FormEntries, name: string) => entries.filter(([n]) => n === name).map(([, v]) => v);
  /** Whether the form's only addressId is the victim's (in any letter case). */
  const namesOnlyVictimAddress = (entries: FormEntries) => {
    const posted = valuesOf(entries, 'addressId');
    return posted.length === 1 && victimAddresses.includes(posted[0]!.toLowerCase());
  };

  const caller = () =>
    fc.oneof(
      { weight: 10, arbitrary: fc.constant('customer') },
      { weight: 3, arbitrary: fc.constant('guest') },
      { weight: 1, arbitrary: fc.constant('nobody') },
      { weight: 1, arbitrary: fc.constant('forged') },
    );
  const cookieOf = (who: string) =>
    who === 'customer' ? cookies.customer : who === 'guest' ? guestCookie : who === 'forged' ? `${cookies.customer.slice(0, -2)}xx; ${guestCookie.slice(0, -2)}xx` : undefined;

  it(
    'cart add/update/remove: never a 500; a refused change leaves every table as it was',
    async () => {
      const c = checker();
      const form = hostileForm({
        intent: fc.constantFrom('add', 'update', 'remove'),
        variantId: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...saleVariants).map(String) }, { weight: 3, arbitrary: fc.constantFrom(...variantIds).map(String) }),
        quantity: fc.oneof(fc.integer({ min: 0, max: 5 }).map(String), fc.constantFrom('999', '1000', '-1', '1.5', '1e2')),
      });
      await fc.assert(
        fc.asyncProperty(form, caller(), forwardedFor, async (entries, who, ip) => {
          await c.check(cartAction, formRequest('/cart', entries, { cookie: cookieOf(who), ip }));
        }),
        { seed: SEED, numRuns: runsFor(t.driver, 900) },
      );
      expectSomeAccepted(c, 'cart');
    },
    TIMEOUT,
  );

  it(
    'checkout: never a 500; a refused checkout places no order, takes no stock and saves no address',
    async () => {
      const c = checker();
      const form = hostileForm({
        intent: fc.oneof({ weight: 8, arbitrary: fc.constant('place') }, { weight: 1, arbitrary: fc.constant('province') }),
        idempotencyKey: fc.oneof(fc.uuid().map(String), fc.constant('6f1c1f0e-7d3a-4b8e-9c1a-000000000001')),
        expectedTotalFen: mostly(fc.constant(CART_TOTAL), fc.constantFrom('0', '1', '99999999999')),
        paymentMethod: mostly(fc.constantFrom('bank_transfer', 'cash_on_delivery'), fc.constantFrom('stripe', 'wechat')),
        addressId: fc.oneof(
          { weight: 4, arbitrary: fc.constant('new') },
          { weight: 3, arbitrary: fc.constant(OWN_ADDRESS) },
          { weight: 1, arbitrary: fc.constant(VICTIM_ADDRESS) },
          { weight: 1, arbitrary: fc.constant(VICTIM_ADDRESS_UPPER) },
        ),
        recipient,
        mobile: mostly(fc.oneof(mobileNumber, fc.constant('+86 138 0013 8000')), fc.constant('12345678901')),
        province: fc.constantFrom('420000', '360000', '999999', '42'),
        regionCode: mostly(counties, notDeliverable),
        detail,
        email: mostly(plainEmail, fc.constant('victim@example.com')),
        saveAddress: fc.constantFrom('on', 'off'),
      });
      await fc.assert(
        fc.asyncProperty(form, fc.nat(), fc.oneof({ weight: 4, arbitrary: fc.constant('customer') }, { weight: 1, arbitrary: fc.constantFrom('guest', 'nobody') }), forwardedFor, async (generated, pick, who, ip) => {
          // The clock moves on a minute a request, so the per-buyer limit (10 in 10 minutes) lets most through.
          clock = new Date(clock.getTime() + MINUTE);
          const owner = who === 'customer' ? { userId: customerId, guestCartId: null } : { userId: null, guestCartId };
          const cart = await ensureCart(app.db, owner, clock);
          const view = await getCartView(app.db, cart.cartId);
          if (view.lineCount === 0) {
            // A placed order empties the cart: refill it so the next input can reach the order code.
            await addToCart(app.db, { cartId: cart.cartId, variantId: saleVariants[pick % saleVariants.length]!, quantity: 1 + (pick % 3), now: clock });
          }
          c.changed();
          const entries = await resolve(generated, pick, async () => (await getCartView(app.db, cart.cartId)).totalFen);
          const outcome = await c.check(checkoutAction, formRequest('/checkout', entries, { cookie: cookieOf(who), ip }));
          // Checking out with another buyer's saved address is refused.
          if (who === 'customer' && namesOnlyVictimAddress(entries) && valuesOf(entries, 'intent').join() === 'place') expect(isRejected(outcome), `status ${outcome.status}`).toBe(true);
        }),
        { seed: SEED + 1, numRuns: runsFor(t.driver, 700) },
      );
      expectSomeAccepted(c, 'checkout');
    },
    TIMEOUT,
  );

  it(
    'address book: never a 500; a refused change leaves every table as it was; another buyer’s addresses never change',
    async () => {
      const c = checker();
      const form = hostileForm({
        intent: fc.oneof({ weight: 3, arbitrary: fc.constantFrom('create', 'update') }, { weight: 2, arbitrary: fc.constantFrom('delete', 'default') }, { weight: 1, arbitrary: fc.constant('province') }),
        addressId: fc.oneof({ weight: 3, arbitrary: fc.constant(OWN_ADDRESS) }, { weight: 3, arbitrary: fc.constant(VICTIM_ADDRESS) }, { weight: 1, arbitrary: fc.uuid().map(String) }),
        recipient,
        mobile: mobileNumber,
        province: fc.constantFrom('420000', '360000', '999999'),
        regionCode: mostly(counties, notDeliverable),
        detail,
        makeDefault: fc.constantFrom('on', 'off'),
      });
      // A delete or default that did nothing answers with a plain redirect to the book.
      const rejected = (o: Outcome) => isRejected(o) || o.location === '/account/addresses';
      await fc.assert(
        fc.asyncProperty(
          form,
          fc.nat(),
          fc.oneof({ weight: 10, arbitrary: fc.constant(cookies.customer) }, { weight: 1, arbitrary: fc.constantFrom(undefined, guestCookie, 'session=forged') }),
          async (generated, pick, cookie) => {
            const entries = await resolve(generated, pick, async () => 0);
            const outcome = await c.check(addressesAction, formRequest('/account/addresses', entries, { cookie }), {}, { rejected });
            // Editing, deleting or choosing as default another buyer's address is refused.
            const intents = valuesOf(entries, 'intent');
            if (namesOnlyVictimAddress(entries) && intents.length > 0 && intents.every((i) => ['update', 'delete', 'default'].includes(i))) expect(rejected(outcome), `status ${outcome.status}, ${outcome.location}`).toBe(true);
          },
        ),
        { seed: SEED + 2, numRuns: runsFor(t.driver, 700) },
      );
      expectSomeAccepted(c, 'address book');
    },
    TIMEOUT,
  );
});
