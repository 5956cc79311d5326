import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { carts, productVariants } from '~/db/schema';
import { addToCart, ensureCart, getCartSummary, getCartView, mergeGuestCartIntoUser, type CartView } from '~/models/cart.server';
import { seedDemoData } from '~/models/demo-seed.server';
import { action as cartAction, loader as cartLoader } from '~/routes/cart/route';
import type { AppContext } from '~/utils/context.server';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';
import {
  callRoute,
  dataOf,
  GANNAN,
  getPage,
  postForm,
  redirectOf,
  sessionCookieFor,
  setCookieOf,
  setProductStatus,
  setStock,
  userIdByEmail,
  variantOf,
  ZIGUI,
  type RouteHandler,
  type VariantFacts,
} from '../fixtures/checkout';

const CUSTOMER = 'customer@demo.dibiao.example';

describeEachDriver('cart', (t) => {
  const clock = new Date('2020-02-14T02:00:00Z');
  let app: AppContext;
  let zigui: VariantFacts;
  let gannan: VariantFacts;

  beforeAll(async () => {
    app = createTestApp(t.database, {}, () => clock);
    await seedDemoData(app.db, clock);
    zigui = await variantOf(app.db, ZIGUI);
    gannan = await variantOf(app.db, GANNAN);
  });

  const post = (fields: Record<string, string>, cookie?: string) => callRoute(app, cartAction as RouteHandler, postForm('http://localhost/cart', fields, cookie));
  const view = async (cookie?: string) => dataOf<{ cart: CartView }>(await callRoute(app, cartLoader as RouteHandler, getPage('http://localhost/cart', cookie))).body.cart;
  const line = (cart: CartView, variantId: number) => cart.groups.flatMap((g) => g.lines).find((l) => l.variantId === variantId);

  /** Adds through the route as a guest; returns the cart cookie. */
  async function guestAdds(variantId: number, quantity: number, cookie?: string) {
    const result = await post({ intent: 'add', variantId: String(variantId), quantity: String(quantity) }, cookie);
    return { result, cookie: setCookieOf(result) ?? cookie };
  }

  describe('adding, changing and removing', () => {
    it('adds a listed variant for a guest in a signed cookie, and shows it with the catalog price', async () => {
      const { result, cookie } = await guestAdds(zigui.id, 2);
      expect(redirectOf(result)).toBe(`/cart?added=${zigui.id}`);
      expect(cookie).toMatch(/^cart=/);
      const cart = await view(cookie!);
      expect(line(cart, zigui.id)).toMatchObject({ quantity: 2, unitPriceFen: zigui.priceFen, lineTotalFen: 2 * zigui.priceFen, problem: null });
      expect(cart.goodsFen).toBe(2 * zigui.priceFen);
    });

    it('ignores a price posted by the browser: prices always come from the catalog', async () => {
      const result = await post({ intent: 'add', variantId: String(zigui.id), quantity: '1', priceFen: '1', unitPriceFen: '1', totalFen: '1' });
      const cart = await view(setCookieOf(result)!);
      expect(line(cart, zigui.id)!.unitPriceFen).toBe(zigui.priceFen);
      expect(cart.totalFen).toBe(zigui.priceFen);
    });

    it('clamps a quantity over the stock to the stock and says so', async () => {
      const variant = await variantOf(app.db, ZIGUI, '10kg 家庭装');
      await setStock(app.db, variant.id, 3);
      const { result, cookie } = await guestAdds(variant.id, 5);
      expect(redirectOf(result)).toBe(`/cart?clamped=${variant.id}`);
      expect(line(await view(cookie!), variant.id)!.quantity).toBe(3);
      // Adding more to a full line keeps it at the stock.
      const again = await guestAdds(variant.id, 1, cookie!);
      expect(redirectOf(again.result)).toBe(`/cart?clamped=${variant.id}`);
      expect(line(await view(cookie!), variant.id)!.quantity).toBe(3);
      await setStock(app.db, variant.id, variant.stock);
    });

    it('refuses a sold-out variant and adds nothing', async () => {
      const variant = await variantOf(app.db, GANNAN, '10kg 箱装');
      await setStock(app.db, variant.id, 0);
      const { result, cookie } = await guestAdds(variant.id, 1);
      const { status, body } = dataOf<{ problem: { code: string } }>(result);
      expect(status).toBe(409);
      expect(body.problem.code).toBe('sold_out');
      expect(line(await view(cookie!), variant.id)).toBeUndefined();
      await setStock(app.db, variant.id, variant.stock);
    });

    it('refuses a product that is not listed (draft) and a variant that is not active', async () => {
      await setProductStatus(app.db, gannan.productId, 'draft');
      const draft = await guestAdds(gannan.id, 1);
      expect(dataOf<{ problem: { code: string } }>(draft.result).body.problem.code).toBe('unavailable');
      await setProductStatus(app.db, gannan.productId, 'published');

      await app.db.update(productVariants).set({ active: false }).where(eq(productVariants.id, gannan.id));
      const inactive = await guestAdds(gannan.id, 1);
      expect(dataOf<{ problem: { code: string } }>(inactive.result).body.problem.code).toBe('unavailable');
      await app.db.update(productVariants).set({ active: true }).where(eq(productVariants.id, gannan.id));
    });

    it('refuses quantities outside 1–999 and unknown variants', async () => {
      expect(dataOf(await post({ intent: 'add', variantId: String(zigui.id), quantity: '0' })).status).toBe(400);
      expect(dataOf(await post({ intent: 'add', variantId: String(zigui.id), quantity: '1000' })).status).toBe(400);
      expect(dataOf<{ problem: { code: string } }>(await post({ intent: 'add', variantId: '99999999', quantity: '1' })).body.problem.code).toBe('unavailable');
    });

    it('updates a quantity within the stock, clamps one over it, and removes at 0', async () => {
      const { cookie } = await guestAdds(zigui.id, 1);
      expect(redirectOf(await post({ intent: 'update', variantId: String(zigui.id), quantity: '4' }, cookie!))).toBe('/cart');
      expect(line(await view(cookie!), zigui.id)!.quantity).toBe(4);
      expect(redirectOf(await post({ intent: 'update', variantId: String(zigui.id), quantity: String(zigui.stock + 10) }, cookie!))).toBe(`/cart?clamped=${zigui.id}`);
      expect(line(await view(cookie!), zigui.id)!.quantity).toBe(zigui.stock);
      await post({ intent: 'update', variantId: String(zigui.id), quantity: '0' }, cookie!);
      expect(line(await view(cookie!), zigui.id)).toBeUndefined();
    });

    it('removes a line', async () => {
      const { cookie } = await guestAdds(zigui.id, 1);
      await guestAdds(gannan.id, 1, cookie!);
      expect(redirectOf(await post({ intent: 'remove', variantId: String(zigui.id) }, cookie!))).toBe('/cart');
      const cart = await view(cookie!);
      expect(cart.lineCount).toBe(1);
      expect(line(cart, gannan.id)).toBeDefined();
    });

    it('keeps both of two simultaneous adds to one cart', async () => {
      const { cookie } = await guestAdds(zigui.id, 1);
      await Promise.all([guestAdds(zigui.id, 1, cookie!), guestAdds(zigui.id, 1, cookie!)]);
      expect(line(await view(cookie!), zigui.id)!.quantity).toBe(3);
    });
  });

  describe('several cooperatives and shipping', () => {
    it('groups lines by cooperative with each one’s shipping: a flat fee below its threshold, free from it', async () => {
      expect(gannan.shippingFlatFeeFen).toBeGreaterThan(0);
      expect(gannan.freeShippingThresholdFen).toBeGreaterThan(gannan.priceFen);
      const { cookie } = await guestAdds(zigui.id, 1);
      await guestAdds(gannan.id, 1, cookie!);
      let cart = await view(cookie!);
      expect(cart.groups.map((g) => g.cooperative.id).sort()).toEqual([zigui.cooperativeId, gannan.cooperativeId].sort());
      const gannanGroup = () => cart.groups.find((g) => g.cooperative.id === gannan.cooperativeId)!;
      expect(gannanGroup()).toMatchObject({ goodsFen: gannan.priceFen, shippingFen: gannan.shippingFlatFeeFen });
      expect(cart.groups.find((g) => g.cooperative.id === zigui.cooperativeId)!.shippingFen).toBe(0);
      expect(cart).toMatchObject({ goodsFen: zigui.priceFen + gannan.priceFen, shippingFen: gannan.shippingFlatFeeFen });
      expect(cart.totalFen).toBe(cart.goodsFen + cart.shippingFen);

      const units = Math.ceil(gannan.freeShippingThresholdFen! / gannan.priceFen);
      await post({ intent: 'update', variantId: String(gannan.id), quantity: String(units) }, cookie!);
      cart = await view(cookie!);
      expect(gannanGroup()).toMatchObject({ goodsFen: units * gannan.priceFen, shippingFen: 0 });
    });

    it('flags lines that sold out or were unlisted after adding and leaves them out of the totals', async () => {
      const { cookie } = await guestAdds(zigui.id, 2);
      await guestAdds(gannan.id, 1, cookie!);
      await setStock(app.db, zigui.id, 1);
      await setProductStatus(app.db, gannan.productId, 'archived');
      const cart = await view(cookie!);
      expect(line(cart, zigui.id)!.problem).toBe('insufficient_stock');
      expect(line(cart, gannan.id)!.problem).toBe('unavailable');
      expect(cart.problems).toHaveLength(2);
      expect(cart.goodsFen).toBe(2 * zigui.priceFen);
      await setStock(app.db, zigui.id, zigui.stock);
      await setProductStatus(app.db, gannan.productId, 'published');
    });
  });

  describe('whose cart', () => {
    it('never opens a cart from a cookie that was not signed by the app', async () => {
      const { cookie } = await guestAdds(zigui.id, 1);
      const cartId = (await app.db.select({ id: carts.id }).from(carts).orderBy(carts.createdAt)).at(-1)!.id;
      const forged = `cart=${Buffer.from(JSON.stringify(cartId)).toString('base64')}`;
      expect(cookie).not.toBe(forged);
      expect((await view(forged)).lineCount).toBe(0);
    });

    it('merges a guest cart into the user’s cart at login: quantities add up within the stock, the guest cart goes', async () => {
      const userId = await userIdByEmail(app.db, CUSTOMER);
      const { cartId: userCart } = await ensureCart(app.db, { userId, guestCartId: null }, clock);
      await addToCart(app.db, { cartId: userCart, variantId: zigui.id, quantity: 1, now: clock });
      const { cartId: guestCart } = await ensureCart(app.db, { userId: null, guestCartId: null }, clock);
      await addToCart(app.db, { cartId: guestCart, variantId: zigui.id, quantity: 2, now: clock });
      await addToCart(app.db, { cartId: guestCart, variantId: gannan.id, quantity: 1, now: clock });

      expect(await mergeGuestCartIntoUser(app.db, guestCart, userId)).toEqual({ merged: 2 });
      const merged = await getCartView(app.db, userCart);
      expect(line(merged, zigui.id)!.quantity).toBe(3);
      expect(line(merged, gannan.id)!.quantity).toBe(1);
      expect(await app.db.select().from(carts).where(eq(carts.id, guestCart))).toEqual([]);
      // A second login with the same stale cookie changes nothing.
      expect(await mergeGuestCartIntoUser(app.db, guestCart, userId)).toEqual({ merged: 0 });
      expect(line(await getCartView(app.db, userCart), zigui.id)!.quantity).toBe(3);
      await app.db.delete(carts).where(eq(carts.id, userCart));
    });

    it('merges a lingering guest cart when a signed-in user opens /cart, and forgets the guest cookie', async () => {
      const userId = await userIdByEmail(app.db, CUSTOMER);
      const session = await sessionCookieFor(app, userId);
      const { cookie: guest } = await guestAdds(gannan.id, 2);
      const result = await callRoute(app, cartLoader as RouteHandler, getPage('http://localhost/cart', `${session}; ${guest}`));
      expect(setCookieOf(result)).toBe('cart=');
      const cart = dataOf<{ cart: CartView }>(result).body.cart;
      expect(line(cart, gannan.id)!.quantity).toBe(2);
      expect(await getCartSummary(app, getPage('http://localhost/', session), { id: userId })).toEqual({ count: 2 });
      await app.db.delete(carts).where(eq(carts.userId, userId));
    });

    it('counts the units in the visitor’s cart for the header', async () => {
      const { cookie } = await guestAdds(zigui.id, 2);
      await guestAdds(gannan.id, 3, cookie!);
      expect(await getCartSummary(app, getPage('http://localhost/', cookie!), null)).toEqual({ count: 5 });
      expect(await getCartSummary(app, getPage('http://localhost/'), null)).toEqual({ count: 0 });
    });
  });
});
