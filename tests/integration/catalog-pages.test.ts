/**
 * The storefront's catalog pages, through their loaders: the zone, a product, a GI, the GI
 * directory and a cooperative's shop — who may see what, and what each page carries.
 */
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { cooperatives, geographicalIndications, giAuthorizations, productImages, products, productVariants, users } from '~/db/schema';
import { chinaDate } from '~/utils/dates';
import { DEMO_COOPERATIVES, DEMO_PRODUCTS } from '~/models/demo-data.server';
import { seedDemoData } from '~/models/demo-seed.server';
import { loader as zoneLoader } from '~/routes/_index/route';
import { loader as cooperativeLoader } from '~/routes/cooperatives.$slug/route';
import { loader as giLoader } from '~/routes/gi.$slug/route';
import { loader as giIndexLoader } from '~/routes/gi._index/route';
import { loader as productLoader } from '~/routes/products.$slug/route';
import type { AppContext } from '~/utils/context.server';
import type { Db } from '~/utils/db.server';
import { insertSession, serializeSessionCookie } from '~/utils/session.server';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';

const NOW = new Date('2020-02-20T02:00:00Z');
const ORIGIN = 'http://localhost';

type Loader<T> = (args: { request: Request; params: Record<string, string>; context: { app: AppContext } }) => Promise<T>;

/** The loader's data, or the Response it threw. */
async function load<T>(app: AppContext, loader: Loader<T>, path: string, params: Record<string, string> = {}, cookie?: string): Promise<T | Response> {
  const request = new Request(`${ORIGIN}${path}`, { headers: cookie ? { Cookie: cookie } : {} });
  try {
    return await loader({ request, params, context: { app } });
  } catch (error) {
    if (error instanceof Response) return error;
    throw error;
  }
}

async function data<T>(app: AppContext, loader: Loader<T>, path: string, params: Record<string, string> = {}, cookie?: string): Promise<T> {
  const result = await load(app, loader, path, params, cookie);
  if (result instanceof Response) throw new Error(`${path} answered ${result.status}`);
  return result;
}

async function status(app: AppContext, loader: Loader<unknown>, path: string, params: Record<string, string> = {}, cookie?: string) {
  const result = await load(app, loader, path, params, cookie);
  return result instanceof Response ? result.status : 200;
}

/** A session cookie for the demo owner of a cooperative. */
async function ownerCookie(app: AppContext, cooperativeSlug: string): Promise<string> {
  const email = DEMO_COOPERATIVES.find((c) => c.slug === cooperativeSlug)!.owner.email;
  const [user] = await app.db.select().from(users).where(eq(users.email, email));
  const sessionId = await insertSession(app.db, { userId: user!.id, now: NOW });
  const setCookie = await serializeSessionCookie(new Request(ORIGIN), app.sessionSecret, sessionId);
  return setCookie.split(';')[0]!;
}

async function addProduct(db: Db, slug: string, cooperativeSlug: string, fields: Partial<typeof products.$inferInsert> = {}) {
  const [coop] = await db.select().from(cooperatives).where(eq(cooperatives.slug, cooperativeSlug));
  const [product] = await db
    .insert(products)
    .values({ slug, cooperativeId: coop!.id, categorySlug: 'tea', originRegionCode: coop!.regionCode, title: `测试 ${slug}`, status: 'published', publishedAt: NOW, ...fields })
    .returning({ id: products.id });
  return product!.id;
}

describeEachDriver('catalog pages', (t) => {
  let app: AppContext;
  beforeAll(async () => {
    app = createTestApp(t.database, {}, () => NOW);
    await seedDemoData(app.db, NOW);
  });

  describe('the zone (/)', () => {
    it('puts the goods closest to being lost first, and counts products per province', async () => {
      const zone = await data(app, zoneLoader, '/');
      const soonest = DEMO_PRODUCTS.filter((p) => p.stalled).sort((a, b) => a.stalled!.sellBeforeInDays - b.stalled!.sellBeforeInDays);
      expect(zone.urgent.map((c) => c.slug)).toEqual(soonest.slice(0, zone.urgent.length).map((p) => p.slug));
      expect(zone.urgent.length).toBeGreaterThanOrEqual(4);
      expect(zone.now).toBe(NOW.toISOString());
      const hubei = zone.provinces.find((p) => p.provinceCode === '420000');
      const hubeiDemo = DEMO_PRODUCTS.filter((p) => DEMO_COOPERATIVES.find((c) => c.slug === p.cooperativeSlug)!.regionCode.startsWith('42'));
      expect(hubei?.count).toBe(hubeiDemo.length);
      expect(zone.gis.length).toBeGreaterThan(10);
      expect(zone.total).toBe(DEMO_PRODUCTS.length);
      // The cards carry what a card shows, not the cooperative or the codes (the data goes into the page).
      const stalled = zone.urgent[0]!;
      expect(Object.keys(stalled).sort()).toEqual(
        ['giKind', 'giName', 'giNameEn', 'id', 'imageHeight', 'imagePath', 'imageWidth', 'inStock', 'originName', 'priceFen', 'provinceName', 'slug', 'spec', 'stalledSellBefore', 'title', 'titleEn'],
      );
      expect(stalled.stalledSellBefore).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(Object.keys(zone.products[0]!)).not.toContain('cooperativeName');
    });

    it('browses one province', async () => {
      const zone = await data(app, zoneLoader, '/?province=320000');
      expect(zone.province).toEqual({ code: '320000', name: '江苏省' });
      expect(zone.products.map((c) => c.slug)).toEqual(['yangchenghu-dazhaxie-8']);
      expect(zone.gis.map((g) => g.slug)).toEqual(['yangchenghu-dazhaxie']);
      const ignored = await data(app, zoneLoader, '/?province=<script>');
      expect(ignored.province).toBeNull();
    });

    it('answers any page number without an error, empty past the end', async () => {
      for (const page of ['0', '-1', 'abc', '1.5', '']) {
        const zone = await data(app, zoneLoader, `/?page=${page}`);
        expect(zone.page, page).toBe(1);
        expect(zone.products.length).toBeGreaterThan(0);
      }
      const far = await data(app, zoneLoader, '/?page=99999');
      expect(far.products).toEqual([]);
      expect(far.page).toBeGreaterThan(far.pageCount);
    });
  });

  describe('a product (/products/:slug)', () => {
    it('answers 404 for an unknown slug', async () => {
      expect(await status(app, productLoader, '/products/no-such-thing', { slug: 'no-such-thing' })).toBe(404);
    });

    it('carries the GI panel with the approved-user flag and the announcement number', async () => {
      const page = await data(app, productLoader, '/products/enshi-yulu-250g-tin', { slug: 'enshi-yulu-250g-tin' });
      expect(page.preview).toBe(false);
      expect(page.gi).toMatchObject({ slug: 'enshi-yulu', kind: 'protected_product', registrationNumber: '原国家质检总局公告2007年第48号', approvedUser: true, badge: true });
      expect(page.product.originPath).toEqual(['湖北省', '恩施土家族苗族自治州', '恩施市']);
      expect(page.cooperative).toMatchObject({ slug: 'enshi-yulu', verificationStatus: 'verified' });
      expect(page.variants.length).toBeGreaterThan(0);
      expect(page.url).toBe(`${ORIGIN}/products/enshi-yulu-250g-tin`);
    });

    it('carries the stalled stock, the shipping rule and a GI of unconfirmed kind as null', async () => {
      const page = await data(app, productLoader, '/products/qianjiang-longxia-live-2-5kg', { slug: 'qianjiang-longxia-live-2-5kg' });
      expect(page.stalled).toMatchObject({ quantity: 15000, unit: 'kg', sellBefore: chinaDate(new Date(NOW.getTime() + 5 * 86_400_000)) });
      expect(page.cooperative).toMatchObject({ shippingFlatFeeFen: 2000, freeShippingThresholdFen: 19900 });
      const unsure = await data(app, productLoader, '/products/xiaogan-mijiu-6-bottles', { slug: 'xiaogan-mijiu-6-bottles' });
      expect(unsure.gi?.kind).toBeNull();
    });

    it('shows a draft only to members of its own cooperative', async () => {
      await addProduct(app.db, 'enshi-draft', 'enshi-yulu', { status: 'draft', publishedAt: null });
      const params = { slug: 'enshi-draft' };
      expect(await status(app, productLoader, '/products/enshi-draft', params)).toBe(404);
      expect(await status(app, productLoader, '/products/enshi-draft', params, await ownerCookie(app, 'zigui-chengxiang'))).toBe(404);
      const own = await data(app, productLoader, '/products/enshi-draft', params, await ownerCookie(app, 'enshi-yulu'));
      expect(own.preview).toBe(true);
      expect(own.product.status).toBe('draft');
    });

    it('answers 404 for archived goods and for goods of unverified cooperatives', async () => {
      await addProduct(app.db, 'enshi-archived', 'enshi-yulu', { status: 'archived' });
      await addProduct(app.db, 'ouxiang-lianou', 'honghu-ouxiang', { categorySlug: 'vegetable' });
      expect(await status(app, productLoader, '/products/enshi-archived', { slug: 'enshi-archived' })).toBe(404);
      expect(await status(app, productLoader, '/products/ouxiang-lianou', { slug: 'ouxiang-lianou' })).toBe(404);
      const own = await data(app, productLoader, '/products/ouxiang-lianou', { slug: 'ouxiang-lianou' }, await ownerCookie(app, 'honghu-ouxiang'));
      expect(own.preview).toBe(true);
    });

    it('describes itself as schema.org Product with CNY offers in yuan, and no text can close its script tag', async () => {
      const id = await addProduct(app.db, 'jsonld-test', 'enshi-yulu', {
        title: '恩施玉露 </script><script>alert(1)</script>',
        description: 'a < b && c > d </SCRIPT> <!-- ',
      });
      await app.db.insert(productVariants).values([
        { productId: id, spec: '250g', priceFen: 5990, stock: 3, position: 0 },
        { productId: id, spec: '500g', priceFen: 11800, stock: 0, position: 1 },
      ]);
      await app.db.insert(productImages).values({ productId: id, path: 'products/jsonld/a.webp', width: 800, height: 600 });
      const page = await data(app, productLoader, '/products/jsonld-test', { slug: 'jsonld-test' });
      expect(page.jsonLd).not.toMatch(/<\/script/i);
      expect(page.jsonLd).not.toContain('<');
      expect(page.jsonLd).toContain('\\u003c/script');
      const ld = JSON.parse(page.jsonLd) as Record<string, unknown> & { offers: Record<string, unknown>[] };
      expect(ld).toMatchObject({ '@context': 'https://schema.org', '@type': 'Product', name: '恩施玉露 </script><script>alert(1)</script>' });
      expect(ld.image).toEqual([`${ORIGIN}/uploads/products/jsonld/a.webp`]);
      expect(ld.offers).toEqual([
        expect.objectContaining({ '@type': 'Offer', price: '59.90', priceCurrency: 'CNY', availability: 'https://schema.org/InStock' }),
        expect.objectContaining({ '@type': 'Offer', price: '118.00', priceCurrency: 'CNY', availability: 'https://schema.org/OutOfStock' }),
      ]);
      expect(page.imageUrls).toEqual([`${ORIGIN}/uploads/products/jsonld/a.webp`]);
    });

    it('uses PUBLIC_URL for canonical and shared addresses when set', async () => {
      const publicApp = createTestApp(t.database, { PUBLIC_URL: 'https://zhunong.example.cn/' }, () => NOW);
      const page = await data(publicApp, productLoader, '/products/enshi-yulu-250g-tin', { slug: 'enshi-yulu-250g-tin' });
      expect(page.url).toBe('https://zhunong.example.cn/products/enshi-yulu-250g-tin');
    });
  });

  describe('a GI (/gi/:slug) and the GI directory (/gi)', () => {
    it('answers 404 for an unknown GI', async () => {
      expect(await status(app, giLoader, '/gi/nope', { slug: 'nope' })).toBe(404);
    });

    it('lists only verified cooperatives with an approved authorization as producers', async () => {
      // 宜都 lies inside 宜昌蜜桔's area; its application is only pending.
      const [yidu] = await app.db.select().from(cooperatives).where(eq(cooperatives.slug, 'yidu-yihong'));
      const [gi] = await app.db.select().from(geographicalIndications).where(eq(geographicalIndications.slug, 'yichang-miju'));
      await app.db.insert(giAuthorizations).values([
        { cooperativeId: yidu!.id, giId: gi!.id, status: 'pending' },
        { cooperativeId: yidu!.id, giId: gi!.id, status: 'rejected' },
      ]);
      const page = await data(app, giLoader, '/gi/yichang-miju', { slug: 'yichang-miju' });
      expect(page.producers.map((p) => p.slug)).toEqual(['xiling-ganju']);
      expect(page.producerTotal).toBe(1);
      expect(page.products.map((c) => c.slug)).toEqual(['yichang-miju-5kg']);
      expect(page.gi.protectedArea.map((a) => a.code)).toEqual(['420500']);

      // The unverified cooperative's application for 洪湖莲藕 does not make it a producer either.
      const honghu = await data(app, giLoader, '/gi/honghu-lianou', { slug: 'honghu-lianou' });
      expect(honghu.producers.map((p) => p.slug)).toEqual(['honghu-hexiang']);
    });

    it('pages producers and products without errors for any page number', async () => {
      for (const query of ['?page=0', '?page=abc', '?producers=-2', '?page=99999&producers=99999']) {
        const page = await data(app, giLoader, `/gi/zigui-qicheng${query}`, { slug: 'zigui-qicheng' });
        expect(page.page).toBeGreaterThanOrEqual(1);
        expect(page.producersPage).toBeGreaterThanOrEqual(1);
      }
      const far = await data(app, giLoader, '/gi/zigui-qicheng?page=99999&producers=99999', { slug: 'zigui-qicheng' });
      expect(far.products).toEqual([]);
      expect(far.producers).toEqual([]);
    });

    it('lists GIs by province, filtered and paged', async () => {
      const all = await data(app, giIndexLoader, '/gi');
      const gis = await app.db.select().from(geographicalIndications);
      expect(all.total).toBe(gis.length);
      // Provinces with most GIs first (Hubei, the zone's home), each province's GIs together.
      expect(all.provinces[0]?.provinceCode).toBe('420000');
      expect(all.provinces.map((p) => p.count)).toEqual([...all.provinces.map((p) => p.count)].sort((a, b) => b - a));
      const provinceOrder = all.gis.map((g) => g.provinceCode).filter((code, i, list) => list.indexOf(code) === i);
      expect(provinceOrder).toEqual(all.provinces.map((p) => p.provinceCode).filter((code) => provinceOrder.includes(code)));
      expect(all.gis.filter((g) => g.provinceCode === '420000').length).toBe(all.provinces[0]!.count);
      const jiangxi = await data(app, giIndexLoader, '/gi?province=360000');
      expect(jiangxi.gis.map((g) => g.slug)).toEqual(['gannan-qicheng']);
      expect(jiangxi.gis[0]).toMatchObject({ provinceName: '江西省', kind: 'certification_mark', productCount: 1 });
      const far = await data(app, giIndexLoader, '/gi?page=99999');
      expect(far.gis).toEqual([]);
      expect((await data(app, giIndexLoader, '/gi?page=abc')).page).toBe(1);
    });
  });

  describe('a cooperative’s shop (/cooperatives/:slug)', () => {
    it('shows its business licence details and its listed products', async () => {
      const [row] = await app.db.select().from(cooperatives).where(eq(cooperatives.slug, 'zigui-chengxiang'));
      const page = await data(app, cooperativeLoader, '/cooperatives/zigui-chengxiang', { slug: 'zigui-chengxiang' });
      expect(page.preview).toBe(false);
      expect(page.shop).toMatchObject({
        legalName: '秭归县橙乡脐橙专业合作社（演示）',
        creditCode: row!.creditCode,
        legalRepresentative: '向建华',
        address: row!.address,
        businessScope: row!.businessScope,
        verificationStatus: 'verified',
      });
      expect(page.shop.address).toContain('秭归县');
      expect(page.products.map((c) => c.slug)).toEqual(['zigui-qicheng-5kg-gift-box']);
    });

    it('answers 404 for an unknown or unverified cooperative, except to its own members', async () => {
      expect(await status(app, cooperativeLoader, '/cooperatives/nope', { slug: 'nope' })).toBe(404);
      const params = { slug: 'honghu-ouxiang' };
      expect(await status(app, cooperativeLoader, '/cooperatives/honghu-ouxiang', params)).toBe(404);
      expect(await status(app, cooperativeLoader, '/cooperatives/honghu-ouxiang', params, await ownerCookie(app, 'honghu-hexiang'))).toBe(404);
      const own = await data(app, cooperativeLoader, '/cooperatives/honghu-ouxiang', params, await ownerCookie(app, 'honghu-ouxiang'));
      expect(own.preview).toBe(true);
      expect(own.shop.verificationStatus).toBe('pending');
    });

    it('answers any page number without an error', async () => {
      for (const query of ['?page=0', '?page=abc', '?page=99999']) {
        const page = await data(app, cooperativeLoader, `/cooperatives/qianjiang-xiadao${query}`, { slug: 'qianjiang-xiadao' });
        expect(page.page).toBeGreaterThanOrEqual(1);
      }
      expect((await data(app, cooperativeLoader, '/cooperatives/qianjiang-xiadao?page=99999', { slug: 'qianjiang-xiadao' })).products).toEqual([]);
    });
  });
});
