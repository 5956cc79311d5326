/**
 * The product page's queries are prepared once per database (app/utils/prepared.server.ts): a
 * second visit runs the query the first one built. What it reads must not change, a query must
 * never wander to another database or out of a transaction; they survive a schema change and a
 * lost connection, and no prepared statement is left on the server (the app sends unnamed
 * statements only).
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cooperatives, logisticsReports, productImages, products, productVariants } from '~/db/schema';
import { getProductPage } from '~/models/catalog.server';
import { seedDemoData } from '~/models/demo-seed.server';
import { getOpenDelayNotices } from '~/models/reports.server';
import { queryRows, type Db } from '~/utils/db.server';
import { createTestDatabase, describeEachDriver, type TestDatabase } from '../setup/db';

const NOW = new Date('2020-02-20T02:00:00Z');
const SLUG = 'zigui-qicheng-5kg-gift-box';

async function addProduct(db: Db, slug: string): Promise<number> {
  const [coop] = await db.select().from(cooperatives).where(eq(cooperatives.slug, 'zigui-chengxiang'));
  const [product] = await db
    .insert(products)
    .values({ slug, cooperativeId: coop!.id, categorySlug: 'fruit', originRegionCode: coop!.regionCode, title: `测试商品 ${slug}`, status: 'published', publishedAt: NOW })
    .returning({ id: products.id });
  await db.insert(productVariants).values({ productId: product!.id, spec: '1 箱', priceFen: 1000, stock: 10 });
  return product!.id;
}

describeEachDriver('the product page’s queries', (t) => {
  let db: Db;
  /** A second database on one connection, so that the server's session state can be read back. */
  let other: TestDatabase;
  let reportId: string;

  beforeAll(async () => {
    db = t.database.db;
    other = await createTestDatabase(t.driver, { maxConnections: 1 });
    await Promise.all([seedDemoData(db, NOW), seedDemoData(other.db, NOW)]);
    const [product] = await db.select({ id: products.id }).from(products).where(eq(products.slug, SLUG));
    // Inserted out of order, and an inactive variant first in order: the page sorts and filters.
    await db.insert(productImages).values([
      { productId: product!.id, path: 'products/zigui/b.webp', width: 800, height: 600, alt: '礼盒', position: 2 },
      { productId: product!.id, path: 'products/zigui/a.webp', width: 1200, height: 900, alt: '果园', position: 1 },
    ]);
    await db.insert(productVariants).values({ productId: product!.id, spec: '停售装', priceFen: 100, stock: 5, position: -1, active: false });
    const [report] = await db
      .insert(logisticsReports)
      .values({ kind: 'logistics_blocked', cause: 'road_closure', regionCode: '420500', provinceCode: '420000', summary: '宜昌出城道路封闭', contactName: '李', contactPhone: '13900000001' })
      .returning({ id: logisticsReports.id });
    reportId = report!.id;
  });

  afterAll(async () => {
    await other?.destroy();
  });

  it('reads a product with its variants, images, protected area and delay notice the same on every visit', async () => {
    const first = await getProductPage(db, SLUG);
    const firstNotices = await getOpenDelayNotices(db, first!.product.originRegionCode);
    expect(first).toMatchObject({
      product: { slug: SLUG, originRegionCode: '420527', originPath: ['湖北省', '宜昌市', '秭归县'] },
      listed: true,
      cooperative: { slug: 'zigui-chengxiang', verificationStatus: 'verified' },
      gi: { slug: 'zigui-qicheng', badge: true, approvedUser: true, revokedAt: null, protectedArea: [{ code: '420527', path: ['湖北省', '宜昌市', '秭归县'] }] },
      stalled: { quantity: 40000, unit: 'kg' },
    });
    expect(first!.variants.map(({ spec, priceFen, stock }) => ({ spec, priceFen, stock }))).toEqual([
      { spec: '5kg 礼盒', priceFen: 5990, stock: 320 },
      { spec: '10kg 家庭装', priceFen: 9900, stock: 180 },
    ]);
    expect(first!.images).toEqual([
      { path: 'products/zigui/a.webp', width: 1200, height: 900, alt: '果园' },
      { path: 'products/zigui/b.webp', width: 800, height: 600, alt: '礼盒' },
    ]);
    const [report] = await db.select({ createdAt: logisticsReports.createdAt }).from(logisticsReports).where(eq(logisticsReports.id, reportId));
    expect(firstNotices).toEqual([
      { reportId, summary: '宜昌出城道路封闭', cause: 'road_closure', regionCode: '420500', regionName: '宜昌市', since: report!.createdAt.toISOString() },
    ]);

    for (let visit = 0; visit < 3; visit++) {
      const again = await getProductPage(db, SLUG);
      expect(again).toStrictEqual(first);
      expect(await getOpenDelayNotices(db, again!.product.originRegionCode)).toStrictEqual(firstNotices);
    }
    // Another product through the same prepared queries: its own rows, not the first one's.
    const tea = await getProductPage(db, 'enshi-yulu-250g-tin');
    expect(tea).toMatchObject({ product: { slug: 'enshi-yulu-250g-tin', originPath: ['湖北省', '恩施土家族苗族自治州', '恩施市'] }, images: [], gi: { slug: 'enshi-yulu' } });
    expect(tea!.variants.length).toBeGreaterThan(0);
    expect(await getOpenDelayNotices(db, tea!.product.originRegionCode)).toEqual([]);
  });

  it('sees changes made after the query was prepared', async () => {
    const page = await getProductPage(db, SLUG);
    await db.update(productVariants).set({ priceFen: 6290 }).where(eq(productVariants.id, page!.variants[0]!.id));
    await db.update(logisticsReports).set({ status: 'resolved' }).where(eq(logisticsReports.id, reportId));
    expect((await getProductPage(db, SLUG))!.variants[0]).toMatchObject({ spec: '5kg 礼盒', priceFen: 6290 });
    expect(await getOpenDelayNotices(db, '420527')).toEqual([]);
  });

  it('never answers from another database’s query', async () => {
    await addProduct(db, 'only-in-main');
    await addProduct(other.db, 'only-in-other');
    expect(await getProductPage(db, 'only-in-main')).not.toBeNull();
    expect(await getProductPage(other.db, 'only-in-main')).toBeNull();
    expect(await getProductPage(other.db, 'only-in-other')).not.toBeNull();
    expect(await getProductPage(db, 'only-in-other')).toBeNull();
    await other.db.insert(logisticsReports).values({ kind: 'logistics_blocked', cause: null, regionCode: '420527', provinceCode: '420000', summary: '只在另一个库', contactName: '李', contactPhone: '13900000001' });
    expect((await getOpenDelayNotices(other.db, '420527')).map((n) => n.summary)).toEqual(['只在另一个库']);
    expect(await getOpenDelayNotices(db, '420527')).toEqual([]);
  });

  it('reads inside a transaction through the transaction, not through the database’s query', async () => {
    expect(await getProductPage(db, 'rolled-back')).toBeNull();
    let inside: Awaited<ReturnType<typeof getProductPage>> = null;
    const transaction = db.transaction(async (tx) => {
      await addProduct(tx, 'rolled-back');
      inside = await getProductPage(tx, 'rolled-back');
      tx.rollback();
    });
    await expect(transaction).rejects.toThrow('Rollback');
    expect(inside).toMatchObject({ product: { slug: 'rolled-back' } });
    expect(await getProductPage(db, 'rolled-back')).toBeNull();
  });

  /** The app's statements prepared on the server in this session (`other` has one connection, so one session). */
  const appStatements = async (database: Db) =>
    (
      await queryRows<{ statement: string }>(
        database,
        sql`select statement from pg_prepared_statements where statement ~ '"(products|product_variants|product_images|gi_protected_areas|logistics_reports)"'`,
      )
    ).map((r) => r.statement);

  it('leaves none of its statements prepared on the database server, on a new connection after the old one was terminated too', async () => {
    const expected = await getProductPage(other.db, SLUG);
    if (t.driver === 'postgres') {
      const [session] = await queryRows<{ pid: number }>(other.db, sql`select pg_backend_pid() as pid`);
      await db.execute(sql`select pg_terminate_backend(${session!.pid})`);
      const [next] = await queryRows<{ pid: number }>(other.db, sql`select pg_backend_pid() as pid`);
      expect(next!.pid).not.toBe(session!.pid);
    }
    expect(await getProductPage(other.db, SLUG)).toStrictEqual(expected);
    await getOpenDelayNotices(other.db, '420527');
    await other.db.transaction(async (tx) => {
      expect(await getProductPage(tx, SLUG)).toStrictEqual(expected);
      expect(await appStatements(tx)).toEqual([]);
    });
    // postgres.js prepares a few statements of its own (its type lookup, `commit`); the app's are unnamed.
    expect(await appStatements(other.db)).toEqual([]);
  });

  it('answers after a schema change that alters a column it reads (its cached plan is made again)', async () => {
    const before = await getProductPage(other.db, SLUG);
    // Changes the result type of a column the product row reads: the query built before the
    // change still answers, with the new value.
    await other.db.execute(sql`alter table products alter column shipping_note type varchar(2000)`);
    try {
      await other.db.update(products).set({ shippingNote: '顺丰冷链，次日达' }).where(eq(products.slug, SLUG));
      expect((await getProductPage(other.db, SLUG))!.product.shippingNote).toBe('顺丰冷链，次日达');
    } finally {
      await other.db.update(products).set({ shippingNote: before!.product.shippingNote }).where(eq(products.slug, SLUG));
      await other.db.execute(sql`alter table products alter column shipping_note type text`);
    }
    expect(await getProductPage(other.db, SLUG)).toStrictEqual(before);
  });
});
