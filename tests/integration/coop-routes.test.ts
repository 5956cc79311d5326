import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, productImages, products, productVariants, stalledStocks, users } from '~/db/schema';
import { STOCK_ADJUSTED } from '~/models/products.server';
import { loader as indexLoader } from '~/routes/coop._index/route';
import { loader as layoutLoader } from '~/routes/coop.$coop/route';
import { loader as dashboardLoader } from '~/routes/coop.$coop._index/route';
import { loader as exportLoader } from '~/routes/coop.$coop.export/route';
import { action as importAction, loader as importLoader } from '~/routes/coop.$coop.import/route';
import { loader as productLayoutLoader } from '~/routes/coop.$coop.products.$id/route';
import { action as editAction, loader as editLoader } from '~/routes/coop.$coop.products.$id._index/route';
import { action as imagesAction, loader as imagesLoader } from '~/routes/coop.$coop.products.$id.images/route';
import { action as stalledAction, loader as stalledLoader } from '~/routes/coop.$coop.products.$id.stalled/route';
import { action as stockAction, loader as stockLoader } from '~/routes/coop.$coop.products.$id.stock/route';
import { action as variantsAction, loader as variantsLoader } from '~/routes/coop.$coop.products.$id.variants/route';
import { loader as listLoader } from '~/routes/coop.$coop.products._index/route';
import { action as newAction, loader as newLoader } from '~/routes/coop.$coop.products.new/route';
import type { AppContext } from '~/utils/context.server';
import { PORTAL_NOW, seedPortal, signIn, type SeededCooperative } from '../fixtures/coop-portal';
import { fileOf, HTML_DOCUMENT, makeImage, oversizeJpegLike } from '../fixtures/images';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';

type Handler = (args: { request: Request; params: Record<string, string>; context: { app: AppContext } }) => unknown;
const ORIGIN = 'http://localhost';

interface Reply {
  status?: string;
  error?: Record<string, string[] | null>;
}

describeEachDriver('cooperative portal routes', (t) => {
  let app: AppContext;
  let fixtures: Awaited<ReturnType<typeof seedPortal>>;
  let a: SeededCooperative; // 蔡甸: verified, the cooperative under attack
  let b: SeededCooperative; // 秭归: verified, the other member
  let pending: SeededCooperative; // 洪湖藕香: not verified
  let cookieA: string;
  let cookieB: string;
  let cookiePending: string;
  let cookieCustomer: string;
  let productA: number; // a published product of A
  let productB: number;
  let variantA: number;
  let uploadDir: string;

  beforeAll(async () => {
    uploadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dibiao-coop-routes-'));
    app = createTestApp(t.database, { UPLOAD_DIR: uploadDir }, () => PORTAL_NOW);
    fixtures = await seedPortal(app.db);
    a = await fixtures.coop('caidian-lianou');
    b = await fixtures.coop('zigui-chengxiang');
    pending = await fixtures.coop('honghu-ouxiang');
    cookieA = await signIn(app, a.ownerId);
    cookieB = await signIn(app, b.ownerId);
    cookiePending = await signIn(app, pending.ownerId);
    const [customer] = await app.db.select({ id: users.id }).from(users).where(eq(users.email, 'customer@demo.dibiao.example'));
    cookieCustomer = await signIn(app, customer!.id);
    productA = await fixtures.productId('caidian-lianou-5kg');
    productB = await fixtures.productId('zigui-qicheng-5kg-gift-box');
    [{ id: variantA }] = (await app.db.select({ id: productVariants.id }).from(productVariants).where(eq(productVariants.productId, productA))) as [{ id: number }];
  });

  async function call(handler: unknown, request: Request, params: Record<string, string> = {}): Promise<unknown> {
    try {
      return await (handler as Handler)({ request, params, context: { app } });
    } catch (error) {
      if (error instanceof Response) return error;
      throw error;
    }
  }

  const get = (url: string, cookie?: string) => new Request(`${ORIGIN}${url}`, { headers: cookie ? { Cookie: cookie } : {} });
  const post = (url: string, cookie: string, fields: Record<string, string> | FormData) =>
    new Request(`${ORIGIN}${url}`, {
      method: 'POST',
      body: fields instanceof FormData ? fields : new URLSearchParams(fields),
      headers: { Cookie: cookie },
    });

  function statusOf(result: unknown): number {
    if (result instanceof Response) return result.status;
    const init = (result as { init?: ResponseInit | null }).init;
    return init?.status ?? 200;
  }
  function redirectOf(result: unknown): string {
    expect(result).toBeInstanceOf(Response);
    const response = result as Response;
    expect(response.status).toBe(302);
    return response.headers.get('Location')!;
  }
  function replyOf<T = Reply>(result: unknown): T {
    expect(result).not.toBeInstanceOf(Response);
    return (result as { data: T }).data;
  }

  const productParams = (coop: SeededCooperative, id: number) => ({ coop: coop.slug, id: String(id) });

  describe('who may enter', () => {
    it('sends a visitor to log in and a one-cooperative member straight to it', async () => {
      expect(redirectOf(await call(indexLoader, get('/coop')))).toBe('/login?redirectTo=%2Fcoop');
      expect(redirectOf(await call(indexLoader, get('/coop', cookieA)))).toBe(`/coop/${a.slug}`);
      expect(await call(indexLoader, get('/coop', cookieCustomer))).toEqual({ cooperatives: [] });
    });

    it('shows the portal to its members and admins only; everyone else gets 404', async () => {
      expect(await call(layoutLoader, get(`/coop/${a.slug}`, cookieA), { coop: a.slug })).toMatchObject({ cooperative: { id: a.id, slug: a.slug } });
      const [admin] = await app.db.select({ id: users.id }).from(users).where(eq(users.email, 'admin@demo.dibiao.example'));
      expect(statusOf(await call(layoutLoader, get(`/coop/${a.slug}`, await signIn(app, admin!.id)), { coop: a.slug }))).toBe(200);
      expect(statusOf(await call(layoutLoader, get(`/coop/${a.slug}`, cookieB), { coop: a.slug }))).toBe(404);
      expect(statusOf(await call(layoutLoader, get(`/coop/${a.slug}`, cookieCustomer), { coop: a.slug }))).toBe(404);
      expect(statusOf(await call(layoutLoader, get('/coop/no-such-coop', cookieA), { coop: 'no-such-coop' }))).toBe(404);
    });

    it('refuses a member of B on every page and form of A, and changes nothing', async () => {
      const before = {
        product: await app.db.select().from(products).where(eq(products.id, productA)),
        variants: await app.db.select().from(productVariants).where(eq(productVariants.productId, productA)),
      };
      const base = `/coop/${a.slug}`;
      const coopParams = { coop: a.slug };
      const pParams = productParams(a, productA);
      const loaders: [unknown, string, Record<string, string>][] = [
        [dashboardLoader, base, coopParams],
        [listLoader, `${base}/products`, coopParams],
        [newLoader, `${base}/products/new`, coopParams],
        [importLoader, `${base}/import`, coopParams],
        [exportLoader, `${base}/export`, coopParams],
        [productLayoutLoader, `${base}/products/${productA}`, pParams],
        [editLoader, `${base}/products/${productA}`, pParams],
        [variantsLoader, `${base}/products/${productA}/variants`, pParams],
        [imagesLoader, `${base}/products/${productA}/images`, pParams],
        [stockLoader, `${base}/products/${productA}/stock`, pParams],
        [stalledLoader, `${base}/products/${productA}/stalled`, pParams],
      ];
      for (const [loader, url, params] of loaders) expect(statusOf(await call(loader, get(url, cookieB), params)), url).toBe(404);

      const actions: [unknown, string, Record<string, string>, Record<string, string>][] = [
        [newAction, `${base}/products/new`, coopParams, { title: '冒充', categorySlug: 'fruit', originRegionCode: '420114', spec: '1kg', price: '1' }],
        [editAction, `${base}/products/${productA}`, pParams, { intent: 'archive' }],
        [variantsAction, `${base}/products/${productA}/variants`, pParams, { intent: 'update', variantId: String(variantA), spec: 'x', price: '0.01' }],
        [imagesAction, `${base}/products/${productA}/images`, pParams, { intent: 'delete', imageId: '1' }],
        [stockAction, `${base}/products/${productA}/stock`, pParams, { variantId: String(variantA), delta: '-1', reason: '恶意扣减' }],
        [stalledAction, `${base}/products/${productA}/stalled`, pParams, { intent: 'clear' }],
        [importAction, `${base}/import`, coopParams, {}],
      ];
      for (const [action, url, params, fields] of actions) expect(statusOf(await call(action, post(url, cookieB, fields), params)), url).toBe(404);

      expect(await app.db.select().from(products).where(eq(products.id, productA))).toEqual(before.product);
      expect(await app.db.select().from(productVariants).where(eq(productVariants.productId, productA))).toEqual(before.variants);
    });

    it('never reaches A’s product or variant through B’s own URL (ids in URLs and hidden fields)', async () => {
      const before = await app.db.select().from(productVariants).where(eq(productVariants.id, variantA));
      // A's product id under B's slug.
      expect(statusOf(await call(editLoader, get(`/coop/${b.slug}/products/${productA}`, cookieB), productParams(b, productA)))).toBe(404);
      // B's own product in the URL, A's variant id in the hidden field.
      const variantResult = await call(
        variantsAction,
        post(`/coop/${b.slug}/products/${productB}/variants`, cookieB, { intent: 'update', variantId: String(variantA), spec: '被篡改', price: '0.01', weightGrams: '1' }),
        productParams(b, productB),
      );
      expect(statusOf(variantResult)).toBe(400);
      expect(replyOf<{ result: Reply }>(variantResult).result.error?.['']).toEqual(['coop:errors.not_found']);
      const stockResult = await call(
        stockAction,
        post(`/coop/${b.slug}/products/${productB}/stock`, cookieB, { variantId: String(variantA), delta: '-5', reason: '跨社篡改' }),
        productParams(b, productB),
      );
      expect(statusOf(stockResult)).toBe(400);
      expect(await app.db.select().from(productVariants).where(eq(productVariants.id, variantA))).toEqual(before);
      const auditForA = await app.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.action, STOCK_ADJUSTED), eq(auditEvents.entityId, String(productA))));
      expect(auditForA).toEqual([]);
    });
  });

  describe('products', () => {
    it('creates a product from a form in yuan and redirects to it', async () => {
      const result = await call(
        newAction,
        post(`/coop/${a.slug}/products/new`, cookieA, {
          intent: 'draft',
          title: '蔡甸藕带礼盒',
          categorySlug: 'vegetable',
          originRegionCode: '420114',
          spec: '2kg 礼盒',
          price: '129.50',
          stock: '40',
          weightGrams: '2300',
        }),
        { coop: a.slug },
      );
      const location = redirectOf(result);
      const id = Number(/\/products\/(\d+)\?notice=created$/.exec(location)?.[1]);
      const [variant] = await app.db.select().from(productVariants).where(eq(productVariants.productId, id));
      expect(variant).toMatchObject({ spec: '2kg 礼盒', priceFen: 12950, stock: 40, weightGrams: 2300 });
      const [row] = await app.db.select().from(products).where(eq(products.id, id));
      expect(row).toMatchObject({ cooperativeId: a.id, status: 'draft' });
    });

    it('shows field errors for a bad price and a missing title', async () => {
      const result = await call(
        newAction,
        post(`/coop/${a.slug}/products/new`, cookieA, { title: '', categorySlug: 'vegetable', originRegionCode: '420114', spec: '1kg', price: '12.345' }),
        { coop: a.slug },
      );
      expect(statusOf(result)).toBe(400);
      const reply = replyOf(result);
      expect(reply.error?.price).toEqual(['coop:errors.price']);
      expect(reply.error?.title).toEqual(['coop:errors.required']);
    });

    it('refuses a GI claim in the form with a translated reason', async () => {
      const lotus = String(await fixtures.giId('honghu-lianou'));
      const fields = { title: '洪湖莲藕', categorySlug: 'vegetable', giId: lotus, originRegionCode: '421083', spec: '5kg', price: '59' };
      const pendingResult = await call(newAction, post(`/coop/${pending.slug}/products/new`, cookiePending, fields), { coop: pending.slug });
      expect(replyOf(pendingResult).error?.giId).toEqual(['coop:gi.refused.not_authorized']);
      const editResult = await call(
        editAction,
        post(`/coop/${a.slug}/products/${productA}`, cookieA, { intent: 'save', ...fields, originRegionCode: '420114' }),
        productParams(a, productA),
      );
      expect(replyOf(editResult).error?.giId).toEqual(['coop:gi.refused.not_authorized']);
    });

    it('lets an unverified cooperative save drafts but not publish, with a clear message', async () => {
      const fields = { title: '洪湖藕粉', categorySlug: 'vegetable', originRegionCode: '421083', spec: '500g', price: '39' };
      const refused = await call(newAction, post(`/coop/${pending.slug}/products/new`, cookiePending, { ...fields, intent: 'publish' }), { coop: pending.slug });
      expect(statusOf(refused)).toBe(400);
      expect(replyOf(refused).error?.['']).toEqual(['coop:errors.unverified_cooperative']);
      const draft = await call(newAction, post(`/coop/${pending.slug}/products/new`, cookiePending, { ...fields, intent: 'draft' }), { coop: pending.slug });
      const id = Number(/\/products\/(\d+)/.exec(redirectOf(draft))?.[1]);
      const publish = await call(editAction, post(`/coop/${pending.slug}/products/${id}`, cookiePending, { intent: 'publish' }), productParams(pending, id));
      expect(replyOf(publish).error?.['']).toEqual(['coop:errors.unverified_cooperative']);
      expect(await call(newLoader, get(`/coop/${pending.slug}/products/new`, cookiePending), { coop: pending.slug })).toMatchObject({ verified: false });
    });

    it('edits, unpublishes, publishes and archives through the intents of the edit page', async () => {
      const url = `/coop/${a.slug}/products/${productA}`;
      const params = productParams(a, productA);
      const { defaults } = (await call(editLoader, get(url, cookieA), params)) as { defaults: Record<string, string | number | undefined> };
      const fields = Object.fromEntries(Object.entries(defaults).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])));
      expect(redirectOf(await call(editAction, post(url, cookieA, { ...fields, intent: 'save', title: '蔡甸莲藕 5kg（新采）' }), params))).toBe(`${url}?notice=saved`);
      expect(redirectOf(await call(editAction, post(url, cookieA, { intent: 'unpublish' }), params))).toBe(`${url}?notice=unpublished`);
      expect((await app.db.select().from(products).where(eq(products.id, productA)))[0]).toMatchObject({ title: '蔡甸莲藕 5kg（新采）', status: 'draft' });
      expect(redirectOf(await call(editAction, post(url, cookieA, { intent: 'publish' }), params))).toBe(`${url}?notice=published`);
      expect(redirectOf(await call(editAction, post(url, cookieA, { intent: 'archive' }), params))).toBe(`${url}?notice=archived`);
      expect(redirectOf(await call(editAction, post(url, cookieA, { intent: 'restore' }), params))).toBe(`${url}?notice=restored`);
      expect(redirectOf(await call(editAction, post(url, cookieA, { intent: 'publish' }), params))).toBe(`${url}?notice=published`);
      expect((await app.db.select().from(products).where(eq(products.id, productA)))[0]?.status).toBe('published');
    });

    it('flags a product whose GI authorization was revoked, on the dashboard and the product page', async () => {
      const giProduct = await fixtures.productId('caidian-lianou-5kg');
      await app.db.update(products).set({ giRevokedAt: PORTAL_NOW }).where(eq(products.id, giProduct));
      const dashboard = (await call(dashboardLoader, get(`/coop/${a.slug}`, cookieA), { coop: a.slug })) as { flagged: { id: number }[] };
      expect(dashboard.flagged.map((f) => f.id)).toEqual([giProduct]);
      const page = (await call(productLayoutLoader, get(`/coop/${a.slug}/products/${giProduct}`, cookieA), productParams(a, giProduct))) as { product: { giRevokedAt: Date | null } };
      expect(page.product.giRevokedAt).toEqual(PORTAL_NOW);
      await app.db.update(products).set({ giRevokedAt: null }).where(eq(products.id, giProduct));
    });
  });

  describe('variants, stock and stalled stock', () => {
    it('adds a variant with its price in yuan', async () => {
      const url = `/coop/${a.slug}/products/${productA}/variants`;
      expect(redirectOf(await call(variantsAction, post(url, cookieA, { intent: 'add', spec: '10kg 家庭装', price: '99.9', stock: '5', weightGrams: '10500' }), productParams(a, productA)))).toBe(
        `${url}?notice=variantAdded`,
      );
      const [added] = await app.db
        .select()
        .from(productVariants)
        .where(and(eq(productVariants.productId, productA), eq(productVariants.spec, '10kg 家庭装')));
      expect(added).toMatchObject({ priceFen: 9990, stock: 5 });
    });

    it('adjusts stock with a reason and refuses going below zero', async () => {
      const url = `/coop/${a.slug}/products/${productA}/stock`;
      const params = productParams(a, productA);
      const [before] = await app.db.select().from(productVariants).where(eq(productVariants.id, variantA));
      expect(redirectOf(await call(stockAction, post(url, cookieA, { variantId: String(variantA), delta: '12', reason: '新采收入库' }), params))).toBe(`${url}?notice=stockAdjusted`);
      const tooMany = await call(stockAction, post(url, cookieA, { variantId: String(variantA), delta: String(-(before!.stock + 13)), reason: '盘点' }), params);
      expect(replyOf(tooMany).error?.delta).toEqual(['coop:errors.below_zero']);
      const noReason = await call(stockAction, post(url, cookieA, { variantId: String(variantA), delta: '1' }), params);
      expect(replyOf(noReason).error?.reason).toEqual(['coop:stock.reasonRequired']);
      const [after] = await app.db.select().from(productVariants).where(eq(productVariants.id, variantA));
      expect(after!.stock).toBe(before!.stock + 12);
      const { history } = (await call(stockLoader, get(url, cookieA), params)) as { history: { delta: number; reason: string }[] };
      expect(history[0]).toMatchObject({ delta: 12, reason: '新采收入库' });
    });

    it('declares and clears stalled stock', async () => {
      const url = `/coop/${a.slug}/products/${productA}/stalled`;
      const params = productParams(a, productA);
      await app.db.update(stalledStocks).set({ clearedAt: PORTAL_NOW }).where(eq(stalledStocks.productId, productA));
      const fields = { intent: 'declare', quantity: '3000', unit: 'kg', since: '2020-02-10', sellBefore: '2020-03-15', reason: '交通管制，收购商进不来' };
      expect(redirectOf(await call(stalledAction, post(url, cookieA, fields), params))).toBe(`${url}?notice=stalledDeclared`);
      expect(await call(stalledLoader, get(url, cookieA), params)).toMatchObject({ open: true, defaults: { quantity: '3000', sellBefore: '2020-03-15' } });
      const badDates = await call(stalledAction, post(url, cookieA, { ...fields, sellBefore: '2020-02-01' }), params);
      expect(replyOf(badDates).error?.sellBefore).toEqual(['coop:errors.invalid_dates']);
      expect(redirectOf(await call(stalledAction, post(url, cookieA, { intent: 'clear' }), params))).toBe(`${url}?notice=stalledCleared`);
      expect(await call(stalledLoader, get(url, cookieA), params)).toMatchObject({ open: false });
    });
  });

  describe('image uploads', () => {
    const upload = async (file: File) => {
      const form = new FormData();
      form.set('intent', 'upload');
      form.set('alt', '整箱莲藕');
      form.set('image', file);
      return call(imagesAction, post(`/coop/${a.slug}/products/${productA}/images`, cookieA, form), productParams(a, productA));
    };

    it('stores a PNG renamed .jpg as WebP through the multipart form', async () => {
      const url = `/coop/${a.slug}/products/${productA}/images`;
      expect(redirectOf(await upload(fileOf(await makeImage('png'), '莲藕.jpg', 'image/jpeg')))).toBe(`${url}?notice=imageAdded`);
      const [image] = await app.db.select().from(productImages).where(eq(productImages.productId, productA));
      expect(image).toMatchObject({ alt: '整箱莲藕', width: 1200 });
      expect(fs.existsSync(path.join(uploadDir, 'public', image!.path))).toBe(true);
    });

    it('refuses an HTML file named .jpg with a field error', async () => {
      const result = await upload(fileOf(HTML_DOCUMENT, 'photo.jpg', 'image/jpeg'));
      expect(statusOf(result)).toBe(400);
      expect(replyOf(result).error?.image).toEqual(['coop:uploadErrors.unsupported_type']);
    });

    it('refuses more than 5 MB with a form error, not a server error', async () => {
      const result = await upload(fileOf(oversizeJpegLike(5 * 1024 * 1024 + 1024), 'big.jpg', 'image/jpeg'));
      expect(statusOf(result)).toBe(413);
      expect(replyOf(result).error?.image).toEqual(['coop:uploadErrors.too_large']);
    });
  });

  describe('CSV', () => {
    it('downloads a CSV with a BOM and only this cooperative’s products', async () => {
      const response = (await call(exportLoader, get(`/coop/${a.slug}/export`, cookieA), { coop: a.slug })) as Response;
      expect(response.headers.get('Content-Type')).toBe('text/csv; charset=utf-8');
      expect(response.headers.get('Content-Disposition')).toMatch(/^attachment; filename="caidian-lianou-products-2020-02-20\.csv"$/);
      const bytes = new Uint8Array(await response.arrayBuffer());
      expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const text = new TextDecoder().decode(bytes);
      expect(text).toContain('caidian-lianou-5kg');
      expect(text).not.toContain('zigui-qicheng-5kg-gift-box');
    });

    it('imports a file and reports every bad row of a refused one', async () => {
      const url = `/coop/${a.slug}/import`;
      const csv = (rows: string[]) => {
        const form = new FormData();
        form.set('file', fileOf(`\uFEFFproduct_slug,title,category,variant_spec,price_yuan,stock\n${rows.join('\n')}\n`, '商品.csv', 'text/csv'));
        return form;
      };
      const refused = await call(importAction, post(url, cookieA, csv(['caidian-csv-new,新藕,vegetable,1kg,9.9,5', 'zigui-qicheng-5kg-gift-box,抢注,fruit,,,'])), { coop: a.slug });
      expect(statusOf(refused)).toBe(400);
      expect(replyOf<{ problems: unknown[] }>(refused).problems).toEqual([{ line: 3, column: 'product_slug', code: 'other_cooperative' }]);
      expect(await app.db.select().from(products).where(eq(products.slug, 'caidian-csv-new'))).toEqual([]);

      const location = redirectOf(await call(importAction, post(url, cookieA, csv(['caidian-csv-new,新藕,vegetable,1kg,9.9,5'])), { coop: a.slug }));
      expect(location).toBe(`${url}?notice=imported&created=1&updated=0&variants=1&stock=0`);
      expect(await app.db.select().from(products).where(eq(products.slug, 'caidian-csv-new'))).toHaveLength(1);
    });
  });
});
