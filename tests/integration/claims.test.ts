import { and, eq } from 'drizzle-orm';
import sharp from 'sharp';
import { beforeAll, expect, it } from 'vitest';
import { loader as photoLoader } from '~/routes/claims.$id.photos.$n/route';
import { action as coopClaimsAction } from '~/routes/coop.$coop.claims/route';
import { loader as coordinatorClaimsLoader } from '~/routes/coordinator.claims/route';
import { loader as newClaimLoader } from '~/routes/orders.$id.claims.new/route';
import { claims, cooperativeMembers, cooperatives, cooperativeOrders, notifications, orders, userRoles } from '~/db/schema';
import { acceptClaim, decideDisputedClaim, disputeClaim, fileClaim } from '~/models/claims.server';
import { seedDemoData } from '~/models/demo-seed.server';
import { deliverCooperativeOrder, shipCooperativeOrder } from '~/models/fulfilment.server';
import { confirmBankTransfer } from '~/models/orders.server';
import { cooperativeOrderBalance } from '~/models/settlement.server';
import type { AppContext } from '~/utils/context.server';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';
import { callRoute, getPage, postForm, sessionCookieFor, type RouteHandler, checkout, GANNAN, userCartWith, userIdByEmail, variantOf, ZIGUI, type VariantFacts } from '../fixtures/checkout';

const DEMO = 'demo.dibiao.example';
const HOUR = 3_600_000;
const BASE = 'http://localhost';

describeEachDriver('claims', (t) => {
  let clock = new Date('2020-02-14T02:00:00Z');
  let app: AppContext;
  let zigui: VariantFacts;
  let gannan: VariantFacts;
  let customerId: string;
  let otherCustomerId: string;
  let ziguiMember: string;
  let coordinatorId: string;
  let photo: File;

  beforeAll(async () => {
    app = createTestApp(t.database, {}, () => clock);
    await seedDemoData(app.db, clock);
    zigui = await variantOf(app.db, ZIGUI);
    gannan = await variantOf(app.db, GANNAN);
    customerId = await userIdByEmail(app.db, `customer@${DEMO}`);
    const [m] = await app.db.select().from(cooperativeMembers).where(eq(cooperativeMembers.cooperativeId, zigui.cooperativeId));
    ziguiMember = m!.userId;
    otherCustomerId = ziguiMember;
    const [c] = await app.db.select().from(userRoles).where(eq(userRoles.role, 'coordinator'));
    coordinatorId = c!.userId;
    const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#c33' } }).png().toBuffer();
    photo = new File([new Uint8Array(png)], 'bad.png', { type: 'image/png' });
  });

  /** A paid order of the customer whose Zigui part was delivered at `clock`. */
  async function delivered() {
    const cart = await userCartWith(app, customerId, [
      { variantId: zigui.id, quantity: 1 },
      { variantId: gannan.id, quantity: 1 },
    ]);
    const result = await checkout(app, cart, { now: clock });
    if (!result.ok) throw new Error('checkout refused');
    const [order] = await app.db.select().from(orders).where(eq(orders.id, result.orderId));
    await confirmBankTransfer(app.db, { orderId: order!.id, amountFen: order!.totalFen, actorUserId: coordinatorId, now: clock });
    const coops = await app.db.select().from(cooperativeOrders).where(eq(cooperativeOrders.orderId, order!.id));
    const z = coops.find((c) => c.cooperativeId === zigui.cooperativeId)!;
    const g = coops.find((c) => c.cooperativeId === gannan.cooperativeId)!;
    const acting = { cooperativeId: zigui.cooperativeId, cooperativeOrderId: z.id, actorUserId: ziguiMember, now: clock };
    await shipCooperativeOrder(app.db, { ...acting, carrier: 'SF', trackingNumber: 'SF1234567890123' });
    await deliverCooperativeOrder(app.db, acting);
    return { order: order!, z, g };
  }

  const file = (orderId: string, cooperativeOrderId: string, extra: Partial<Parameters<typeof fileClaim>[2]> = {}) =>
    fileClaim(app.db, app.env.UPLOAD_DIR, { orderId, cooperativeOrderId, userId: customerId, reason: 'spoiled', description: '烂了两个', amountFen: 500, photos: [photo], now: clock, baseUrl: BASE, ...extra });

  it('accepts a claim within 48 hours of delivery only', async () => {
    const { order, z } = await delivered();
    const deliveredAt = clock;
    clock = new Date(deliveredAt.getTime() + 48 * HOUR + 1000);
    expect(await file(order.id, z.id)).toEqual({ ok: false, problem: 'window_closed' });
    clock = new Date(deliveredAt.getTime() + 47 * HOUR);
    expect(await file(order.id, z.id)).toMatchObject({ ok: true });
    clock = deliveredAt;
  });

  it('never accepts a claim without photos, or with a file that is not an image', async () => {
    const { order, z } = await delivered();
    expect(await file(order.id, z.id, { photos: [] })).toEqual({ ok: false, problem: 'photos_required' });
    const text = new File([new TextEncoder().encode('not an image at all')], 'x.png', { type: 'image/png' });
    expect(await file(order.id, z.id, { photos: [text] })).toMatchObject({ ok: false, problem: 'bad_photo' });
    expect(await app.db.select().from(claims).where(eq(claims.cooperativeOrderId, z.id))).toHaveLength(0);
  });

  it('never lets someone claim on another person’s order, or on a part not delivered', async () => {
    const { order, z, g } = await delivered();
    expect(await file(order.id, z.id, { userId: otherCustomerId })).toEqual({ ok: false, problem: 'not_found' });
    expect(await file(order.id, g.id)).toEqual({ ok: false, problem: 'window_closed' });
  });

  it('refunds the claimed part when the cooperative accepts, and tells the buyer', async () => {
    const { order, z, g } = await delivered();
    const filed = await file(order.id, z.id, { amountFen: 700 });
    if (!filed.ok) throw new Error(filed.problem);
    const memberNote = await app.db.select().from(notifications).where(and(eq(notifications.userId, ziguiMember), eq(notifications.kind, 'claim.filed')));
    expect(memberNote.length).toBeGreaterThan(0);
    const gBefore = await cooperativeOrderBalance(app.db, g.id);
    // Another cooperative cannot accept it.
    expect(await acceptClaim(app.db, null, { claimId: filed.claimId, cooperativeId: gannan.cooperativeId, actorUserId: ziguiMember, note: '', now: clock, baseUrl: BASE })).toEqual({ ok: false, problem: 'not_found' });
    const accepted = await acceptClaim(app.db, null, { claimId: filed.claimId, cooperativeId: zigui.cooperativeId, actorUserId: ziguiMember, note: '', now: clock, baseUrl: BASE });
    expect(accepted).toMatchObject({ ok: true, refund: { ok: true, status: 'succeeded' } });
    expect(await acceptClaim(app.db, null, { claimId: filed.claimId, cooperativeId: zigui.cooperativeId, actorUserId: ziguiMember, note: '', now: clock, baseUrl: BASE })).toEqual({ ok: false, problem: 'not_open' });
    expect((await cooperativeOrderBalance(app.db, z.id)).refundsFen).toBe(700);
    expect(await cooperativeOrderBalance(app.db, g.id)).toEqual(gBefore);
    const buyerNote = await app.db.select().from(notifications).where(and(eq(notifications.userId, customerId), eq(notifications.kind, 'claim.accepted')));
    expect(buyerNote.some((n) => n.title.includes(order.number))).toBe(true);
  });

  it('sends a disputed claim to a coordinator, who upholds it (refund) or rejects it (none)', async () => {
    for (const uphold of [true, false]) {
      const { order, z } = await delivered();
      const filed = await file(order.id, z.id, { amountFen: 300 });
      if (!filed.ok) throw new Error(filed.problem);
      expect(await disputeClaim(app.db, { claimId: filed.claimId, cooperativeId: zigui.cooperativeId, actorUserId: ziguiMember, note: '发货时完好', now: clock, baseUrl: BASE })).toMatchObject({ ok: true });
      const toCoordinator = await app.db.select().from(notifications).where(and(eq(notifications.userId, coordinatorId), eq(notifications.kind, 'claim.disputed')));
      expect(toCoordinator.some((n) => n.title.includes(order.number))).toBe(true);
      const decided = await decideDisputedClaim(app.db, null, { claimId: filed.claimId, uphold, actorUserId: coordinatorId, note: '', now: clock, baseUrl: BASE });
      expect(decided.ok).toBe(true);
      const [row] = await app.db.select().from(claims).where(eq(claims.id, filed.claimId));
      expect(row!.status).toBe(uphold ? 'upheld' : 'rejected');
      expect((await cooperativeOrderBalance(app.db, z.id)).refundsFen).toBe(uphold ? 300 : 0);
    }
  });

  it('refuses every claim route to whoever is not the buyer, the cooperative concerned or a coordinator', async () => {
    const { order, z } = await delivered();
    const filed = await file(order.id, z.id);
    if (!filed.ok) throw new Error(filed.problem);
    const [gm] = await app.db.select().from(cooperativeMembers).where(eq(cooperativeMembers.cooperativeId, gannan.cooperativeId));
    const gannanSlug = (await app.db.select().from(cooperatives).where(eq(cooperatives.id, gannan.cooperativeId)))[0]!.slug;
    const status = (r: unknown) => (r instanceof Response ? r.status : 200);
    const photo = async (userId: string) =>
      status(await callRoute(app, photoLoader as RouteHandler, getPage(`${BASE}/claims/${filed.claimId}/photos/0`, await sessionCookieFor(app, userId)), { id: filed.claimId, n: '0' }));
    expect(await photo(customerId)).toBe(200);
    expect(await photo(ziguiMember)).toBe(200);
    expect(await photo(coordinatorId)).toBe(200);
    expect(await photo(gm!.userId)).toBe(404);
    const gannanCookie = await sessionCookieFor(app, gm!.userId);
    const accept = await callRoute(app, coopClaimsAction as RouteHandler, postForm(`${BASE}/coop/${gannanSlug}/claims`, { intent: 'accept', claimId: filed.claimId, note: '' }, gannanCookie), { coop: gannanSlug });
    expect(status(accept)).toBe(404);
    expect((await app.db.select().from(claims).where(eq(claims.id, filed.claimId)))[0]!.status).toBe('open');
    const desk = await callRoute(app, coordinatorClaimsLoader as RouteHandler, getPage(`${BASE}/coordinator/claims`, await sessionCookieFor(app, customerId)));
    expect(status(desk)).not.toBe(200);
    const someoneElse = await callRoute(app, newClaimLoader as RouteHandler, getPage(`${BASE}/orders/${order.id}/claims/new`, gannanCookie), { id: order.id });
    expect(status(someoneElse)).toBe(404);
  });
});
