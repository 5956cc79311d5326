/**
 * Property-based tests of the cooperative portal's product forms, through the real actions:
 * product create, product edit (details and status), stock change, stalled-stock flag and
 * variant edit. Generated inputs per driver: PGlite 3,300 (create 600, edit 700, stock 700,
 * stalled 600, variants 700); PostgreSQL 990 (30%). Seed 0x5eed_c00b (override with PROPERTY_SEED).
 *
 * The caller is mostly the owner of 蔡甸 (cooperative A), sometimes another cooperative's owner,
 * a customer, nobody or a forged cookie; the ids in the URL and the form are mostly A's, sometimes
 * cooperative B's (秭归) or junk. For every input: no 500; a refused input changes no row count;
 * B's products, variants and stalled-stock flags never change, whoever asks.
 */
import fc from 'fast-check';
import { eq, sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { categories, geographicalIndications, productVariants, products, users } from '~/db/schema';
import { action as editAction } from '~/routes/coop.$coop.products.$id._index/route';
import { action as stalledAction } from '~/routes/coop.$coop.products.$id.stalled/route';
import { action as stockAction } from '~/routes/coop.$coop.products.$id.stock/route';
import { action as variantsAction } from '~/routes/coop.$coop.products.$id.variants/route';
import { action as newAction } from '~/routes/coop.$coop.products.new/route';
import type { AppContext } from '~/utils/context.server';
import { PORTAL_NOW, seedPortal, signIn, type SeededCooperative } from '../fixtures/coop-portal';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';
import { Checker, expectSomeAccepted, formRequest, hostileForm, mostly, nastyText, runsFor, seedOf, type FormEntries } from './helpers';

const SEED = seedOf(0x5eed_c00b);
const TIMEOUT = 240_000;

const isoDay = fc.date({ min: new Date('2019-01-01T00:00:00Z'), max: new Date('2021-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
const yuan = mostly(
  fc.oneof(fc.integer({ min: 1, max: 100_000 }).map((fen) => (fen / 100).toFixed(2)), fc.constantFrom('129.50', '¥88', '￥1', '0.01', '100000')),
  fc.constantFrom('100000.01', '0', '-5', '1.234', '1e3'),
);
const wholeNumber = mostly(fc.integer({ min: 0, max: 1_000_000 }).map(String), fc.constantFrom('1000001', '-1', '3.5'));
const shortText = (max: number) => fc.string({ unit: 'grapheme', minLength: 1, maxLength: max });

describeEachDriver('cooperative portal forms under generated input', (t) => {
  let app: AppContext;
  let a: SeededCooperative;
  let b: SeededCooperative;
  const cookies = {} as Record<'ownerA' | 'ownerB' | 'customer', string>;
  let productsA: number[];
  let productB: number;
  let variantsA: number[];
  let variantsB: number[];
  let categorySlugs: string[];
  let giIds: number[];
  let giA: number;

  beforeAll(async () => {
    app = createTestApp(t.database, {}, () => PORTAL_NOW);
    const fixtures = await seedPortal(app.db);
    a = await fixtures.coop('caidian-lianou');
    b = await fixtures.coop('zigui-chengxiang');
    cookies.ownerA = await signIn(app, a.ownerId);
    cookies.ownerB = await signIn(app, b.ownerId);
    const [customer] = await app.db.select({ id: users.id }).from(users).where(eq(users.email, 'customer@demo.dibiao.example'));
    cookies.customer = await signIn(app, customer!.id);
    productsA = (await app.db.select({ id: products.id }).from(products).where(eq(products.cooperativeId, a.id))).map((r) => r.id);
    productB = await fixtures.productId('zigui-qicheng-5kg-gift-box');
    const variantsOf = async (cooperativeId: number) =>
      (
        await app.db
          .select({ id: productVariants.id })
          .from(productVariants)
          .innerJoin(products, eq(products.id, productVariants.productId))
          .where(eq(products.cooperativeId, cooperativeId))
      ).map((r) => r.id);
    variantsA = await variantsOf(a.id);
    variantsB = await variantsOf(b.id);
    categorySlugs = (await app.db.select({ slug: categories.slug }).from(categories)).map((r) => r.slug);
    giIds = (await app.db.select({ id: geographicalIndications.id }).from(geographicalIndications)).map((r) => r.id);
    giA = await fixtures.giId('caidian-lianou');
    expect(productsA.length).toBeGreaterThan(0);
    expect(variantsB.length).toBeGreaterThan(0);
  });

  /** Cooperative B's products with their variants and stalled-stock flags: never to change. */
  const victims = () =>
    sql`SELECT p.*, (SELECT json_agg(v ORDER BY v.id) FROM product_variants v WHERE v.product_id = p.id) AS variants,
               (SELECT json_agg(s ORDER BY s.id) FROM stalled_stocks s WHERE s.product_id = p.id) AS stalled
        FROM products p WHERE p.cooperative_id = ${b.id} ORDER BY p.id`;
  const checker = () =>
    new Checker(
      {
        get app() {
          return app;
        },
      },
      victims,
    );

  /** Who sends the form: mostly A's owner. */
  const caller = () =>
    fc.oneof(
      { weight: 12, arbitrary: fc.constant(cookies.ownerA) },
      { weight: 1, arbitrary: fc.constant(cookies.ownerB) },
      { weight: 1, arbitrary: fc.constant(cookies.customer) },
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom('session=forged.value', `${cookies.ownerA}x`) },
    );

  /** The route params: A's slug and products mostly, sometimes B's or junk. */
  const coopParam = () => fc.oneof({ weight: 12, arbitrary: fc.constant(a.slug) }, { weight: 1, arbitrary: fc.constant(b.slug) }, { weight: 1, arbitrary: nastyText });
  const productParam = () =>
    fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom(...productsA).map(String) },
      { weight: 1, arbitrary: fc.constant(String(productB)) },
      { weight: 1, arbitrary: fc.constantFrom('0', '-1', '1e3', '999999999', '9999999999', '1.5', '', '%00') },
      { weight: 1, arbitrary: nastyText },
    );
  const variantRef = () =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...variantsA).map(String) },
      { weight: 3, arbitrary: fc.constantFrom(...variantsB).map(String) },
      { weight: 1, arbitrary: fc.constantFrom('0', '-1', '2147483648', '99999999999999999999') },
    );

  const productFieldsShape = () => ({
    title: shortText(40),
    titleEn: fc.string({ maxLength: 40 }),
    categorySlug: mostly(fc.constantFrom(...categorySlugs), fc.constant('no-such-category')),
    // Other GIs than A's own: A holds no authorization for them.
    giId: mostly(fc.constant(String(giA)), fc.constantFrom(...giIds).map(String)),
    originRegionCode: mostly(fc.constant(a.regionCode), fc.constantFrom(b.regionCode, '420000', '999999', '110101')),
    description: fc.string({ unit: 'grapheme', maxLength: 200 }),
    shippingNote: fc.string({ maxLength: 60 }),
  });

  const send = (c: Checker, handler: unknown, path: string, entries: FormEntries, cookie: string | undefined, params: Record<string, string>) =>
    c.check(handler, formRequest(path, entries, { cookie }), params);

  it(
    'product create: never a 500; a refused product leaves every table as it was; B’s products never change',
    async () => {
      const c = checker();
      const form = hostileForm({
        ...productFieldsShape(),
        slug: mostly(fc.stringMatching(/^[a-z0-9]{3,12}(-[a-z0-9]{1,6})?$/), fc.constant('caidian-lianou-5kg')),
        spec: shortText(20),
        price: yuan,
        stock: wholeNumber,
        weightGrams: wholeNumber,
        intent: fc.constantFrom('publish', 'draft'),
      });
      await fc.assert(
        fc.asyncProperty(form, caller(), coopParam(), async (entries, cookie, coop) => {
          await send(c, newAction, '/coop/x/products/new', entries, cookie, { coop });
        }),
        { seed: SEED, numRuns: runsFor(t.driver, 600) },
      );
      expectSomeAccepted(c, 'product create');
    },
    TIMEOUT,
  );

  it(
    'product edit: never a 500; a refused edit leaves every table as it was; B’s products never change',
    async () => {
      const c = checker();
      const form = hostileForm({
        intent: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('save', 'save-publish') }, { weight: 2, arbitrary: fc.constantFrom('publish', 'unpublish', 'archive', 'restore') }, { weight: 1, arbitrary: fc.constant('delete') }),
        ...productFieldsShape(),
      });
      await fc.assert(
        fc.asyncProperty(form, caller(), coopParam(), productParam(), async (entries, cookie, coop, id) => {
          await send(c, editAction, '/coop/x/products/1', entries, cookie, { coop, id });
        }),
        { seed: SEED + 1, numRuns: runsFor(t.driver, 700) },
      );
      expectSomeAccepted(c, 'product edit');
    },
    TIMEOUT,
  );

  it(
    'stock change: never a 500; a refused change leaves every table as it was; B’s stock never changes',
    async () => {
      const c = checker();
      const form = hostileForm({
        variantId: variantRef(),
        delta: mostly(fc.integer({ min: -50, max: 50 }).map(String), fc.constantFrom('0', '1000000', '-1000000', '1000001', '-99999999', '2.5')),
        reason: fc.oneof(shortText(30), fc.constantFrom('盘点', '入库 200 箱', 'x')),
      });
      await fc.assert(
        fc.asyncProperty(form, caller(), coopParam(), productParam(), async (entries, cookie, coop, id) => {
          await send(c, stockAction, '/coop/x/products/1/stock', entries, cookie, { coop, id });
        }),
        { seed: SEED + 2, numRuns: runsFor(t.driver, 700) },
      );
      expectSomeAccepted(c, 'stock change');
      // Stock is never negative, whatever the deltas were.
      const [negative] = await app.db.select({ n: sql<number>`count(*)::int` }).from(productVariants).where(sql`${productVariants.stock} < 0`);
      expect(Number(negative!.n)).toBe(0);
    },
    TIMEOUT,
  );

  it(
    'stalled-stock flag: never a 500; a refused flag leaves every table as it was; B’s flags never change',
    async () => {
      const c = checker();
      const form = hostileForm({
        intent: fc.oneof({ weight: 5, arbitrary: fc.constant('declare') }, { weight: 1, arbitrary: fc.constant('clear') }),
        quantity: mostly(fc.integer({ min: 1, max: 100_000 }).map(String), fc.constantFrom('0', '100000000', '100000001')),
        unit: mostly(fc.constantFrom('kg', '斤', '吨', '箱'), fc.constant('lb')),
        since: mostly(isoDay, fc.constantFrom('2020-02-30', '2020-13-01', '0000-00-00', '2020-2-1')),
        sellBefore: mostly(isoDay, fc.constantFrom('2020-02-30', '9999-12-31', '2020-02-19')),
        reason: fc.string({ unit: 'grapheme', maxLength: 80 }),
      });
      await fc.assert(
        fc.asyncProperty(form, caller(), coopParam(), productParam(), async (entries, cookie, coop, id) => {
          await send(c, stalledAction, '/coop/x/products/1/stalled', entries, cookie, { coop, id });
        }),
        { seed: SEED + 3, numRuns: runsFor(t.driver, 600) },
      );
      expectSomeAccepted(c, 'stalled stock');
    },
    TIMEOUT,
  );

  it(
    'variant edit: never a 500; a refused edit leaves every table as it was; B’s variants never change',
    async () => {
      const c = checker();
      const form = hostileForm({
        intent: fc.constantFrom('add', 'update', 'deactivate', 'activate'),
        variantId: variantRef(),
        spec: shortText(20),
        price: yuan,
        stock: wholeNumber,
        weightGrams: wholeNumber,
      });
      await fc.assert(
        fc.asyncProperty(form, caller(), coopParam(), productParam(), async (entries, cookie, coop, id) => {
          await send(c, variantsAction, '/coop/x/products/1/variants', entries, cookie, { coop, id });
        }),
        { seed: SEED + 4, numRuns: runsFor(t.driver, 700) },
      );
      expectSomeAccepted(c, 'variant edit');
    },
    TIMEOUT,
  );
});
