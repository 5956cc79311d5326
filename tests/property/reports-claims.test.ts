/**
 * Property-based tests of the report and claim forms, through the real actions: filing a
 * logistics/unsold report (association staff), acting on a report (coordinator: status changes,
 * assignment, comments, internal notes) and filing a claim on a delivered order (buyer).
 * Generated inputs per driver: PGlite 2,000 (filing 700, report actions 800, claims 500);
 * PostgreSQL 600 (30%). Seed 0x5eed_4e90 (override with PROPERTY_SEED).
 *
 * For every input: no 500; a refused input changes no row count; rows the caller has no say over
 * never change — a Jiangxi report for Hubei's people, another buyer's order and claims for the
 * buyer — and people outside a report (a customer, another region's coordinator) are always refused.
 */
import fc from 'fast-check';
import { and, eq, sql } from 'drizzle-orm';
import sharp from 'sharp';
import { beforeAll, expect, it } from 'vitest';
import { cooperativeOrders, cooperatives, orders, products, users } from '~/db/schema';
import { seedDemoData } from '~/models/demo-seed.server';
import { deliverCooperativeOrder, shipCooperativeOrder } from '~/models/fulfilment.server';
import { confirmBankTransfer } from '~/models/orders.server';
import { CLAIM_REASONS } from '~/models/claims.server';
import { DEPARTMENTS, fileReport, LOGISTICS_CAUSES, QUANTITY_UNITS, REPORT_KINDS, REPORT_SEVERITIES, type ReportInput } from '~/models/reports.server';
import { createUser, loadUserAccess } from '~/models/user.server';
import { action as claimAction } from '~/routes/orders.$id.claims.new/route';
import { action as reportAction } from '~/routes/reports.$id/route';
import { action as fileAction } from '~/routes/reports.new/route';
import type { AppContext } from '~/utils/context.server';
import { checkout, GANNAN, userCartWith, variantOf, ZIGUI } from '../fixtures/checkout';
import { signIn } from '../fixtures/coop-portal';
import { HTML_DOCUMENT, MINIMAL_PDF } from '../fixtures/images';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';
import { Checker, expectSomeAccepted, formRequest, hostileForm, isRejected, mobileNumber, mostly, nastyText, runsFor, seedOf } from './helpers';

const SEED = seedOf(0x5eed_4e90);
const TIMEOUT = 240_000;
const DOMAIN = 'demo.dibiao.example';
const MINUTE = 60_000;

type Person = 'staff' | 'member' | 'coordinator' | 'otherCoordinator' | 'customer' | 'buyer' | 'otherBuyer';

const attachment = fc.constantFrom(
  () => new File([MINIMAL_PDF], 'manifest.pdf', { type: 'application/pdf' }),
  () => new File([HTML_DOCUMENT], 'notes.pdf', { type: 'application/pdf' }),
  () => new File([new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])], 'photo.jpg', { type: 'image/jpeg' }),
  () => new File([], '', { type: 'application/octet-stream' }),
  () => new File(['x'], '../../etc/passwd', { type: 'text/plain' }),
);

describeEachDriver('report and claim forms under generated input', (t) => {
  let clock = new Date('2020-02-20T02:00:00Z');
  let app: AppContext;
  const ids = {} as Record<Person, string>;
  const cookies = {} as Record<Person, string>;
  let hubeiCoops: number[];
  let otherCoops: number[];
  let hubeiProducts: number[];
  let hubeiReports: string[];
  let jiangxiReport: string;
  let photo: Buffer;
  let delivered: (userId: string) => Promise<{ orderId: string; delivered: string; pending: string }>;

  const person = async (email: string) => {
    const [row] = await app.db.select({ id: users.id }).from(users).where(eq(users.email, email));
    if (!row) throw new Error(`no demo user ${email}`);
    return row.id;
  };

  beforeAll(async () => {
    app = createTestApp(t.database, {}, () => clock);
    await seedDemoData(app.db, clock);
    ids.staff = await person(`association-hubei@${DOMAIN}`);
    ids.member = await person(`coop-qianjiang-xiadao@${DOMAIN}`);
    ids.coordinator = await person(`coordinator-hubei@${DOMAIN}`);
    ids.otherCoordinator = await person(`coordinator-jiangxi@${DOMAIN}`);
    ids.customer = await person(`customer@${DOMAIN}`);
    ids.buyer = ids.customer;
    ids.otherBuyer = (await createUser(app.db, { displayName: '另一位买家', email: 'other-buyer@example.com', password: 'Other-buyer-2020!x', privacyConsentAt: clock, now: clock })).id;
    for (const key of Object.keys(ids) as Person[]) cookies[key] = await signIn(app, ids[key]);

    const coopsIn = async (provincePrefix: string) =>
      (await app.db.select({ id: cooperatives.id }).from(cooperatives).where(sql`${cooperatives.regionCode} LIKE ${`${provincePrefix}%`}`)).map((r) => r.id);
    hubeiCoops = await coopsIn('42');
    otherCoops = await coopsIn('36');
    hubeiProducts = (await app.db.select({ id: products.id }).from(products).where(sql`${products.cooperativeId} IN (${sql.join(hubeiCoops.map((id) => sql`${id}`), sql`, `)})`)).map((r) => r.id);

    const input = (overrides: Partial<ReportInput>): ReportInput => ({
      kind: 'logistics_blocked',
      cause: 'cold_chain_shortage',
      regionCode: '429005',
      placeDetail: '潜江市熊口镇',
      summary: '冷链车不够，活虾发不出去',
      description: '',
      quantityAtRisk: 15000,
      quantityUnit: 'kg',
      daysUntilLoss: 5,
      deadline: null,
      severity: 'high',
      contactName: '刘德明',
      contactPhone: '0728-6200000',
      filedForName: null,
      cooperativeIds: [],
      productIds: [],
      ...overrides,
    });
    const file = async (email: string, overrides: Partial<ReportInput>) => {
      const id = await person(email);
      const result = await fileReport(app.db, { actor: { id, ...(await loadUserAccess(app.db, id)) }, input: input(overrides), now: clock, ackTargetHours: 24, baseUrl: 'http://localhost' });
      if (!result.ok) throw new Error(`filing failed: ${result.error}`);
      return result.id;
    };
    hubeiReports = [];
    for (let i = 0; i < 8; i++) hubeiReports.push(await file(`association-hubei@${DOMAIN}`, { summary: `湖北报告 ${i}`, kind: i % 2 ? 'unsold' : 'logistics_blocked', cause: i % 2 ? null : 'road_closure' }));
    jiangxiReport = await file(`association-gannan@${DOMAIN}`, { regionCode: '360733', summary: '赣南脐橙滞销', kind: 'unsold', cause: null });

    photo = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#c33' } })
      .png()
      .toBuffer();
    const zigui = await variantOf(app.db, ZIGUI);
    const gannan = await variantOf(app.db, GANNAN);
    const [ziguiOwner] = await app.db.execute(sql`SELECT user_id FROM cooperative_members WHERE cooperative_id = ${zigui.cooperativeId} LIMIT 1`).then((r) => (Array.isArray(r) ? r : (r as { rows: unknown[] }).rows) as { user_id: string }[]);
    /** A paid order of `userId` whose 秭归 part was delivered now and whose 赣南 part was not. */
    delivered = async (userId: string) => {
      const cart = await userCartWith(app, userId, [
        { variantId: zigui.id, quantity: 1 },
        { variantId: gannan.id, quantity: 1 },
      ]);
      const placed = await checkout(app, cart, { now: clock });
      if (!placed.ok) throw new Error('checkout refused');
      const [order] = await app.db.select().from(orders).where(eq(orders.id, placed.orderId));
      await confirmBankTransfer(app.db, { orderId: order!.id, amountFen: order!.totalFen, actorUserId: ids.coordinator, now: clock });
      const parts = await app.db.select().from(cooperativeOrders).where(eq(cooperativeOrders.orderId, order!.id));
      const z = parts.find((p) => p.cooperativeId === zigui.cooperativeId)!;
      const g = parts.find((p) => p.cooperativeId === gannan.cooperativeId)!;
      const acting = { cooperativeId: zigui.cooperativeId, cooperativeOrderId: z.id, actorUserId: ziguiOwner!.user_id, now: clock };
      await shipCooperativeOrder(app.db, { ...acting, carrier: 'SF', trackingNumber: 'SF1234567890123' });
      await deliverCooperativeOrder(app.db, acting);
      return { orderId: order!.id, delivered: z.id, pending: g.id };
    };
    expect(hubeiCoops.length).toBeGreaterThan(1);
    expect(otherCoops.length).toBeGreaterThan(0);
  });

  const checker = (victims: () => ReturnType<typeof sql>) =>
    new Checker(
      {
        get app() {
          return app;
        },
      },
      victims,
    );

  /** The Jiangxi report and everything hanging off it: Hubei's people have no say over it. */
  const jiangxiRows = () =>
    sql`SELECT r.*, (SELECT json_agg(c ORDER BY c.id) FROM report_comments c WHERE c.report_id = r.id) AS comments,
               (SELECT json_agg(e ORDER BY e.id) FROM report_events e WHERE e.report_id = r.id) AS events
        FROM logistics_reports r WHERE r.id = ${jiangxiReport}`;

  it(
    'report filing: never a 500; a refused report files nothing, stores no attachment row and notifies no one',
    async () => {
      const c = checker(jiangxiRows);
      const idList = (pool: () => number[]) => fc.constantFrom(...pool()).map(String);
      const form = hostileForm({
        kind: mostly(fc.constantFrom(...REPORT_KINDS), fc.constant('other')),
        cause: mostly(fc.constantFrom(...LOGISTICS_CAUSES), fc.constant('no_such_cause')),
        regionCode: mostly(fc.constantFrom('429005', '420527', '420114', '420000'), fc.constantFrom('360733', '999999', '000000')),
        placeDetail: fc.string({ unit: 'grapheme', maxLength: 60 }),
        summary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
        description: fc.string({ unit: 'grapheme', maxLength: 300 }),
        quantityAtRisk: mostly(fc.integer({ min: 0, max: 1_000_000_000 }).map(String), fc.constantFrom('1000000001', '-1', '2.5')),
        quantityUnit: mostly(fc.constantFrom(...QUANTITY_UNITS), fc.constant('斤')),
        daysUntilLoss: mostly(fc.integer({ min: 0, max: 365 }).map(String), fc.constantFrom('366', '-1')),
        // The clock moves on during the property: only far dates stay in the future.
        deadline: mostly(fc.constantFrom('2021-03-01', '2022-12-31', ''), fc.constantFrom('2020-02-19', '2020-02-30', '2021-02-29', '9999-12-31')),
        severity: mostly(fc.constantFrom(...REPORT_SEVERITIES), fc.constant('urgent')),
        contactName: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
        contactPhone: mostly(fc.oneof(mobileNumber, fc.constantFrom('0728-6200000', '+86 (27) 8888 8888')), fc.constant('call me')),
        filedForName: fc.constant(''),
        cooperativeIds: mostly(idList(() => hubeiCoops), idList(() => otherCoops)),
        productIds: mostly(idList(() => hubeiProducts), fc.constantFrom('0', '999999999')),
      });
      const who = fc.oneof(
        { weight: 8, arbitrary: fc.constant<Person>('staff') },
        { weight: 2, arbitrary: fc.constant<Person>('member') },
        { weight: 1, arbitrary: fc.constant<Person>('customer') },
        { weight: 1, arbitrary: fc.constant(null) },
      );
      const files = fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(attachment, { minLength: 1, maxLength: 6 }) });
      await fc.assert(
        fc.asyncProperty(form, who, fc.boolean(), files, async (entries, caller, multipart, chosen) => {
          // Filing is limited to 20 an hour a person: the clock moves on so most forms reach the model.
          clock = new Date(clock.getTime() + 4 * MINUTE);
          const request = formRequest('/reports/new', entries, {
            cookie: caller ? cookies[caller] : undefined,
            multipart,
            files: multipart ? chosen.map((make): [string, File] => ['attachments', make()]) : [],
          });
          const outcome = await c.check(fileAction, request);
          if (caller === 'customer' || caller === null) expect(isRejected(outcome), `status ${outcome.status}`).toBe(true);
        }),
        { seed: SEED, numRuns: runsFor(t.driver, 700) },
      );
      expectSomeAccepted(c, 'report filing');
    },
    TIMEOUT,
  );

  it(
    'report actions: never a 500; a refused action changes nothing; outsiders are always refused; the Jiangxi report never changes',
    async () => {
      const c = checker(jiangxiRows);
      const body = fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }), fc.constant('已联系物流公司'));
      const form = hostileForm({
        intent: mostly(fc.constantFrom('acknowledge', 'start', 'resolve', 'reject', 'assign', 'comment', 'note'), fc.constant('reopen')),
        reason: body,
        body,
        assigneeUserId: fc.constantFrom(...[ids.coordinator, ids.otherCoordinator, ids.customer, '00000000-0000-4000-8000-000000000000']),
        department: mostly(fc.constantFrom(...DEPARTMENTS), fc.constant('police')),
      });
      const who = fc.oneof(
        { weight: 8, arbitrary: fc.constant<Person>('coordinator') },
        { weight: 2, arbitrary: fc.constant<Person>('staff') },
        { weight: 1, arbitrary: fc.constant<Person>('otherCoordinator') },
        { weight: 1, arbitrary: fc.constant<Person>('customer') },
        { weight: 1, arbitrary: fc.constant(null) },
      );
      const target = fc.oneof(
        { weight: 8, arbitrary: fc.nat().map((i) => ({ kind: 'hubei', id: hubeiReports[i % hubeiReports.length]! })) },
        { weight: 2, arbitrary: fc.constant({ kind: 'jiangxi', id: jiangxiReport }) },
        { weight: 1, arbitrary: nastyText.map((id) => ({ kind: 'junk', id })) },
        { weight: 1, arbitrary: fc.uuid().map((id) => ({ kind: 'junk', id: String(id) })) },
      );
      await fc.assert(
        fc.asyncProperty(form, who, target, async (entries, caller, report) => {
          clock = new Date(clock.getTime() + MINUTE);
          // Jiangxi's coordinator may act on the Jiangxi report, so that one gets Hubei's reports only.
          const id = caller === 'otherCoordinator' && report.kind === 'jiangxi' ? hubeiReports[0]! : report.id;
          const outcome = await c.check(reportAction, formRequest('/reports/x', entries, { cookie: caller ? cookies[caller] : undefined }), { id });
          if (caller === 'customer' || caller === 'otherCoordinator' || caller === null || report.kind !== 'hubei') expect(isRejected(outcome), `status ${outcome.status}`).toBe(true);
        }),
        { seed: SEED + 1, numRuns: runsFor(t.driver, 800) },
      );
      expectSomeAccepted(c, 'report actions');
    },
    TIMEOUT,
  );

  it(
    'claims: never a 500; a refused claim files nothing; another buyer’s order and claims never change',
    async () => {
      // Delivered now: the 48-hour claim window is open for the whole property (the clock stands still here).
      const buyerOrders = [await delivered(ids.buyer), await delivered(ids.buyer), await delivered(ids.buyer)];
      const otherOrder = await delivered(ids.otherBuyer);
      const otherBuyerRows = () =>
        sql`SELECT o.*, (SELECT json_agg(p ORDER BY p.id) FROM cooperative_orders p WHERE p.order_id = o.id) AS parts,
                   (SELECT json_agg(c ORDER BY c.id) FROM claims c JOIN cooperative_orders p ON p.id = c.cooperative_order_id WHERE p.order_id = o.id) AS claims
            FROM orders o WHERE o.user_id = ${ids.otherBuyer} ORDER BY o.id`;
      const c = checker(otherBuyerRows);
      const part = fc.oneof(
        { weight: 5, arbitrary: fc.nat().map((i) => buyerOrders[i % buyerOrders.length]!.delivered) },
        { weight: 2, arbitrary: fc.nat().map((i) => buyerOrders[i % buyerOrders.length]!.pending) },
        { weight: 2, arbitrary: fc.constant(otherOrder.delivered) },
      );
      const form = hostileForm({
        cooperativeOrderId: part,
        reason: mostly(fc.constantFrom(...CLAIM_REASONS), fc.constant('changed_mind')),
        description: fc.string({ unit: 'grapheme', maxLength: 200 }),
        amount: mostly(fc.integer({ min: 1, max: 3_000 }).map((fen) => (fen / 100).toFixed(2)), fc.constantFrom('0', '-5', '1e9', '99999999.99', '20000')),
      });
      const order = fc.oneof(
        { weight: 6, arbitrary: fc.nat().map((i) => ({ own: true, id: buyerOrders[i % buyerOrders.length]!.orderId })) },
        { weight: 2, arbitrary: fc.constant({ own: false, id: otherOrder.orderId }) },
        { weight: 1, arbitrary: nastyText.map((id) => ({ own: false, id })) },
      );
      const photos = fc.oneof(
        { weight: 3, arbitrary: fc.constant<'png'[]>(['png']) },
        { weight: 1, arbitrary: fc.array(fc.constantFrom<'png' | 'junk' | 'empty'>('png', 'junk', 'empty'), { maxLength: 6 }) },
      );
      const caller = fc.oneof(
        { weight: 8, arbitrary: fc.constant<Person | null>('buyer') },
        { weight: 1, arbitrary: fc.constantFrom<Person | null>('otherBuyer', 'staff', null) },
      );
      await fc.assert(
        fc.asyncProperty(form, order, photos, caller, async (entries, target, chosen, who) => {
          const files = chosen.map((kind): [string, File] => [
            'photos',
            kind === 'png' ? new File([new Uint8Array(photo)], 'bad.png', { type: 'image/png' }) : kind === 'junk' ? new File(['not an image'], 'x.png', { type: 'image/png' }) : new File([], ''),
          ]);
          // The other buyer may claim on their own order: that one is the victim here, so they get the buyer's orders.
          const id = who === 'otherBuyer' && !target.own ? buyerOrders[0]!.orderId : target.id;
          const request = formRequest('/orders/x/claims/new', entries, { cookie: who ? cookies[who] : undefined, multipart: true, files });
          const outcome = await c.check(claimAction, request, { id });
          if (who !== 'buyer' || !target.own) expect(isRejected(outcome), `status ${outcome.status}`).toBe(true);
        }),
        { seed: SEED + 2, numRuns: runsFor(t.driver, 500) },
      );
      expectSomeAccepted(c, 'claims');
      // No part was ever claimed for more than it is worth.
      const over = await app.db.execute(
        sql`SELECT p.id FROM cooperative_orders p JOIN claims c ON c.cooperative_order_id = p.id GROUP BY p.id, p.goods_fen, p.shipping_fen HAVING sum(c.amount_fen) > p.goods_fen + p.shipping_fen`,
      );
      expect((Array.isArray(over) ? over : (over as { rows: unknown[] }).rows).length).toBe(0);
      expect(await app.db.select().from(cooperativeOrders).where(and(eq(cooperativeOrders.orderId, otherOrder.orderId), eq(cooperativeOrders.id, otherOrder.delivered)))).toHaveLength(1);
    },
    TIMEOUT,
  );
});
