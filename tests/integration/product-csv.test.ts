import { parse } from 'csv-parse/sync';
import { and, count, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, jobs, products, productVariants } from '~/db/schema';
import { CSV_COLUMNS, CSV_STOCK_REASON, exportProductsCsv, importProductsCsv } from '~/models/product-csv.server';
import { STOCK_ADJUSTED } from '~/models/products.server';
import type { Db } from '~/utils/db.server';
import { seedPortal, setAuthorization, writeContext, type SeededCooperative } from '../fixtures/coop-portal';
import { describeEachDriver } from '../setup/db';

const HEADER = CSV_COLUMNS.join(',');
type Row = Partial<Record<(typeof CSV_COLUMNS)[number], string>>;

function csvOf(rows: Row[], columns: readonly string[] = CSV_COLUMNS): string {
  const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [columns.join(','), ...rows.map((r) => columns.map((c) => quote(r[c as keyof Row] ?? '')).join(','))].join('\r\n') + '\r\n';
}

function parseExport(text: string): Record<string, string>[] {
  return parse(text, { bom: true, columns: true });
}

describeEachDriver('product CSV', (t) => {
  let db: Db;
  let fixtures: Awaited<ReturnType<typeof seedPortal>>;
  let enshi: SeededCooperative; // verified; 恩施玉露 and 恩施马铃薯
  let ouxiang: SeededCooperative; // unverified, authorization pending
  let zigui: SeededCooperative;
  let hexiang: SeededCooperative;

  beforeAll(async () => {
    db = t.database.db;
    fixtures = await seedPortal(db);
    enshi = await fixtures.coop('enshi-yulu');
    ouxiang = await fixtures.coop('honghu-ouxiang');
    zigui = await fixtures.coop('zigui-chengxiang');
    hexiang = await fixtures.coop('honghu-hexiang');
  });

  /** Everything an import could touch, to prove a refused import changed nothing. */
  async function snapshot() {
    const [p] = await db.select({ n: count() }).from(products);
    const [j] = await db.select({ n: count() }).from(jobs);
    const [a] = await db.select({ n: count() }).from(auditEvents);
    const productRows = await db.select().from(products).orderBy(products.id);
    const variantRows = await db.select().from(productVariants).orderBy(productVariants.id);
    return { products: p!.n, jobs: j!.n, audit: a!.n, productRows, variantRows };
  }

  describe('export', () => {
    it('starts with a UTF-8 BOM and a header, one row per variant, Chinese intact', async () => {
      const text = await exportProductsCsv(db, enshi.id);
      expect(text.charCodeAt(0)).toBe(0xfeff);
      expect(text.slice(1).split('\r\n')[0]).toBe(HEADER);
      const rows = parseExport(text);
      const yulu = rows.filter((r) => r.product_slug === 'enshi-yulu-250g-tin');
      expect(yulu.length).toBeGreaterThan(0);
      expect(yulu[0]).toMatchObject({ gi_slug: 'enshi-yulu', status: 'published', category: 'tea' });
      expect(yulu[0]!.title).toMatch(/恩施玉露/);
      expect(yulu.every((r) => /^\d+\.\d{2}$/.test(r.price_yuan!))).toBe(true);
      // Only this cooperative's products.
      const own = await db.select({ slug: products.slug }).from(products).where(eq(products.cooperativeId, enshi.id));
      expect(new Set(rows.map((r) => r.product_slug))).toEqual(new Set(own.map((p) => p.slug)));
    });

    it('round-trips: importing an unchanged export changes nothing', async () => {
      const before = await snapshot();
      const result = await importProductsCsv(db, writeContext(enshi.ownerId), enshi.id, await exportProductsCsv(db, enshi.id));
      expect(result).toEqual({ ok: true, productsCreated: 0, productsUpdated: 0, variantsCreated: 0, variantsUpdated: 0, stockAdjusted: 0 });
      const after = await snapshot();
      expect(after.productRows).toEqual(before.productRows);
      expect(after.variantRows).toEqual(before.variantRows);
    });

    it('round-trips Chinese text with commas, quotes, line breaks and formula-like cells', async () => {
      const text = await exportProductsCsv(db, enshi.id);
      const rows = parseExport(text);
      const title = '恩施玉露，"蒸青"名茶 =特级';
      const description = '第一行：硒含量高\n第二行，"手工"揉捻';
      const edited = rows.map((r) => (r.product_slug === 'enshi-yulu-250g-tin' ? { ...r, title: `=${title}`, description } : r));
      const result = await importProductsCsv(db, writeContext(enshi.ownerId), enshi.id, '\uFEFF' + csvOf(edited));
      expect(result).toMatchObject({ ok: true, productsUpdated: 1 });
      const [row] = await db.select().from(products).where(eq(products.slug, 'enshi-yulu-250g-tin'));
      expect(row).toMatchObject({ title: `=${title}`, description });
      const again = parseExport(await exportProductsCsv(db, enshi.id)).find((r) => r.product_slug === 'enshi-yulu-250g-tin')!;
      // A spreadsheet never evaluates it; the import restores it.
      expect(again.title).toBe(`'=${title}`);
      expect(again.description).toBe(description);
      expect(await importProductsCsv(db, writeContext(enshi.ownerId), enshi.id, await exportProductsCsv(db, enshi.id))).toMatchObject({ ok: true, productsUpdated: 0 });
    });
  });

  describe('import', () => {
    it('creates products with variants, updates by slug and keeps stock changes in the audit log', async () => {
      const exported = parseExport(await exportProductsCsv(db, enshi.id));
      const potato = exported.find((r) => r.product_slug === 'enshi-malingshu-5kg')!;
      const [{ lastJob } = { lastJob: 0 }] = await db.select({ lastJob: sql<number>`coalesce(max(${jobs.id}), 0)::int` }).from(jobs);
      const csv = csvOf([
        { ...potato, stock: String(Number(potato.stock) + 40), price_yuan: '45.5' },
        { product_slug: 'enshi-xiancha-new', title: '恩施富硒绿茶', category: 'tea', variant_spec: '250g 罐', price_yuan: '88', stock: '30', weight_grams: '400', status: 'published' },
        { product_slug: 'enshi-xiancha-new', title: '恩施富硒绿茶', category: 'tea', variant_spec: '500g 罐', price_yuan: '¥158.00', stock: '10', weight_grams: '700', status: 'published' },
      ]);
      const result = await importProductsCsv(db, writeContext(enshi.ownerId), enshi.id, csv);
      expect(result).toEqual({ ok: true, productsCreated: 1, productsUpdated: 0, variantsCreated: 2, variantsUpdated: 1, stockAdjusted: 1 });

      const [created] = await db.select().from(products).where(eq(products.slug, 'enshi-xiancha-new'));
      expect(created).toMatchObject({ cooperativeId: enshi.id, status: 'published', originRegionCode: enshi.regionCode, giId: null });
      const createdVariants = await db.select().from(productVariants).where(eq(productVariants.productId, created!.id)).orderBy(productVariants.position);
      expect(createdVariants.map((v) => [v.spec, v.priceFen, v.stock])).toEqual([
        ['250g 罐', 8800, 30],
        ['500g 罐', 15800, 10],
      ]);

      const potatoId = await fixtures.productId('enshi-malingshu-5kg');
      const [variant] = await db
        .select()
        .from(productVariants)
        .where(and(eq(productVariants.productId, potatoId), eq(productVariants.spec, potato.variant_spec!)));
      expect(variant).toMatchObject({ priceFen: 4550, stock: Number(potato.stock) + 40 });
      const [audit] = await db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.action, STOCK_ADJUSTED), eq(auditEvents.entityId, String(potatoId))));
      expect(audit?.data).toMatchObject({ delta: 40, reason: CSV_STOCK_REASON, before: Number(potato.stock), after: Number(potato.stock) + 40 });
      const syncJobs = await db
        .select()
        .from(jobs)
        .where(sql`${jobs.payload}->>'reason' = 'csv.import' and ${jobs.id} > ${lastJob}`);
      expect(syncJobs).toHaveLength(1);
      expect((syncJobs[0]!.payload as { productIds: number[] }).productIds.sort()).toEqual([potatoId, created!.id].sort());
    });

    it('changes nothing when one row is bad, and reports the line, column and reason of every bad row', async () => {
      const before = await snapshot();
      const csv = csvOf([
        { product_slug: 'enshi-good-row', title: '恩施好商品', category: 'tea', variant_spec: '1 罐', price_yuan: '10', stock: '5' }, // line 2, fine
        { product_slug: 'enshi-bad-price', title: '价格错误', category: 'tea', variant_spec: '1 罐', price_yuan: '12.345' }, // line 3
        { product_slug: 'zigui-qicheng-5kg-gift-box', title: '别人的商品', category: 'fruit' }, // line 4: another cooperative's slug
        { product_slug: 'enshi-bad-gi', title: '冒用地标', category: 'tea', gi_slug: 'zigui-qicheng' }, // line 5: not authorized
        { product_slug: 'enshi-unknown-gi', title: '未知地标', category: 'tea', gi_slug: 'no-such-gi' }, // line 6
        { product_slug: 'enshi-bad-stock', title: '库存错误', category: 'jewellery', variant_spec: '1 件', price_yuan: '1', stock: '-3' }, // line 7
        { product_slug: 'Bad Slug', title: '', category: 'tea', status: 'sold' }, // line 8
      ]);
      const result = await importProductsCsv(db, writeContext(enshi.ownerId), enshi.id, csv);
      expect(result.ok).toBe(false);
      const problems = result.ok ? [] : result.problems;
      expect(problems.map((p) => [p.line, p.column, p.code])).toEqual([
        [3, 'price_yuan', 'invalid_price'],
        [4, 'product_slug', 'other_cooperative'],
        [5, 'gi_slug', 'not_authorized'],
        [6, 'gi_slug', 'unknown_gi'],
        [7, 'stock', 'invalid_integer'],
        [8, 'product_slug', 'invalid_slug'],
        [8, 'title', 'required'],
        [8, 'status', 'invalid_status'],
      ]);
      const after = await snapshot();
      expect(after).toEqual(before);
      expect(await db.select().from(products).where(eq(products.slug, 'enshi-good-row'))).toEqual([]);
    });

    it('reports rule refusals found while applying, such as an unknown category, and rolls back the rows before them', async () => {
      const before = await snapshot();
      const csv = csvOf([
        { product_slug: 'enshi-rollback-ok', title: '先写入的行', category: 'tea', variant_spec: '1 罐', price_yuan: '10', stock: '5' },
        { product_slug: 'enshi-rollback-bad', title: '类目错误', category: 'jewellery' },
      ]);
      const result = await importProductsCsv(db, writeContext(enshi.ownerId), enshi.id, csv);
      expect(result).toEqual({ ok: false, problems: [{ line: 3, column: 'category', code: 'unknown_category' }] });
      expect(await snapshot()).toEqual(before);
    });

    it('applies the GI trust rule: refused without approval or outside the area, allowed when both hold', async () => {
      const lotus = { title: '洪湖莲藕', category: 'vegetable', gi_slug: 'honghu-lianou', origin_region_code: '421083', variant_spec: '5kg', price_yuan: '59' };
      const pending = await importProductsCsv(db, writeContext(ouxiang.ownerId), ouxiang.id, csvOf([{ product_slug: 'ouxiang-lotus', ...lotus }]));
      expect(pending).toEqual({ ok: false, problems: [{ line: 2, column: 'gi_slug', code: 'not_authorized' }] });

      await setAuthorization(db, zigui.id, await fixtures.giId('honghu-lianou'), 'approved');
      const outside = await importProductsCsv(db, writeContext(zigui.ownerId), zigui.id, csvOf([{ product_slug: 'zigui-lotus', ...lotus, origin_region_code: '' }]));
      expect(outside).toEqual({ ok: false, problems: [{ line: 2, column: 'gi_slug', code: 'outside_protected_area' }] });

      const allowed = await importProductsCsv(db, writeContext(hexiang.ownerId), hexiang.id, csvOf([{ product_slug: 'hexiang-lotus-csv', ...lotus }]));
      expect(allowed).toMatchObject({ ok: true, productsCreated: 1 });
      const [row] = await db.select().from(products).where(eq(products.slug, 'hexiang-lotus-csv'));
      expect(row?.giId).toBe(await fixtures.giId('honghu-lianou'));
    });

    it('never lets an unverified cooperative publish through the import', async () => {
      const result = await importProductsCsv(
        db,
        writeContext(ouxiang.ownerId),
        ouxiang.id,
        csvOf([{ product_slug: 'ouxiang-plain', title: '洪湖藕带', category: 'vegetable', variant_spec: '1kg', price_yuan: '30', status: 'published' }]),
      );
      expect(result).toEqual({ ok: false, problems: [{ line: 2, column: 'status', code: 'unverified_cooperative' }] });
      const draft = await importProductsCsv(
        db,
        writeContext(ouxiang.ownerId),
        ouxiang.id,
        csvOf([{ product_slug: 'ouxiang-plain', title: '洪湖藕带', category: 'vegetable', variant_spec: '1kg', price_yuan: '30', status: '草稿' }]),
      );
      expect(draft).toMatchObject({ ok: true, productsCreated: 1 });
    });

    it('counts lines as an editor does, across quoted line breaks and blank lines', async () => {
      const csv = [
        'product_slug,title,category,description,variant_spec,price_yuan',
        'enshi-lines-a,多行,tea,"第一行',
        '第二行',
        '第三行",1 罐,10',
        '',
        'enshi-lines-b,坏价格,tea,,1 罐,abc',
      ].join('\n');
      const result = await importProductsCsv(db, writeContext(enshi.ownerId), enshi.id, csv);
      expect(result).toEqual({ ok: false, problems: [{ line: 6, column: 'price_yuan', code: 'invalid_price' }] });
    });

    it('reports conflicting product cells and repeated variants within a file', async () => {
      const csv = csvOf([
        { product_slug: 'enshi-dupe', title: '重复', category: 'tea', variant_spec: '1 罐', price_yuan: '10' },
        { product_slug: 'enshi-dupe', title: '重复但不同', category: 'tea', variant_spec: '1 罐', price_yuan: '11' },
      ]);
      const result = await importProductsCsv(db, writeContext(enshi.ownerId), enshi.id, csv);
      expect(result).toEqual({
        ok: false,
        problems: [
          { line: 3, column: 'title', code: 'conflicts_with_line', params: { line: 2 } },
          { line: 3, column: 'variant_spec', code: 'duplicate_variant', params: { line: 2 } },
        ],
      });
    });

    it('refuses malformed files: unknown columns, no slug column, an unclosed quote, no rows', async () => {
      const ctx = writeContext(enshi.ownerId);
      expect(await importProductsCsv(db, ctx, enshi.id, 'product_slug,price,title\nx,1,y\n')).toEqual({ ok: false, problems: [{ line: 1, column: 'price', code: 'unknown_column' }] });
      expect(await importProductsCsv(db, ctx, enshi.id, 'title\n标题\n')).toEqual({ ok: false, problems: [{ line: 1, column: 'product_slug', code: 'missing_column' }] });
      const unclosed = await importProductsCsv(db, ctx, enshi.id, 'product_slug,title\nenshi-x,"未闭合\n');
      expect(unclosed).toMatchObject({ ok: false, problems: [{ column: null, code: 'malformed_csv' }] });
      expect(await importProductsCsv(db, ctx, enshi.id, '\uFEFF' + HEADER + '\r\n')).toEqual({ ok: false, problems: [{ line: 1, column: null, code: 'empty_file' }] });
    });
  });
});
