import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, jobs, productImages, products, productVariants, searchDocuments, stalledStocks } from '~/db/schema';
import {
  addProductImage,
  addVariant,
  adjustStock,
  clearStalledStock,
  createProduct,
  declareStalledStock,
  deleteProductImage,
  getPortalDashboard,
  getProductDetail,
  listCooperativeProducts,
  listStockAdjustments,
  moveProductImage,
  ProductRuleError,
  setProductStatus,
  slugFromTitle,
  STOCK_ADJUSTED,
  updateProduct,
  updateVariant,
  type ProductInput,
} from '~/models/products.server';
import { SEARCH_SYNC_JOB } from '~/models/search-sync.server';
import type { Db } from '~/utils/db.server';
import { UploadError } from '~/utils/uploads.server';
import { PORTAL_NOW, seedPortal, writeContext, type SeededCooperative } from '../fixtures/coop-portal';
import { fileOf, HTML_DOCUMENT, makeImage } from '../fixtures/images';
import { describeEachDriver } from '../setup/db';

async function problemsOf(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProductRuleError);
  return (error as ProductRuleError).problems;
}

describeEachDriver('cooperative products', (t) => {
  let db: Db;
  let fixtures: Awaited<ReturnType<typeof seedPortal>>;
  let caidian: SeededCooperative; // verified, 蔡甸莲藕
  let ouxiang: SeededCooperative; // pending verification
  let zigui: SeededCooperative;
  let uploadDir: string;

  beforeAll(async () => {
    db = t.database.db;
    fixtures = await seedPortal(db);
    caidian = await fixtures.coop('caidian-lianou');
    ouxiang = await fixtures.coop('honghu-ouxiang');
    zigui = await fixtures.coop('zigui-chengxiang');
    uploadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dibiao-products-'));
  });

  const plain = (overrides: Partial<ProductInput> = {}): ProductInput => ({
    title: '蔡甸藕带 1kg',
    titleEn: 'Caidian lotus shoots 1 kg',
    categorySlug: 'vegetable',
    giId: null,
    originRegionCode: '420114',
    description: '清脆爽口',
    shippingNote: '冷链发货',
    ...overrides,
  });
  const box = { spec: '1kg 装', priceFen: 5990, stock: 20, weightGrams: 1200 };

  const syncJobsFor = async (productId: number) =>
    (await db.select({ payload: jobs.payload }).from(jobs).where(eq(jobs.kind, SEARCH_SYNC_JOB))).filter((j) =>
      (j.payload as { productIds: number[] }).productIds.includes(productId),
    ).length;

  describe('creating, editing, publishing and archiving', () => {
    it('creates a draft with its first variant and a pinyin slug', async () => {
      const { id, slug } = await createProduct(db, writeContext(caidian.ownerId), caidian.id, { ...plain(), firstVariant: box });
      expect(slug).toBe('cai-dian-ou-dai-1kg');
      const detail = await getProductDetail(db, caidian.id, id);
      expect(detail?.product).toMatchObject({ status: 'draft', title: '蔡甸藕带 1kg', publishedAt: null });
      expect(detail?.variants).toMatchObject([{ spec: '1kg 装', priceFen: 5990, stock: 20, weightGrams: 1200 }]);
      expect(await syncJobsFor(id)).toBe(1);
    });

    it('gives a second product with the same title a different slug', async () => {
      const first = await createProduct(db, writeContext(caidian.ownerId), caidian.id, plain({ title: '蔡甸莲藕礼盒' }));
      const second = await createProduct(db, writeContext(caidian.ownerId), caidian.id, plain({ title: '蔡甸莲藕礼盒' }));
      expect(second.slug).not.toBe(first.slug);
      expect(second.slug.startsWith(first.slug)).toBe(true);
      expect(slugFromTitle('Ünïcode ☃ 苹果')).toMatch(/^[a-z0-9-]+$/);
    });

    it('refuses a taken or malformed slug, an unknown category and an unknown region, all at once', async () => {
      const problems = await problemsOf(
        createProduct(db, writeContext(caidian.ownerId), caidian.id, { ...plain({ categorySlug: 'jewellery', originRegionCode: '999999' }), slug: 'zigui-qicheng-5kg-gift-box' }),
      );
      expect(problems).toEqual(
        expect.arrayContaining([
          { field: 'slug', code: 'slug_taken' },
          { field: 'categorySlug', code: 'unknown_category' },
          { field: 'originRegionCode', code: 'unknown_region' },
        ]),
      );
      expect(await problemsOf(createProduct(db, writeContext(caidian.ownerId), caidian.id, { ...plain(), slug: 'Bad Slug' }))).toEqual([{ field: 'slug', code: 'slug_invalid' }]);
    });

    it('edits, publishes, unpublishes and archives, re-indexing each time', async () => {
      const ctx = writeContext(caidian.ownerId);
      const { id } = await createProduct(db, ctx, caidian.id, { ...plain({ title: '蔡甸藕粉' }), firstVariant: box });
      await updateProduct(db, ctx, caidian.id, id, plain({ title: '蔡甸藕粉 500g', description: '手工晒制' }));
      await setProductStatus(db, ctx, caidian.id, id, 'published');
      let [row] = await db.select().from(products).where(eq(products.id, id));
      expect(row).toMatchObject({ title: '蔡甸藕粉 500g', description: '手工晒制', status: 'published', publishedAt: PORTAL_NOW });
      expect(await db.select({ id: searchDocuments.productId }).from(searchDocuments).where(eq(searchDocuments.productId, id))).toHaveLength(1);

      await setProductStatus(db, ctx, caidian.id, id, 'archived');
      [row] = await db.select().from(products).where(eq(products.id, id));
      expect(row?.status).toBe('archived');
      expect(await db.select().from(searchDocuments).where(eq(searchDocuments.productId, id))).toEqual([]);
      expect(await syncJobsFor(id)).toBe(4);
    });

    it('never publishes a product without an active variant', async () => {
      const { id } = await createProduct(db, writeContext(caidian.ownerId), caidian.id, plain({ title: '无规格商品' }));
      expect(await problemsOf(setProductStatus(db, writeContext(caidian.ownerId), caidian.id, id, 'published'))).toEqual([{ field: 'status', code: 'no_active_variant' }]);
    });

    it('lets an unverified cooperative keep drafts but never publish', async () => {
      const ctx = writeContext(ouxiang.ownerId);
      const { id } = await createProduct(db, ctx, ouxiang.id, { ...plain({ title: '洪湖藕带', originRegionCode: '421083' }), firstVariant: box });
      expect(await problemsOf(setProductStatus(db, ctx, ouxiang.id, id, 'published'))).toEqual([{ field: 'status', code: 'unverified_cooperative' }]);
      expect(
        await problemsOf(createProduct(db, ctx, ouxiang.id, { ...plain({ title: '洪湖藕带二', originRegionCode: '421083' }), firstVariant: box, status: 'published' })),
      ).toEqual([{ field: 'status', code: 'unverified_cooperative' }]);
      const [row] = await db.select({ status: products.status }).from(products).where(eq(products.id, id));
      expect(row?.status).toBe('draft');
    });

    it('never lets a cooperative change or read another cooperative’s product', async () => {
      const foreign = await fixtures.productId('zigui-qicheng-5kg-gift-box');
      const ctx = writeContext(caidian.ownerId);
      expect(await getProductDetail(db, caidian.id, foreign)).toBeUndefined();
      for (const attempt of [
        () => updateProduct(db, ctx, caidian.id, foreign, plain()),
        () => setProductStatus(db, ctx, caidian.id, foreign, 'archived'),
        () => addVariant(db, ctx, caidian.id, foreign, { ...box, spec: '偷偷加的' }),
        () => declareStalledStock(db, ctx, caidian.id, foreign, { quantity: 1, unit: 'kg', since: '2020-02-19', sellBefore: '2020-03-01', reason: '' }),
        () => clearStalledStock(db, ctx, caidian.id, foreign),
      ]) {
        expect(await problemsOf(attempt())).toEqual([{ field: null, code: 'not_found' }]);
      }
      const [row] = await db.select().from(products).where(eq(products.id, foreign));
      expect(row).toMatchObject({ status: 'published', cooperativeId: zigui.id });
      expect(await listStockAdjustments(db, caidian.id, foreign)).toEqual([]);
    });
  });

  describe('variants and stock', () => {
    let productId: number;
    let variantId: number;
    beforeAll(async () => {
      const ctx = writeContext(caidian.ownerId);
      productId = (await createProduct(db, ctx, caidian.id, { ...plain({ title: '蔡甸莲藕 5kg' }), firstVariant: { ...box, spec: '5kg 箱', stock: 10 } })).id;
      variantId = (await getProductDetail(db, caidian.id, productId))!.variants[0]!.id;
    });

    it('adds variants with a unique spec per product', async () => {
      await addVariant(db, writeContext(caidian.ownerId), caidian.id, productId, { spec: '10kg 箱', priceFen: 11_800, stock: 0, weightGrams: 10_500 });
      expect(await problemsOf(addVariant(db, writeContext(caidian.ownerId), caidian.id, productId, { ...box, spec: '10kg 箱' }))).toEqual([{ field: 'spec', code: 'spec_taken' }]);
    });

    it('changes the price and records it in the audit log', async () => {
      await updateVariant(db, writeContext(caidian.ownerId), caidian.id, productId, variantId, { spec: '5kg 箱', priceFen: 6990, weightGrams: 5600 });
      const [variant] = await db.select().from(productVariants).where(eq(productVariants.id, variantId));
      expect(variant).toMatchObject({ priceFen: 6990, weightGrams: 5600, stock: 10 });
      const [event] = await db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.action, 'product.price_changed'), eq(auditEvents.entityId, String(productId))));
      expect(event?.data).toMatchObject({ variantId, before: 5990, after: 6990 });
    });

    it('adjusts stock with a reason kept in the audit log', async () => {
      const ctx = writeContext(caidian.ownerId);
      expect(await adjustStock(db, ctx, caidian.id, productId, variantId, { delta: 15, reason: '新采收入库' })).toEqual({ before: 10, after: 25 });
      expect(await adjustStock(db, ctx, caidian.id, productId, variantId, { delta: -5, reason: '运输损耗' })).toEqual({ before: 25, after: 20 });
      const [event] = await db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.action, STOCK_ADJUSTED), eq(auditEvents.entityId, String(productId)), sql`${auditEvents.data}->>'reason' = '运输损耗'`));
      expect(event).toMatchObject({ actorUserId: caidian.ownerId, entityType: 'product', data: { variantId, before: 25, after: 20, delta: -5, reason: '运输损耗' } });
      const history = await listStockAdjustments(db, caidian.id, productId);
      expect(history.slice(0, 2).map((h) => [h.delta, h.reason])).toEqual([
        [-5, '运输损耗'],
        [15, '新采收入库'],
      ]);
    });

    it('never takes stock below zero and then changes nothing', async () => {
      const auditBefore = (await db.select().from(auditEvents).where(eq(auditEvents.action, STOCK_ADJUSTED))).length;
      expect(await problemsOf(adjustStock(db, writeContext(caidian.ownerId), caidian.id, productId, variantId, { delta: -21, reason: '盘点' }))).toEqual([
        { field: 'delta', code: 'below_zero' },
      ]);
      const [variant] = await db.select({ stock: productVariants.stock }).from(productVariants).where(eq(productVariants.id, variantId));
      expect(variant?.stock).toBe(20);
      expect((await db.select().from(auditEvents).where(eq(auditEvents.action, STOCK_ADJUSTED))).length).toBe(auditBefore);
      expect(await adjustStock(db, writeContext(caidian.ownerId), caidian.id, productId, variantId, { delta: -20, reason: '售罄' })).toEqual({ before: 20, after: 0 });
    });

    it('never adjusts a variant of another cooperative, even with its own product id', async () => {
      const foreignProduct = await fixtures.productId('zigui-qicheng-5kg-gift-box');
      const [foreignVariant] = await db.select().from(productVariants).where(eq(productVariants.productId, foreignProduct));
      const ctx = writeContext(caidian.ownerId);
      expect(await problemsOf(adjustStock(db, ctx, caidian.id, productId, foreignVariant!.id, { delta: 5, reason: 'x' }))).toEqual([{ field: 'delta', code: 'not_found' }]);
      expect(await problemsOf(updateVariant(db, ctx, caidian.id, productId, foreignVariant!.id, { spec: 'x', priceFen: 1, weightGrams: 1 }))).toEqual([
        { field: null, code: 'not_found' },
      ]);
      const [after] = await db.select().from(productVariants).where(eq(productVariants.id, foreignVariant!.id));
      expect(after).toEqual(foreignVariant);
    });

    it('never deactivates the last active variant of a published product', async () => {
      const ctx = writeContext(caidian.ownerId);
      const { id } = await createProduct(db, ctx, caidian.id, { ...plain({ title: '蔡甸藕尖' }), firstVariant: box, status: 'published' });
      const [variant] = await db.select().from(productVariants).where(eq(productVariants.productId, id));
      expect(await problemsOf(updateVariant(db, ctx, caidian.id, id, variant!.id, { ...box, active: false }))).toEqual([{ field: 'active', code: 'no_active_variant' }]);
    });
  });

  describe('stalled stock', () => {
    it('declares, corrects and clears stalled stock', async () => {
      const ctx = writeContext(caidian.ownerId);
      const { id } = await createProduct(db, ctx, caidian.id, { ...plain({ title: '蔡甸滞销莲藕' }), firstVariant: box, status: 'published' });
      await declareStalledStock(db, ctx, caidian.id, id, { quantity: 5000, unit: 'kg', since: '2020-02-01', sellBefore: '2020-03-10', reason: '封路无法外运' });
      await declareStalledStock(db, ctx, caidian.id, id, { quantity: 4200, unit: 'kg', since: '2020-02-01', sellBefore: '2020-03-05', reason: '封路无法外运' });
      const open = await db
        .select()
        .from(stalledStocks)
        .where(and(eq(stalledStocks.productId, id), sql`${stalledStocks.clearedAt} is null`));
      expect(open).toMatchObject([{ quantity: 4200, sellBefore: '2020-03-05', createdBy: caidian.ownerId }]);
      const [doc] = await db.select().from(searchDocuments).where(eq(searchDocuments.productId, id));
      expect(doc).toMatchObject({ stalled: true, sellBefore: '2020-03-05' });
      expect((await getPortalDashboard(db, caidian.id)).stalled.map((s) => s.productId)).toContain(id);

      expect(await clearStalledStock(db, ctx, caidian.id, id)).toBe(true);
      expect(await clearStalledStock(db, ctx, caidian.id, id)).toBe(false);
      const [cleared] = await db.select().from(searchDocuments).where(eq(searchDocuments.productId, id));
      expect(cleared?.stalled).toBe(false);
    });

    it('refuses a sell-before date in the past or before the start', async () => {
      const ctx = writeContext(caidian.ownerId);
      const { id } = await createProduct(db, ctx, caidian.id, plain({ title: '蔡甸日期测试' }));
      const problems = await problemsOf(declareStalledStock(db, ctx, caidian.id, id, { quantity: 1, unit: 'kg', since: '2020-02-25', sellBefore: '2020-02-19', reason: '' }));
      expect(problems).toEqual([
        { field: 'since', code: 'invalid_dates' },
        { field: 'sellBefore', code: 'invalid_dates' },
      ]);
      expect(await db.select().from(stalledStocks).where(eq(stalledStocks.productId, id))).toEqual([]);
    });
  });

  describe('images', () => {
    it('adds, orders and deletes images, files included', async () => {
      const ctx = writeContext(caidian.ownerId);
      const { id } = await createProduct(db, ctx, caidian.id, plain({ title: '蔡甸图片测试' }));
      const first = await addProductImage(db, ctx, uploadDir, caidian.id, id, { file: fileOf(await makeImage('jpeg'), 'a.jpg', 'image/jpeg'), alt: '整箱' });
      const second = await addProductImage(db, ctx, uploadDir, caidian.id, id, { file: fileOf(await makeImage('png'), 'b.png', 'image/png'), alt: '切面' });
      await moveProductImage(db, ctx, caidian.id, id, second, 'up');
      let images = (await getProductDetail(db, caidian.id, id))!.images;
      expect(images.map((i) => i.id)).toEqual([second, first]);
      expect(images[1]).toMatchObject({ alt: '整箱', width: 1200, height: 750 });
      expect(images[0]!.path).toMatch(/^products\/[0-9a-f-]{36}\.webp$/);
      expect(fs.existsSync(path.join(uploadDir, 'public', images[0]!.path))).toBe(true);

      const removedPath = images[0]!.path;
      await deleteProductImage(db, ctx, uploadDir, caidian.id, id, second);
      images = (await getProductDetail(db, caidian.id, id))!.images;
      expect(images.map((i) => i.id)).toEqual([first]);
      expect(fs.existsSync(path.join(uploadDir, 'public', removedPath))).toBe(false);
    });

    it('stores no file for another cooperative’s product and refuses non-images', async () => {
      const foreign = await fixtures.productId('zigui-qicheng-5kg-gift-box');
      const folder = path.join(uploadDir, 'public', 'products');
      const filesBefore = fs.existsSync(folder) ? fs.readdirSync(folder).length : 0;
      const ctx = writeContext(caidian.ownerId);
      expect(await problemsOf(addProductImage(db, ctx, uploadDir, caidian.id, foreign, { file: fileOf(await makeImage('png'), 'a.png', 'image/png'), alt: '' }))).toEqual([
        { field: null, code: 'not_found' },
      ]);
      const { id } = await createProduct(db, ctx, caidian.id, plain({ title: '蔡甸上传测试' }));
      await expect(addProductImage(db, ctx, uploadDir, caidian.id, id, { file: fileOf(HTML_DOCUMENT, 'x.jpg', 'image/jpeg'), alt: '' })).rejects.toBeInstanceOf(UploadError);
      expect(fs.existsSync(folder) ? fs.readdirSync(folder).length : 0).toBe(filesBefore);
      expect(await db.select().from(productImages).where(eq(productImages.productId, foreign))).toEqual([]);
    });
  });

  describe('the portal lists', () => {
    it('lists only this cooperative’s products and flags revoked GIs on the dashboard', async () => {
      const zigProducts = await listCooperativeProducts(db, zigui.id);
      expect(zigProducts.length).toBeGreaterThan(0);
      const own = new Set((await db.select({ id: products.id }).from(products).where(eq(products.cooperativeId, zigui.id))).map((p) => p.id));
      expect(zigProducts.every((p) => own.has(p.id))).toBe(true);

      const giProduct = zigProducts.find((p) => p.giName)!;
      await db.update(products).set({ giRevokedAt: PORTAL_NOW }).where(eq(products.id, giProduct.id));
      const dashboard = await getPortalDashboard(db, zigui.id);
      expect(dashboard.flagged.map((f) => f.id)).toEqual([giProduct.id]);
      expect(dashboard.counts.published).toBe(zigProducts.filter((p) => p.status === 'published').length);
      expect((await getPortalDashboard(db, caidian.id)).flagged).toEqual([]);
    });
  });
});
