/**
 * CSV export and import of a cooperative's products, variants and stock: one row per variant,
 * product columns repeated on each of its rows.
 *
 * Export starts with a UTF-8 BOM so Excel opens Chinese correctly, and neutralises cells that a
 * spreadsheet would run as formulas. Import reads every row first and reports every bad one
 * (line, column, reason); then applies all rows in ONE transaction through the same model
 * functions as the forms (so the GI trust rule, verification and stock rules hold), and rolls
 * everything back if any row was refused. A file with any bad row changes nothing.
 *
 * Columns present in the header are written; absent columns keep the product's current value.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { cooperatives, geographicalIndications, products, productVariants, type Product, type ProductVariant } from '~/db/schema';
import type { Db } from '~/utils/db.server';
import { parseYuanToFen } from '~/utils/money';
import { GiClaimError, type GiClaimRefusal } from './gi-claims.server';
import {
  addVariant,
  adjustStock,
  createProduct,
  PRODUCT_LIMITS,
  ProductRuleError,
  setProductStatus,
  SLUG_PATTERN,
  updateProduct,
  updateVariant,
  type ProductInput,
  type ProductProblemCode,
  type ProductStatus,
  type WriteContext,
} from './products.server';
import { enqueueSearchSync } from './search-sync.server';

export const CSV_COLUMNS = [
  'product_slug',
  'title',
  'title_en',
  'category',
  'gi_slug',
  'origin_region_code',
  'description',
  'shipping_note',
  'variant_spec',
  'price_yuan',
  'stock',
  'weight_grams',
  'status',
] as const;
type Column = (typeof CSV_COLUMNS)[number];

export const CSV_MAX_BYTES = 2 * 1024 * 1024;
export const CSV_MAX_ROWS = 2000;
const BOM = '\uFEFF';
/** The reason kept in the audit log for stock set by an import. */
export const CSV_STOCK_REASON = 'CSV 导入';

// ---------------------------------------------------------------- export
/** Cells a spreadsheet would evaluate (=, +, -, @, tab, CR) get a leading apostrophe (OWASP CSV injection). */
function neutraliseFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

function restoreFormulaText(value: string): string {
  return /^'[=+\-@\t\r]/.test(value) ? value.slice(1) : value;
}

function formatYuan(fen: number): string {
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

/** The cooperative's products as CSV text (BOM first), active variants one per row. */
export async function exportProductsCsv(db: Db, cooperativeId: number): Promise<string> {
  const rows = await db
    .select({ product: products, giSlug: geographicalIndications.slug })
    .from(products)
    .leftJoin(geographicalIndications, eq(geographicalIndications.id, products.giId))
    .where(eq(products.cooperativeId, cooperativeId))
    .orderBy(asc(products.id));
  const variants = rows.length
    ? await db
        .select()
        .from(productVariants)
        .where(and(inArray(productVariants.productId, rows.map((r) => r.product.id)), eq(productVariants.active, true)))
        .orderBy(asc(productVariants.position), asc(productVariants.id))
    : [];
  const records: Record<Column, string>[] = [];
  for (const { product: p, giSlug } of rows) {
    const productCells = {
      product_slug: p.slug,
      title: neutraliseFormula(p.title),
      title_en: neutraliseFormula(p.titleEn ?? ''),
      category: p.categorySlug,
      gi_slug: giSlug ?? '',
      origin_region_code: p.originRegionCode,
      description: neutraliseFormula(p.description),
      shipping_note: neutraliseFormula(p.shippingNote),
      status: p.status,
    };
    const own = variants.filter((v) => v.productId === p.id);
    if (own.length === 0) records.push({ ...productCells, variant_spec: '', price_yuan: '', stock: '', weight_grams: '' });
    for (const v of own) {
      records.push({
        ...productCells,
        variant_spec: neutraliseFormula(v.spec),
        price_yuan: formatYuan(v.priceFen),
        stock: String(v.stock),
        weight_grams: String(v.weightGrams),
      });
    }
  }
  return BOM + stringify(records, { header: true, columns: [...CSV_COLUMNS], record_delimiter: 'windows' });
}

// ---------------------------------------------------------------- import: reading rows
/** Codes of the file and its cells; rule refusals reuse the product model's and the GI rule's codes. */
export type CsvProblemCode =
  | 'too_large'
  | 'empty_file'
  | 'too_many_rows'
  | 'malformed_csv'
  | 'unknown_column'
  | 'duplicate_column'
  | 'missing_column'
  | 'required'
  | 'too_long'
  | 'invalid_slug'
  | 'invalid_price'
  | 'invalid_integer'
  | 'invalid_status'
  | 'invalid_region'
  | 'variant_without_spec'
  | 'duplicate_variant'
  | 'conflicts_with_line'
  | 'other_cooperative'
  | GiClaimRefusal
  | ProductProblemCode;

export interface CsvProblem {
  /** 1-based line in the file (the header is line 1). */
  line: number;
  column: Column | string | null;
  code: CsvProblemCode;
  /** Values for the message, e.g. { line: 3 } for a conflict with line 3. */
  params?: Record<string, string | number>;
}

export type ImportResult =
  | { ok: true; productsCreated: number; productsUpdated: number; variantsCreated: number; variantsUpdated: number; stockAdjusted: number }
  | { ok: false; problems: CsvProblem[] };

const STATUS_ALIASES: Record<string, ProductStatus> = {
  draft: 'draft',
  published: 'published',
  archived: 'archived',
  草稿: 'draft',
  上架: 'published',
  已上架: 'published',
  下架: 'archived',
  已下架: 'archived',
  归档: 'archived',
  已归档: 'archived',
};

interface RowValues {
  line: number;
  slug: string;
  product: Partial<{
    title: string;
    titleEn: string | null;
    categorySlug: string;
    giSlug: string | null;
    originRegionCode: string | null;
    description: string;
    shippingNote: string;
    status: ProductStatus;
  }>;
  variant: { spec: string; priceFen?: number; stock?: number; weightGrams?: number } | null;
}

const integerCell = (max: number) => z.string().regex(/^\d{1,9}$/).transform(Number).pipe(z.number().int().min(0).max(max));

/** Reads one row's cells into values, pushing a problem for each bad cell. */
function readRow(line: number, cells: Partial<Record<Column, string>>, problems: CsvProblem[]): RowValues | null {
  const before = problems.length;
  const bad = (column: Column, code: CsvProblemCode) => problems.push({ line, column, code });
  const text = (column: Column) => (cells[column] === undefined ? undefined : restoreFormulaText(cells[column]!.trim()));
  const bounded = (column: Column, max: number, required = false) => {
    const value = text(column);
    if (value === undefined) return undefined;
    if (required && value === '') bad(column, 'required');
    else if (value.length > max) bad(column, 'too_long');
    return value;
  };

  const slug = text('product_slug') ?? '';
  if (slug === '') bad('product_slug', 'required');
  else if (!SLUG_PATTERN.test(slug) || slug.length < PRODUCT_LIMITS.slugMin || slug.length > PRODUCT_LIMITS.slugMax) bad('product_slug', 'invalid_slug');

  const product: RowValues['product'] = {};
  product.title = bounded('title', PRODUCT_LIMITS.titleMax, true);
  const titleEn = bounded('title_en', PRODUCT_LIMITS.titleMax);
  if (titleEn !== undefined) product.titleEn = titleEn || null;
  product.categorySlug = bounded('category', 40, true);
  const giSlug = bounded('gi_slug', 80);
  if (giSlug !== undefined) product.giSlug = giSlug || null;
  const origin = text('origin_region_code');
  if (origin !== undefined) {
    if (origin !== '' && !/^\d{6}$/.test(origin)) bad('origin_region_code', 'invalid_region');
    product.originRegionCode = origin || null;
  }
  product.description = bounded('description', PRODUCT_LIMITS.descriptionMax);
  product.shippingNote = bounded('shipping_note', PRODUCT_LIMITS.shippingNoteMax);
  const status = text('status');
  if (status !== undefined && status !== '') {
    const known = STATUS_ALIASES[status.toLowerCase()];
    if (known) product.status = known;
    else bad('status', 'invalid_status');
  }
  for (const key of Object.keys(product) as (keyof typeof product)[]) if (product[key] === undefined) delete product[key];

  const spec = bounded('variant_spec', PRODUCT_LIMITS.specMax) ?? '';
  const price = text('price_yuan') ?? '';
  const stock = text('stock') ?? '';
  const weight = text('weight_grams') ?? '';
  let variant: RowValues['variant'] = null;
  if (spec === '') {
    for (const [column, value] of [['price_yuan', price], ['stock', stock], ['weight_grams', weight]] as const) {
      if (value !== '') bad(column, 'variant_without_spec');
    }
  } else {
    variant = { spec };
    if (price !== '') {
      const fen = parseYuanToFen(price.replace(/^[¥￥]/, ''));
      if (fen === null || fen <= 0 || fen > PRODUCT_LIMITS.priceFenMax) bad('price_yuan', 'invalid_price');
      else variant.priceFen = fen;
    }
    if (stock !== '') {
      const parsed = integerCell(PRODUCT_LIMITS.stockMax).safeParse(stock);
      if (parsed.success) variant.stock = parsed.data;
      else bad('stock', 'invalid_integer');
    }
    if (weight !== '') {
      const parsed = integerCell(PRODUCT_LIMITS.weightGramsMax).safeParse(weight);
      if (parsed.success) variant.weightGrams = parsed.data;
      else bad('weight_grams', 'invalid_integer');
    }
  }
  return problems.length === before ? { line, slug, product, variant } : null;
}

interface ParsedFile {
  columns: Column[];
  rows: { line: number; cells: Partial<Record<Column, string>> }[];
}

function parseFile(input: string | Uint8Array, problems: CsvProblem[]): ParsedFile | null {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (size > CSV_MAX_BYTES) return problems.push({ line: 0, column: null, code: 'too_large' }), null;
  // One line ending everywhere, so line numbers count as an editor shows them.
  const text = (typeof input === 'string' ? input : new TextDecoder('utf-8').decode(input)).replace(/\r\n?/g, '\n');
  let records: { record: string[]; info: { lines: number }; raw: string }[];
  try {
    records = parse(text, { bom: true, info: true, raw: true, relax_column_count: true }) as unknown as typeof records;
  } catch (error) {
    const line = Number((error as { lines?: number }).lines) || 0;
    problems.push({ line, column: null, code: 'malformed_csv' });
    return null;
  }
  const startLine = (r: (typeof records)[number]) => {
    const body = r.raw.endsWith('\n') ? r.raw.slice(0, -1) : r.raw;
    return r.info.lines - (body.split('\n').length - 1);
  };
  const nonEmpty = records.filter((r) => r.record.some((cell) => cell.trim() !== ''));
  const [header, ...data] = nonEmpty;
  if (!header || data.length === 0) return problems.push({ line: 1, column: null, code: 'empty_file' }), null;
  if (data.length > CSV_MAX_ROWS) return problems.push({ line: startLine(data[CSV_MAX_ROWS]!), column: null, code: 'too_many_rows', params: { max: CSV_MAX_ROWS } }), null;

  const headerLine = startLine(header);
  const names = header.record.map((h) => h.trim().toLowerCase());
  const seen = new Set<string>();
  for (const name of names) {
    if (!(CSV_COLUMNS as readonly string[]).includes(name)) problems.push({ line: headerLine, column: name, code: 'unknown_column' });
    else if (seen.has(name)) problems.push({ line: headerLine, column: name, code: 'duplicate_column' });
    seen.add(name);
  }
  if (!seen.has('product_slug')) problems.push({ line: headerLine, column: 'product_slug', code: 'missing_column' });
  if (problems.length) return null;
  const columns = names as Column[];
  return {
    columns,
    rows: data.map((r) => ({ line: startLine(r), cells: Object.fromEntries(columns.map((c, i) => [c, r.record[i] ?? ''])) })),
  };
}

// ---------------------------------------------------------------- import: applying
const FIELD_TO_COLUMN: Record<string, Column> = {
  slug: 'product_slug',
  title: 'title',
  titleEn: 'title_en',
  categorySlug: 'category',
  giId: 'gi_slug',
  originRegionCode: 'origin_region_code',
  description: 'description',
  shippingNote: 'shipping_note',
  status: 'status',
  spec: 'variant_spec',
  delta: 'stock',
  active: 'variant_spec',
};

class RollBack extends Error {}

/**
 * Imports products and stock from CSV text for one cooperative. Rows update this cooperative's
 * products by slug (and variants by spec) or create new ones; a slug of another cooperative's
 * product is a bad row. Returns counts, or every problem found, in which case nothing changed.
 */
export async function importProductsCsv(db: Db, ctx: Omit<WriteContext, 'syncLater'>, cooperativeId: number, input: string | Uint8Array): Promise<ImportResult> {
  const problems: CsvProblem[] = [];
  const file = parseFile(input, problems);
  if (!file) return { ok: false, problems };

  // Pass 1: every cell of every row.
  const groups = new Map<string, RowValues[]>();
  for (const row of file.rows) {
    const values = readRow(row.line, row.cells, problems);
    if (!values) continue;
    const group = groups.get(values.slug) ?? [];
    const first = group[0];
    if (first) {
      for (const key of Object.keys(values.product) as (keyof RowValues['product'])[]) {
        if (values.product[key] !== first.product[key]) {
          problems.push({ line: values.line, column: productColumn(key), code: 'conflicts_with_line', params: { line: first.line } });
        }
      }
      const twin = values.variant && group.find((g) => g.variant?.spec === values.variant!.spec);
      if (twin) problems.push({ line: values.line, column: 'variant_spec', code: 'duplicate_variant', params: { line: twin.line } });
    }
    group.push(values);
    groups.set(values.slug, group);
  }

  // Pass 2: the rules that need the database, in one transaction rolled back on any problem.
  const counts = { productsCreated: 0, productsUpdated: 0, variantsCreated: 0, variantsUpdated: 0, stockAdjusted: 0 };
  try {
    await db.transaction(async (transaction) => {
      const tx = transaction as unknown as Db;
      const writeCtx: WriteContext = { ...ctx, syncLater: new Set<number>() };
      const [cooperative] = await tx.select({ regionCode: cooperatives.regionCode }).from(cooperatives).where(eq(cooperatives.id, cooperativeId));
      if (!cooperative) throw new Error(`Unknown cooperative ${cooperativeId}`);
      const giSlugs = [...new Set([...groups.values()].flatMap((g) => (g[0]!.product.giSlug ? [g[0]!.product.giSlug] : [])))];
      const gis = giSlugs.length
        ? await tx.select({ id: geographicalIndications.id, slug: geographicalIndications.slug }).from(geographicalIndications).where(inArray(geographicalIndications.slug, giSlugs))
        : [];
      const giIdBySlug = new Map(gis.map((g) => [g.slug, g.id]));

      for (const [slug, rows] of groups) {
        if (rows.some((r) => problems.some((p) => p.line === r.line))) continue;
        await applyGroup(tx, writeCtx, { cooperativeId, cooperativeRegion: cooperative.regionCode, slug, rows, giIdBySlug, problems, counts });
      }
      if (problems.length) throw new RollBack();
      await enqueueSearchSync(tx, [...writeCtx.syncLater!], 'csv.import');
    });
  } catch (error) {
    if (error instanceof RollBack) return { ok: false, problems: sortProblems(problems) };
    throw error;
  }
  if (problems.length) return { ok: false, problems: sortProblems(problems) };
  return { ok: true, ...counts };
}

function productColumn(key: keyof RowValues['product']): Column {
  return key === 'giSlug' ? 'gi_slug' : FIELD_TO_COLUMN[key]!;
}

function sortProblems(problems: CsvProblem[]): CsvProblem[] {
  const order = (c: CsvProblem['column']) => (c === null ? -1 : (CSV_COLUMNS as readonly string[]).indexOf(c));
  return [...problems].sort((a, b) => a.line - b.line || order(a.column) - order(b.column));
}

interface GroupJob {
  cooperativeId: number;
  cooperativeRegion: string;
  slug: string;
  rows: RowValues[];
  giIdBySlug: Map<string, number>;
  problems: CsvProblem[];
  counts: { productsCreated: number; productsUpdated: number; variantsCreated: number; variantsUpdated: number; stockAdjusted: number };
}

/** Runs a model write; a refusal becomes a problem on `line` (field mapped to its column). */
async function attempt(job: GroupJob, line: number, fallbackColumn: Column | null, write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (error instanceof GiClaimError) {
      job.problems.push({ line, column: 'gi_slug', code: error.reason });
      return false;
    }
    if (error instanceof ProductRuleError) {
      for (const p of error.problems) job.problems.push({ line, column: (p.field && FIELD_TO_COLUMN[p.field]) || fallbackColumn, code: p.code });
      return false;
    }
    throw error;
  }
}

async function applyGroup(tx: Db, ctx: WriteContext, job: GroupJob): Promise<void> {
  const first = job.rows[0]!;
  const wanted = first.product;
  const [existing] = await tx.select().from(products).where(eq(products.slug, job.slug));
  if (existing && existing.cooperativeId !== job.cooperativeId) {
    job.problems.push({ line: first.line, column: 'product_slug', code: 'other_cooperative' });
    return;
  }
  let giId: number | null | undefined;
  if (wanted.giSlug !== undefined) {
    giId = wanted.giSlug === null ? null : job.giIdBySlug.get(wanted.giSlug);
    if (giId === undefined) {
      job.problems.push({ line: first.line, column: 'gi_slug', code: 'unknown_gi' });
      return;
    }
  }

  let product: Product;
  if (existing) {
    const input: ProductInput = {
      title: wanted.title ?? existing.title,
      titleEn: wanted.titleEn !== undefined ? wanted.titleEn : existing.titleEn,
      categorySlug: wanted.categorySlug ?? existing.categorySlug,
      giId: giId !== undefined ? giId : existing.giId,
      originRegionCode: wanted.originRegionCode ?? existing.originRegionCode,
      description: wanted.description ?? existing.description,
      shippingNote: wanted.shippingNote ?? existing.shippingNote,
    };
    const changed = (Object.keys(input) as (keyof ProductInput)[]).some((k) => input[k] !== existing[k]);
    // An untouched product is not re-saved, so a stock-only import of a flagged product still works.
    if (changed) {
      if (!(await attempt(job, first.line, null, () => updateProduct(tx, ctx, job.cooperativeId, existing.id, input)))) return;
      job.counts.productsUpdated += 1;
    }
    product = existing;
  } else {
    const missing = (['title', 'categorySlug'] as const).filter((k) => !wanted[k]);
    if (missing.length) {
      for (const k of missing) job.problems.push({ line: first.line, column: FIELD_TO_COLUMN[k]!, code: 'required' });
      return;
    }
    const input = {
      slug: job.slug,
      title: wanted.title!,
      titleEn: wanted.titleEn ?? null,
      categorySlug: wanted.categorySlug!,
      giId: giId ?? null,
      originRegionCode: wanted.originRegionCode ?? job.cooperativeRegion,
      description: wanted.description ?? '',
      shippingNote: wanted.shippingNote ?? '',
    };
    let created: { id: number } | undefined;
    if (!(await attempt(job, first.line, null, async () => (created = await createProduct(tx, ctx, job.cooperativeId, input))))) return;
    job.counts.productsCreated += 1;
    [product] = (await tx.select().from(products).where(eq(products.id, created!.id))) as [Product];
  }

  const variants = await tx.select().from(productVariants).where(eq(productVariants.productId, product.id));
  for (const row of job.rows) {
    if (!row.variant) continue;
    await applyVariant(tx, ctx, job, product, variants.find((v) => v.spec === row.variant!.spec), row);
  }

  if (wanted.status && wanted.status !== product.status) {
    await attempt(job, first.line, 'status', () => setProductStatus(tx, ctx, job.cooperativeId, product.id, wanted.status!));
  }
}

async function applyVariant(tx: Db, ctx: WriteContext, job: GroupJob, product: Product, current: ProductVariant | undefined, row: RowValues) {
  const v = row.variant!;
  if (!current) {
    if (v.priceFen === undefined) {
      job.problems.push({ line: row.line, column: 'price_yuan', code: 'required' });
      return;
    }
    const input = { spec: v.spec, priceFen: v.priceFen, stock: v.stock ?? 0, weightGrams: v.weightGrams ?? 0 };
    if (await attempt(job, row.line, 'variant_spec', () => addVariant(tx, ctx, job.cooperativeId, product.id, input))) job.counts.variantsCreated += 1;
    return;
  }
  const priceFen = v.priceFen ?? current.priceFen;
  const weightGrams = v.weightGrams ?? current.weightGrams;
  if (priceFen !== current.priceFen || weightGrams !== current.weightGrams || !current.active) {
    const ok = await attempt(job, row.line, 'variant_spec', () =>
      updateVariant(tx, ctx, job.cooperativeId, product.id, current.id, { spec: current.spec, priceFen, weightGrams, active: true }),
    );
    if (!ok) return;
    job.counts.variantsUpdated += 1;
  }
  if (v.stock !== undefined && v.stock !== current.stock) {
    const delta = v.stock - current.stock;
    if (await attempt(job, row.line, 'stock', () => adjustStock(tx, ctx, job.cooperativeId, product.id, current.id, { delta, reason: CSV_STOCK_REASON }))) {
      job.counts.stockAdjusted += 1;
    }
  }
}
