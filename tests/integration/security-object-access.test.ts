/**
 * Object ids that arrive in form fields rather than in the URL (which the access matrix covers):
 * a signed-in buyer who posts another person's address id to the address book or to checkout
 * must neither change that address nor ship to it, and learns nothing from the answer beyond
 * "not yours".
 */
import { eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { addresses, orders } from '~/db/schema';
import { createAddress } from '~/models/addresses.server';
import { seedDemoData } from '~/models/demo-seed.server';
import { createUser } from '~/models/user.server';
import { action as addressesAction } from '~/routes/account.addresses/route';
import { action as checkoutAction, loader as checkoutLoader } from '~/routes/checkout/route';
import type { AppContext } from '~/utils/context.server';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';
import {
  callRoute,
  dataOf,
  getPage,
  postForm,
  redirectOf,
  sessionCookieFor,
  userCartWith,
  variantOf,
  ZIGUI,
  type RouteHandler,
} from '../fixtures/checkout';

const NOW = new Date('2020-02-14T02:00:00Z');
const VICTIM_ADDRESS = { recipient: '受害人', mobile: '13900000001', regionCode: '420527', detail: '茅坪镇私人地址 1 号' };

describeEachDriver('object ids in form fields', (t) => {
  let app: AppContext;
  let victimAddressId: string;
  let attacker: { id: string; cookie: string };

  beforeAll(async () => {
    app = createTestApp(t.database, {}, () => NOW);
    await seedDemoData(app.db, NOW);
    const victim = await createUser(app.db, { displayName: '受害人', email: 'victim.idor@example.com', password: 'Victim-Passphrase-2020', privacyConsentAt: NOW, now: NOW });
    const created = await createAddress(app.db, victim.id, VICTIM_ADDRESS, { makeDefault: false, now: NOW });
    if (!created.ok) throw new Error(`could not create the victim's address: ${created.problem}`);
    victimAddressId = created.id;
    const user = await createUser(app.db, { displayName: '攻击者', email: 'attacker.idor@example.com', password: 'Attacker-Passphrase-2020', privacyConsentAt: NOW, now: NOW });
    attacker = { id: user.id, cookie: await sessionCookieFor(app, user.id) };
  });

  const victimRow = async () => (await app.db.select().from(addresses).where(eq(addresses.id, victimAddressId)))[0];

  it('leaves another person’s address unchanged when its id is posted to update, make default or delete', async () => {
    const before = await victimRow();
    expect(before).toMatchObject({ ...VICTIM_ADDRESS, isDefault: true });
    const post = (fields: Record<string, string>) => callRoute(app, addressesAction as RouteHandler, postForm('http://localhost/account/addresses', fields, attacker.cookie));

    const update = dataOf<{ result: { error: Record<string, string[]> } }>(
      await post({ intent: 'update', addressId: victimAddressId, recipient: '攻击者', mobile: '13800000000', province: '420000', regionCode: '420527', detail: '改到我家' }),
    );
    expect(update.status).toBe(400);
    expect(update.body.result.error['']).toEqual(['orders:address.errors.not_found']);
    expect(redirectOf(await post({ intent: 'default', addressId: victimAddressId }))).toBe('/account/addresses');
    expect(redirectOf(await post({ intent: 'delete', addressId: victimAddressId }))).toBe('/account/addresses');

    expect(await victimRow()).toEqual(before);
    expect(await app.db.select().from(addresses).where(eq(addresses.userId, attacker.id))).toEqual([]);
  });

  it('refuses to check out to another person’s saved address and places no order', async () => {
    const variant = await variantOf(app.db, ZIGUI);
    await userCartWith(app, attacker.id, [{ variantId: variant.id, quantity: 1 }]);
    const form = dataOf<{ idempotencyKey: string; cart: { totalFen: number } }>(
      await callRoute(app, checkoutLoader as RouteHandler, getPage('http://localhost/checkout', attacker.cookie)),
    ).body;
    const result = dataOf<{ result: { error: Record<string, string[]> } }>(
      await callRoute(
        app,
        checkoutAction as RouteHandler,
        postForm(
          'http://localhost/checkout',
          { intent: 'place', idempotencyKey: form.idempotencyKey, expectedTotalFen: String(form.cart.totalFen), paymentMethod: 'bank_transfer', addressId: victimAddressId },
          attacker.cookie,
        ),
      ),
    );
    expect(result.status).toBe(400);
    expect(result.body.result.error.addressId).toEqual(['orders:checkout.errors.addressGone']);
    expect(JSON.stringify(result.body)).not.toContain(VICTIM_ADDRESS.detail);
    expect(await app.db.select().from(orders).where(eq(orders.userId, attacker.id))).toEqual([]);
  });
});
