/**
 * The catalog's read side (app/models/catalog.server.ts): what the zone lists, in which order,
 * and when a product may show a GI badge.
 */
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { cooperatives, geographicalIndications, giAuthorizations, logisticsReports, products, productVariants, reportProducts, stalledStocks } from '~/db/schema';
import {
  countListedProducts,
  countProductsByProvince,
  getCooperativeShop,
  getProductCardsByIds,
  getProductPage,
  listGiProducts,
  listGisWithProducts,
  listUrgentProducts,
  listZoneProducts,
  MAX_PAGE,
  parsePageParam,
} from '~/models/catalog.server';
import { DEMO_COOPERATIVES, DEMO_PRODUCTS } from '~/models/demo-data.server';
import { seedDemoData } from '~/models/demo-seed.server';
import { chinaDate } from '~/utils/dates';
import type { Db } from '~/utils/db.server';
import { describeEachDriver } from '../setup/db';

const NOW = new Date('2020-02-20T02:00:00Z');
const DAY_MS = 86_400_000;
const inDays = (days: number) => chinaDate(new Date(NOW.getTime() + days * DAY_MS));
const TODAY = chinaDate(NOW);

interface Fixture {
  slug: string;
  cooperativeSlug: string;
  giSlug?: string;
  status?: 'draft' | 'published' | 'archived';
  originRegionCode?: string;
  stock?: number;
  stalled?: { quantity: number; sellBefore: string; cleared?: boolean };
}

/** Inserts one product (one variant at ¥10.00) for a demo cooperative. */
async function addProduct(db: Db, f: Fixture): Promise<number> {
  const [coop] = await db.select().from(cooperatives).where(eq(cooperatives.slug, f.cooperativeSlug));
  const gi = f.giSlug ? (await db.select().from(geographicalIndications).where(eq(geographicalIndications.slug, f.giSlug)))[0] : undefined;
  const [product] = await db
    .insert(products)
    .values({
      slug: f.slug,
      cooperativeId: coop!.id,
      giId: gi?.id ?? null,
      categorySlug: 'fruit',
      originRegionCode: f.originRegionCode ?? coop!.regionCode,
      title: `测试商品 ${f.slug}`,
      status: f.status ?? 'published',
      publishedAt: f.status === 'draft' ? null : NOW,
    })
    .returning({ id: products.id });
  await db.insert(productVariants).values({ productId: product!.id, spec: '1 箱', priceFen: 1000, stock: f.stock ?? 10 });
  if (f.stalled) {
    await db.insert(stalledStocks).values({
      productId: product!.id,
      quantity: f.stalled.quantity,
      since: inDays(-10),
      sellBefore: f.stalled.sellBefore,
      clearedAt: f.stalled.cleared ? NOW : null,
    });
  }
  return product!.id;
}

const provinceOf = (regionCode: string) => `${regionCode.slice(0, 2)}0000`;
const demoCoop = new Map(DEMO_COOPERATIVES.map((c) => [c.slug, c]));
const listedDemoProducts = DEMO_PRODUCTS.filter((p) => demoCoop.get(p.cooperativeSlug)!.verificationStatus === 'verified');

describe('page parameters', () => {
  it('reads malformed, zero and negative pages as page 1 and caps huge ones', () => {
    for (const value of [null, '', '0', '-3', 'abc', '1.5', '2e3', ' ']) expect(parsePageParam(value), String(value)).toBe(1);
    expect(parsePageParam('7')).toBe(7);
    expect(parsePageParam('99999')).toBe(MAX_PAGE);
    expect(parsePageParam('123456789012')).toBe(1);
  });
});

describeEachDriver('catalog', (t) => {
  let db: Db;
  beforeAll(async () => {
    db = t.database.db;
    await seedDemoData(db, NOW);
  });

  it('counts listed products per province of origin', async () => {
    const expected = new Map<string, number>();
    for (const p of listedDemoProducts) {
      const province = provinceOf(demoCoop.get(p.cooperativeSlug)!.regionCode);
      expected.set(province, (expected.get(province) ?? 0) + 1);
    }
    const counts = await countProductsByProvince(db);
    expect(new Map(counts.map((c) => [c.provinceCode, c.count]))).toEqual(expected);
    expect(counts.find((c) => c.provinceCode === '420000')?.provinceName).toBe('湖北省');
    // Most products first.
    expect(counts.map((c) => c.count)).toEqual([...counts.map((c) => c.count)].sort((a, b) => b - a));
    expect(await countListedProducts(db)).toBe(listedDemoProducts.length);
    expect(await countListedProducts(db, { provinceCode: '420000' })).toBe(expected.get('420000'));
    const hubei = await listZoneProducts(db, { provinceCode: '420000', limit: 200 });
    expect(hubei).toHaveLength(expected.get('420000')!);
    expect(hubei.every((card) => card.provinceCode === '420000')).toBe(true);
  });

  it('ranks the urgent section by sell-before date, then by the larger stalled quantity', async () => {
    const fixtures = [
      { slug: 'urgent-small', quantity: 100, days: 4 },
      { slug: 'urgent-large', quantity: 900, days: 4 },
      { slug: 'urgent-today', quantity: 50, days: 0 },
    ];
    for (const f of fixtures) {
      await addProduct(db, { slug: f.slug, cooperativeSlug: 'zigui-chengxiang', stalled: { quantity: f.quantity, sellBefore: inDays(f.days) } });
    }
    const expected = [
      ...listedDemoProducts.flatMap((p) => (p.stalled ? [{ slug: p.slug, days: p.stalled.sellBeforeInDays, quantity: p.stalled.quantity }] : [])),
      ...fixtures,
    ]
      .sort((a, b) => a.days - b.days || b.quantity - a.quantity)
      .map((p) => p.slug);
    const urgent = await listUrgentProducts(db, { today: TODAY, limit: 100 });
    expect(urgent.map((card) => card.slug)).toEqual(expected);
    expect(urgent.every((card) => card.stalledSellBefore !== null && card.stalledQuantity !== null)).toBe(true);
    const secondAndThird = await listUrgentProducts(db, { today: TODAY, limit: 2, offset: 1 });
    expect(secondAndThird.map((card) => card.slug)).toEqual(expected.slice(1, 3));
  });

  it('never shows cleared stalled stock, in the urgent section or as a badge', async () => {
    const id = await addProduct(db, { slug: 'cleared-stall', cooperativeSlug: 'zigui-chengxiang', stalled: { quantity: 5000, sellBefore: inDays(1), cleared: true } });
    const urgent = await listUrgentProducts(db, { today: TODAY, limit: 100 });
    expect(urgent.map((card) => card.slug)).not.toContain('cleared-stall');
    const [card] = await getProductCardsByIds(db, [id]);
    expect(card?.stalledSellBefore).toBeNull();
    expect((await getProductPage(db, 'cleared-stall'))?.stalled).toBeNull();
  });

  it('leaves goods past their sell-before date and sold-out goods out of the urgent section', async () => {
    const late = await addProduct(db, { slug: 'past-sell-before', cooperativeSlug: 'zigui-chengxiang', stalled: { quantity: 5000, sellBefore: inDays(-1) } });
    await addProduct(db, { slug: 'stalled-sold-out', cooperativeSlug: 'zigui-chengxiang', stock: 0, stalled: { quantity: 5000, sellBefore: inDays(1) } });
    const urgent = (await listUrgentProducts(db, { today: TODAY, limit: 100 })).map((card) => card.slug);
    expect(urgent).not.toContain('past-sell-before');
    expect(urgent).not.toContain('stalled-sold-out');
    // Still listed, still marked stalled.
    const [card] = await getProductCardsByIds(db, [late]);
    expect(card?.stalledSellBefore).toBe(inDays(-1));
  });

  it('never lists drafts, archived goods or goods of unverified cooperatives', async () => {
    const before = await countListedProducts(db);
    const hidden = [
      await addProduct(db, { slug: 'hidden-draft', cooperativeSlug: 'zigui-chengxiang', status: 'draft', stalled: { quantity: 99999, sellBefore: TODAY } }),
      await addProduct(db, { slug: 'hidden-archived', cooperativeSlug: 'zigui-chengxiang', status: 'archived', stalled: { quantity: 99999, sellBefore: TODAY } }),
      await addProduct(db, { slug: 'hidden-unverified', cooperativeSlug: 'honghu-ouxiang', stalled: { quantity: 99999, sellBefore: TODAY } }),
    ];
    const slugs = ['hidden-draft', 'hidden-archived', 'hidden-unverified'];
    const urgent = await listUrgentProducts(db, { today: TODAY, limit: 100 });
    const zone = await listZoneProducts(db, { limit: 500 });
    for (const slug of slugs) {
      expect(urgent.map((c) => c.slug)).not.toContain(slug);
      expect(zone.map((c) => c.slug)).not.toContain(slug);
    }
    expect(await countListedProducts(db)).toBe(before);
    expect(await getProductCardsByIds(db, hidden)).toEqual([]);
    // The product page model still finds them, marked unlisted, for the owner's preview.
    for (const slug of slugs) expect((await getProductPage(db, slug))?.listed).toBe(false);
  });

  it('lifts products named by an open 产品滞销 report into the urgent section, by the report’s deadline', async () => {
    const [wuchang] = await db.select({ id: products.id }).from(products).where(eq(products.slug, 'wuchang-dami-5kg'));
    const before = (await listUrgentProducts(db, { today: TODAY, limit: 100 })).map((c) => c.slug);
    expect(before).not.toContain('wuchang-dami-5kg');
    const [report] = await db
      .insert(logisticsReports)
      .values({ kind: 'unsold', regionCode: '230184', provinceCode: '230000', summary: '五常大米滞销 20 吨', contactName: '张', contactPhone: '13900000000', deadline: TODAY })
      .returning({ id: logisticsReports.id });
    await db.insert(reportProducts).values({ reportId: report!.id, productId: wuchang!.id });
    const urgent = (await listUrgentProducts(db, { today: TODAY, limit: 100 })).map((c) => c.slug);
    // Lost today: ahead of every demo product whose stalled stock is lost 3–30 days from now.
    const firstDemoStalled = Math.min(...DEMO_PRODUCTS.filter((p) => p.stalled).map((p) => urgent.indexOf(p.slug)).filter((i) => i >= 0));
    expect(urgent).toContain('wuchang-dami-5kg');
    expect(urgent.indexOf('wuchang-dami-5kg')).toBeLessThan(firstDemoStalled);
    await db.update(logisticsReports).set({ status: 'resolved' }).where(eq(logisticsReports.id, report!.id));
    expect((await listUrgentProducts(db, { today: TODAY, limit: 100 })).map((c) => c.slug)).not.toContain('wuchang-dami-5kg');
  });

  it('tells checkout which goods come from a region with an open 物流受阻 report, until it is resolved', async () => {
    const { getDelayNoticesForProducts } = await import('~/models/reports.server');
    const rows = await db.select({ id: products.id, slug: products.slug }).from(products);
    const bySlug = new Map(rows.map((r) => [r.slug, r.id]));
    const crayfish = DEMO_PRODUCTS.find((p) => p.slug.startsWith('qianjiang-longxia'))!;
    const orange = bySlug.get('zigui-qicheng-5kg-gift-box')!;
    const [report] = await db
      .insert(logisticsReports)
      .values({ kind: 'logistics_blocked', cause: 'cold_chain_shortage', regionCode: '429005', provinceCode: '420000', summary: '潜江冷链车辆不足', contactName: '李', contactPhone: '13900000001' })
      .returning({ id: logisticsReports.id });
    const notices = await getDelayNoticesForProducts(db, [bySlug.get(crayfish.slug)!, orange]);
    expect(notices.map((n) => n.summary)).toEqual(['潜江冷链车辆不足']);
    expect(await getDelayNoticesForProducts(db, [orange])).toEqual([]);
    await db.update(logisticsReports).set({ status: 'resolved' }).where(eq(logisticsReports.id, report!.id));
    expect(await getDelayNoticesForProducts(db, [bySlug.get(crayfish.slug)!])).toEqual([]);
  });

  it('returns cards by id in the order given, skipping ids that are not listed', async () => {
    const rows = await db.select({ id: products.id, slug: products.slug }).from(products);
    const bySlug = new Map(rows.map((r) => [r.slug, r.id]));
    const wanted = ['wuchang-dami-5kg', 'hidden-draft', 'zigui-qicheng-5kg-gift-box', 'enshi-yulu-250g-tin'].map((s) => bySlug.get(s)!);
    const cards = await getProductCardsByIds(db, [...wanted, 987654]);
    expect(cards.map((c) => c.slug)).toEqual(['wuchang-dami-5kg', 'zigui-qicheng-5kg-gift-box', 'enshi-yulu-250g-tin']);
    expect(await getProductCardsByIds(db, [])).toEqual([]);
    const [zigui] = cards.filter((c) => c.slug === 'zigui-qicheng-5kg-gift-box');
    // The cheapest variant in stock, its spec, and the GI badge.
    expect(zigui).toMatchObject({ spec: '5kg 礼盒', priceFen: 5990, inStock: true, giName: '秭归脐橙', giSlug: 'zigui-qicheng', giKind: 'protected_product' });
  });

  describe('the GI badge', () => {
    async function badgeOf(slug: string) {
      const page = await getProductPage(db, slug);
      const [card] = await getProductCardsByIds(db, [page!.product.id]);
      return { card: card!, gi: page!.gi! };
    }

    it('shows for an approved user of the mark, inside the protected area, with the GI facts', async () => {
      const { card, gi } = await badgeOf('enshi-yulu-250g-tin');
      expect(card.giName).toBe('恩施玉露');
      expect(gi).toMatchObject({
        name: '恩施玉露',
        kind: 'protected_product',
        registrationNumber: '原国家质检总局公告2007年第48号',
        approvedUser: true,
        badge: true,
        revokedAt: null,
      });
      expect(gi.protectedArea.map((a) => a.path.join(' · '))).toEqual(['湖北省 · 恩施土家族苗族自治州 · 恩施市']);
    });

    it('disappears when the cooperative’s authorization is revoked', async () => {
      const { card: before } = await badgeOf('xiaogan-mijiu-6-bottles');
      expect(before.giName).not.toBeNull();
      const [coop] = await db.select().from(cooperatives).where(eq(cooperatives.slug, 'xiaogan-mijiu'));
      await db.update(giAuthorizations).set({ status: 'revoked' }).where(eq(giAuthorizations.cooperativeId, coop!.id));
      const { card, gi } = await badgeOf('xiaogan-mijiu-6-bottles');
      expect(card.giName).toBeNull();
      expect(card.giSlug).toBeNull();
      expect(gi).toMatchObject({ approvedUser: false, badge: false });
      const giId = (await db.select().from(geographicalIndications).where(eq(geographicalIndications.slug, 'xiaogan-mijiu')))[0]!.id;
      expect(await listGiProducts(db, giId, { limit: 50, offset: 0 })).toEqual([]);
      expect((await listGisWithProducts(db, { limit: 100 })).map((g) => g.slug)).not.toContain('xiaogan-mijiu');
      expect((await getCooperativeShop(db, 'xiaogan-mijiu'))?.approvedGis).toEqual([]);
    });

    it('disappears when the product’s GI was revoked (gi_revoked_at), though the cooperative stays approved', async () => {
      await db.update(products).set({ giRevokedAt: NOW }).where(eq(products.slug, 'wuchang-dami-5kg'));
      const { card, gi } = await badgeOf('wuchang-dami-5kg');
      expect(card.giName).toBeNull();
      expect(gi).toMatchObject({ approvedUser: true, badge: false, revokedAt: NOW.toISOString() });
    });

    it('never shows for a pending authorization', async () => {
      const [coop] = await db.select().from(cooperatives).where(eq(cooperatives.slug, 'yidu-yihong'));
      const [gi] = await db.select().from(geographicalIndications).where(eq(geographicalIndications.slug, 'yichang-miju'));
      await db.insert(giAuthorizations).values({ cooperativeId: coop!.id, giId: gi!.id, status: 'pending' });
      await addProduct(db, { slug: 'pending-claim', cooperativeSlug: 'yidu-yihong', giSlug: 'yichang-miju' });
      const badge = await badgeOf('pending-claim');
      expect(badge.card.giName).toBeNull();
      expect(badge.gi).toMatchObject({ approvedUser: false, badge: false });
    });

    it('never shows for goods from outside the protected area, even from an approved user', async () => {
      // 夷陵区 lies in 宜昌市 but outside 秭归县, the protected area of 秭归脐橙.
      await addProduct(db, { slug: 'outside-area', cooperativeSlug: 'zigui-chengxiang', giSlug: 'zigui-qicheng', originRegionCode: '420506' });
      const badge = await badgeOf('outside-area');
      expect(badge.card.giName).toBeNull();
      expect(badge.gi).toMatchObject({ approvedUser: true, badge: false, revokedAt: null });
    });

    it('counts only products whose badge holds under their GI', async () => {
      const gis = await listGisWithProducts(db, { limit: 100 });
      const zigui = gis.find((g) => g.slug === 'zigui-qicheng');
      const listedZigui = listedDemoProducts.filter((p) => p.giSlug === 'zigui-qicheng').length;
      expect(zigui?.productCount).toBe(listedZigui);
      // Neither the revoked 五常大米 product nor the pending user's 宜昌蜜桔 counts.
      const countOf = (slug: string) => gis.find((g) => g.slug === slug)?.productCount ?? 0;
      const listedOf = (slug: string) => listedDemoProducts.filter((p) => p.giSlug === slug).length;
      expect(countOf('wuchang-dami')).toBe(listedOf('wuchang-dami') - 1);
      expect(countOf('yichang-miju')).toBe(listedOf('yichang-miju'));
      const jiangxi = await listGisWithProducts(db, { provinceCode: '360000', limit: 100 });
      expect(jiangxi.map((g) => g.slug)).toEqual(['gannan-qicheng']);
    });
  });

  it('shows a cooperative’s business licence details', async () => {
    const [row] = await db.select().from(cooperatives).where(eq(cooperatives.slug, 'enshi-yulu'));
    const shop = await getCooperativeShop(db, 'enshi-yulu');
    expect(shop).toMatchObject({
      legalName: row!.legalName,
      creditCode: row!.creditCode,
      legalRepresentative: row!.legalRepresentative,
      address: row!.address,
      businessScope: row!.businessScope,
      verificationStatus: 'verified',
      verifiedAt: row!.verifiedAt!.toISOString(),
      regionPath: ['湖北省', '恩施土家族苗族自治州', '恩施市'],
    });
    expect(shop!.approvedGis.map((g) => g.slug).sort()).toEqual(['enshi-malingshu', 'enshi-yulu']);
    expect(await getCooperativeShop(db, 'no-such-cooperative')).toBeNull();
  });
});
