/**
 * The cooperative portal's write side: products, variants, images, stock and stalled stock.
 *
 * Every function takes the cooperative id and finds the record by its id AND that cooperative,
 * so an id posted through another cooperative's URL or a forged hidden field finds nothing
 * (ProductRuleError 'not_found'). Every write that changes what the storefront shows calls
 * `enqueueSearchSync` in its transaction; stock and price changes write the audit log there too.
 * A product's GI always passes the trust rule (gi-claims.server.ts) when it is written.
 */
import crypto from 'node:crypto';
import { and, asc, desc, eq, inArray, isNotNull, isNull, ne, sql } from 'drizzle-orm';
import { pinyin } from 'pinyin-pro';
import {
  categories,
  cooperatives,
  geographicalIndications,
  productImages,
  products,
  productVariants,
  regions,
  stalledStocks,
  type Product,
} from '~/db/schema';
import { chinaDate } from '~/utils/dates';
import type { Db } from '~/utils/db.server';
import { deleteImageUpload, storeImageUpload } from '~/utils/uploads.server';
import { listAuditEvents, recordAudit } from './audit.server';
import { assertGiClaim, listClaimableGis } from './gi-claims.server';
import { enqueueSearchSync } from './search-sync.server';

// ---------------------------------------------------------------- limits shared by forms and CSV
export const PRODUCT_LIMITS = {
  slugMin: 3,
  slugMax: 80,
  titleMax: 80,
  descriptionMax: 5000,
  shippingNoteMax: 500,
  specMax: 60,
  priceFenMax: 10_000_000, // ¥100,000
  stockMax: 1_000_000,
  weightGramsMax: 1_000_000,
  stockReasonMax: 200,
  stalledQuantityMax: 100_000_000,
  stalledUnitMax: 10,
  stalledReasonMax: 500,
  imagesPerProduct: 12,
  imageAltMax: 120,
} as const;

export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const PRODUCT_STATUSES = ['draft', 'published', 'archived'] as const;
export type ProductStatus = (typeof PRODUCT_STATUSES)[number];
/** The audit action of every stock change (before, after, delta, reason in its data). */
export const STOCK_ADJUSTED = 'product.stock_adjusted';

// ---------------------------------------------------------------- errors
export type ProductProblemCode =
  | 'not_found'
  | 'slug_invalid'
  | 'slug_taken'
  | 'unknown_category'
  | 'unknown_region'
  | 'unverified_cooperative'
  | 'no_active_variant'
  | 'spec_taken'
  | 'below_zero'
  | 'too_many_images'
  | 'invalid_dates';

export interface ProductProblem {
  /** The input field at fault (form field name), or null for the whole form. */
  field: string | null;
  code: ProductProblemCode;
}

/** A business rule refused the write; nothing was changed. */
export class ProductRuleError extends Error {
  constructor(public readonly problems: ProductProblem[]) {
    super(`Product rule refused: ${problems.map((p) => `${p.field ?? '-'}:${p.code}`).join(', ')}`);
    this.name = 'ProductRuleError';
  }
}

function refuse(code: ProductProblemCode, field: string | null = null): never {
  throw new ProductRuleError([{ field, code }]);
}

/** The i18n key for a problem (coop namespace). */
export function productProblemKey(code: ProductProblemCode): string {
  return `coop:errors.${code}`;
}

// ---------------------------------------------------------------- context
export interface WriteContext {
  actorUserId: string | null;
  now: Date;
  /**
   * When given, product ids to re-index are collected here and the caller enqueues one search
   * sync in its own (outer) transaction, as the CSV import does for many rows at once.
   */
  syncLater?: Set<number>;
}

async function syncSearch(tx: Db, ctx: WriteContext, productIds: number[], reason: string) {
  if (ctx.syncLater) {
    for (const id of productIds) ctx.syncLater.add(id);
    return;
  }
  await enqueueSearchSync(tx, productIds, reason);
}

function inTransaction<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T> {
  // A transaction is a Db for every query used here; inside an outer one this is a savepoint.
  return db.transaction((tx) => work(tx as unknown as Db));
}

// ---------------------------------------------------------------- cooperatives (portal view)
export interface PortalCooperative {
  id: number;
  slug: string;
  legalName: string;
  regionCode: string;
  verificationStatus: 'pending' | 'verified' | 'rejected' | 'suspended';
}

const portalCooperativeColumns = {
  id: cooperatives.id,
  slug: cooperatives.slug,
  legalName: cooperatives.legalName,
  regionCode: cooperatives.regionCode,
  verificationStatus: cooperatives.verificationStatus,
};

export async function getPortalCooperative(db: Db, slug: string): Promise<PortalCooperative | undefined> {
  const [row] = await db.select(portalCooperativeColumns).from(cooperatives).where(eq(cooperatives.slug, slug));
  return row;
}

export async function listPortalCooperatives(db: Db, cooperativeIds: readonly number[]): Promise<PortalCooperative[]> {
  if (cooperativeIds.length === 0) return [];
  return db
    .select(portalCooperativeColumns)
    .from(cooperatives)
    .where(inArray(cooperatives.id, [...cooperativeIds]))
    .orderBy(asc(cooperatives.legalName));
}

// ---------------------------------------------------------------- reading
export interface ProductListRow {
  id: number;
  slug: string;
  title: string;
  status: ProductStatus;
  giName: string | null;
  giRevokedAt: Date | null;
  variantCount: number;
  totalStock: number;
  minPriceFen: number | null;
  imagePath: string | null;
  stalledSellBefore: string | null;
  updatedAt: Date;
}

export async function listCooperativeProducts(db: Db, cooperativeId: number, filter: { status?: ProductStatus } = {}): Promise<ProductListRow[]> {
  const rows = await db
    .select({
      id: products.id,
      slug: products.slug,
      title: products.title,
      status: products.status,
      giName: geographicalIndications.name,
      giRevokedAt: products.giRevokedAt,
      variantCount: sql<number>`(select count(*)::int from ${productVariants} v where v.product_id = ${products.id} and v.active)`,
      totalStock: sql<number>`(select coalesce(sum(v.stock), 0)::int from ${productVariants} v where v.product_id = ${products.id} and v.active)`,
      minPriceFen: sql<number | null>`(select min(v.price_fen)::int from ${productVariants} v where v.product_id = ${products.id} and v.active)`,
      imagePath: sql<string | null>`(select i.path from ${productImages} i where i.product_id = ${products.id} order by i.position, i.id limit 1)`,
      stalledSellBefore: sql<string | null>`(select s.sell_before::text from ${stalledStocks} s where s.product_id = ${products.id} and s.cleared_at is null)`,
      updatedAt: products.updatedAt,
    })
    .from(products)
    .leftJoin(geographicalIndications, eq(geographicalIndications.id, products.giId))
    .where(and(eq(products.cooperativeId, cooperativeId), filter.status ? eq(products.status, filter.status) : undefined))
    .orderBy(desc(products.updatedAt), desc(products.id));
  return rows.map((r) => ({ ...r, variantCount: Number(r.variantCount), totalStock: Number(r.totalStock), minPriceFen: r.minPriceFen === null ? null : Number(r.minPriceFen) }));
}

/** One product of this cooperative, or undefined (also when it belongs to another cooperative). */
export async function findCooperativeProduct(db: Db, cooperativeId: number, productId: number): Promise<Product | undefined> {
  if (!Number.isSafeInteger(productId) || productId <= 0) return undefined;
  const [row] = await db
    .select()
    .from(products)
    .where(and(eq(products.id, productId), eq(products.cooperativeId, cooperativeId)));
  return row;
}

async function requireProduct(db: Db, cooperativeId: number, productId: number, lock = false): Promise<Product> {
  if (!Number.isSafeInteger(productId) || productId <= 0) refuse('not_found');
  const query = db
    .select()
    .from(products)
    .where(and(eq(products.id, productId), eq(products.cooperativeId, cooperativeId)));
  const [row] = lock ? await query.for('update') : await query;
  return row ?? refuse('not_found');
}

export async function getProductDetail(db: Db, cooperativeId: number, productId: number) {
  const product = await findCooperativeProduct(db, cooperativeId, productId);
  if (!product) return undefined;
  const [gi] = product.giId
    ? await db
        .select({ id: geographicalIndications.id, slug: geographicalIndications.slug, name: geographicalIndications.name, nameEn: geographicalIndications.nameEn })
        .from(geographicalIndications)
        .where(eq(geographicalIndications.id, product.giId))
    : [];
  const [variants, images, [stalled], [origin]] = await Promise.all([
    db.select().from(productVariants).where(eq(productVariants.productId, product.id)).orderBy(asc(productVariants.position), asc(productVariants.id)),
    db.select().from(productImages).where(eq(productImages.productId, product.id)).orderBy(asc(productImages.position), asc(productImages.id)),
    db
      .select()
      .from(stalledStocks)
      .where(and(eq(stalledStocks.productId, product.id), isNull(stalledStocks.clearedAt))),
    db.select({ name: regions.name }).from(regions).where(eq(regions.code, product.originRegionCode)),
  ]);
  return { product, gi: gi ?? null, variants, images, stalled: stalled ?? null, originName: origin?.name ?? null };
}

export type ProductDetail = NonNullable<Awaited<ReturnType<typeof getProductDetail>>>;

export interface StockAdjustment {
  id: number;
  at: Date;
  actorUserId: string | null;
  variantId: number;
  spec: string;
  before: number;
  after: number;
  delta: number;
  reason: string;
}

/** The latest stock adjustments of a product (from the audit log), newest first. */
export async function listStockAdjustments(db: Db, cooperativeId: number, productId: number, limit = 50): Promise<StockAdjustment[]> {
  const product = await findCooperativeProduct(db, cooperativeId, productId);
  if (!product) return [];
  const events = await listAuditEvents(db, { action: STOCK_ADJUSTED, entityType: 'product', entityId: String(product.id), limit });
  return events.map((e) => {
    const data = e.data as Record<string, unknown>;
    return {
      id: e.id,
      at: e.createdAt,
      actorUserId: e.actorUserId,
      variantId: Number(data.variantId),
      spec: String(data.spec ?? ''),
      before: Number(data.before),
      after: Number(data.after),
      delta: Number(data.delta),
      reason: String(data.reason ?? ''),
    };
  });
}

export interface PortalDashboard {
  counts: Record<ProductStatus, number>;
  flagged: { id: number; title: string; giName: string | null; giRevokedAt: Date }[];
  stalled: { productId: number; title: string; quantity: number; unit: string; since: string; sellBefore: string }[];
  outOfStock: { productId: number; title: string; spec: string }[];
}

export async function getPortalDashboard(db: Db, cooperativeId: number): Promise<PortalDashboard> {
  const [countRows, flagged, stalled, outOfStock] = await Promise.all([
    db
      .select({ status: products.status, n: sql<number>`count(*)::int` })
      .from(products)
      .where(eq(products.cooperativeId, cooperativeId))
      .groupBy(products.status),
    db
      .select({ id: products.id, title: products.title, giName: geographicalIndications.name, giRevokedAt: products.giRevokedAt })
      .from(products)
      .leftJoin(geographicalIndications, eq(geographicalIndications.id, products.giId))
      .where(and(eq(products.cooperativeId, cooperativeId), isNotNull(products.giRevokedAt), ne(products.status, 'archived')))
      .orderBy(desc(products.giRevokedAt)),
    db
      .select({
        productId: products.id,
        title: products.title,
        quantity: stalledStocks.quantity,
        unit: stalledStocks.unit,
        since: stalledStocks.since,
        sellBefore: stalledStocks.sellBefore,
      })
      .from(stalledStocks)
      .innerJoin(products, eq(products.id, stalledStocks.productId))
      .where(and(eq(products.cooperativeId, cooperativeId), isNull(stalledStocks.clearedAt)))
      .orderBy(asc(stalledStocks.sellBefore)),
    db
      .select({ productId: products.id, title: products.title, spec: productVariants.spec })
      .from(productVariants)
      .innerJoin(products, eq(products.id, productVariants.productId))
      .where(and(eq(products.cooperativeId, cooperativeId), eq(products.status, 'published'), eq(productVariants.active, true), eq(productVariants.stock, 0)))
      .orderBy(asc(products.title), asc(productVariants.position)),
  ]);
  const counts: Record<ProductStatus, number> = { draft: 0, published: 0, archived: 0 };
  for (const row of countRows) counts[row.status] = Number(row.n);
  return { counts, flagged: flagged.map((f) => ({ ...f, giRevokedAt: f.giRevokedAt! })), stalled, outOfStock };
}

/**
 * The product form's choices: categories, the GIs the cooperative may claim (plus the product's
 * current GI, marked when it can no longer be claimed) and the origin region's name.
 */
export async function getProductFormChoices(db: Db, cooperativeId: number, current: { giId: number | null; originRegionCode: string }) {
  const [categoryRows, claimable, [region]] = await Promise.all([
    db.select().from(categories).orderBy(asc(categories.position)),
    listClaimableGis(db, cooperativeId),
    db.select({ name: regions.name }).from(regions).where(eq(regions.code, current.originRegionCode)),
  ]);
  const gis = claimable.map((g) => ({ id: g.id, name: g.name, nameEn: g.nameEn, claimable: true }));
  if (current.giId !== null && !gis.some((g) => g.id === current.giId)) {
    const [gi] = await db
      .select({ id: geographicalIndications.id, name: geographicalIndications.name, nameEn: geographicalIndications.nameEn })
      .from(geographicalIndications)
      .where(eq(geographicalIndications.id, current.giId));
    if (gi) gis.push({ ...gi, claimable: false });
  }
  return {
    categories: categoryRows.map((c) => ({ slug: c.slug, nameZh: c.nameZh, nameEn: c.nameEn })),
    gis,
    regionName: region?.name ?? null,
  };
}

// ---------------------------------------------------------------- products
export interface ProductInput {
  title: string;
  titleEn: string | null;
  categorySlug: string;
  /** The GI the product claims, or null. Checked against the trust rule on every write. */
  giId: number | null;
  originRegionCode: string;
  description: string;
  shippingNote: string;
}

export interface VariantInput {
  spec: string;
  priceFen: number;
  stock: number;
  weightGrams: number;
}

/** A readable slug from a title: pinyin, lowercased, hyphenated (秭归脐橙 → zigui-qicheng). */
export function slugFromTitle(title: string): string {
  const latin = pinyin(title, { toneType: 'none', separator: '-', nonZh: 'consecutive', v: true })
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return latin.slice(0, PRODUCT_LIMITS.slugMax - 7).replace(/-+$/, '') || 'product';
}

async function slugTaken(db: Db, slug: string): Promise<boolean> {
  const [row] = await db.select({ id: products.id }).from(products).where(eq(products.slug, slug));
  return Boolean(row);
}

async function freeSlugFor(db: Db, title: string): Promise<string> {
  const base = slugFromTitle(title);
  if (base.length >= PRODUCT_LIMITS.slugMin && !(await slugTaken(db, base))) return base;
  for (;;) {
    const candidate = `${base}-${crypto.randomBytes(3).toString('hex')}`;
    if (!(await slugTaken(db, candidate))) return candidate;
  }
}

/** Category and origin exist; the problems are reported per form field. */
async function checkProductReferences(db: Db, input: Pick<ProductInput, 'categorySlug' | 'originRegionCode'>): Promise<ProductProblem[]> {
  const problems: ProductProblem[] = [];
  const [category] = await db.select({ slug: categories.slug }).from(categories).where(eq(categories.slug, input.categorySlug));
  if (!category) problems.push({ field: 'categorySlug', code: 'unknown_category' });
  const [region] = await db.select({ code: regions.code }).from(regions).where(eq(regions.code, input.originRegionCode));
  if (!region) problems.push({ field: 'originRegionCode', code: 'unknown_region' });
  return problems;
}

async function assertPublishable(db: Db, cooperativeId: number, productId: number | null, hasNewVariant = false) {
  const [cooperative] = await db.select({ status: cooperatives.verificationStatus }).from(cooperatives).where(eq(cooperatives.id, cooperativeId));
  if (cooperative?.status !== 'verified') refuse('unverified_cooperative', 'status');
  if (hasNewVariant) return;
  const [variant] = productId
    ? await db
        .select({ id: productVariants.id })
        .from(productVariants)
        .where(and(eq(productVariants.productId, productId), eq(productVariants.active, true)))
        .limit(1)
    : [];
  if (!variant) refuse('no_active_variant', 'status');
}

function isUniqueViolation(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === '23505') return true;
  }
  return false;
}

/**
 * Creates a product of the cooperative, with its first variant when given. `slug` is generated
 * from the title when empty. Publishing at once needs a verified cooperative and a variant.
 */
export async function createProduct(
  db: Db,
  ctx: WriteContext,
  cooperativeId: number,
  input: ProductInput & { slug?: string | null; status?: ProductStatus; firstVariant?: VariantInput | null },
): Promise<{ id: number; slug: string }> {
  try {
    return await inTransaction(db, async (tx) => {
      const problems = await checkProductReferences(tx, input);
      let slug = input.slug?.trim() || null;
      if (slug !== null) {
        if (!SLUG_PATTERN.test(slug) || slug.length < PRODUCT_LIMITS.slugMin || slug.length > PRODUCT_LIMITS.slugMax) problems.push({ field: 'slug', code: 'slug_invalid' });
        else if (await slugTaken(tx, slug)) problems.push({ field: 'slug', code: 'slug_taken' });
      }
      if (problems.length) throw new ProductRuleError(problems);
      if (input.giId !== null) await assertGiClaim(tx, cooperativeId, input.giId, { originRegionCode: input.originRegionCode });
      const status = input.status ?? 'draft';
      if (status === 'published') await assertPublishable(tx, cooperativeId, null, Boolean(input.firstVariant));
      slug ??= await freeSlugFor(tx, input.title);

      const [created] = await tx
        .insert(products)
        .values({
          slug,
          cooperativeId,
          giId: input.giId,
          categorySlug: input.categorySlug,
          originRegionCode: input.originRegionCode,
          title: input.title,
          titleEn: input.titleEn,
          description: input.description,
          shippingNote: input.shippingNote,
          status,
          publishedAt: status === 'published' ? ctx.now : null,
          createdAt: ctx.now,
          updatedAt: ctx.now,
        })
        .returning({ id: products.id, slug: products.slug });
      const product = created!;
      if (input.firstVariant) await insertVariant(tx, ctx, product.id, input.firstVariant, 0);
      await recordAudit(tx, { actorUserId: ctx.actorUserId, action: 'product.created', entityType: 'product', entityId: product.id, data: { slug, status, giId: input.giId } });
      await syncSearch(tx, ctx, [product.id], 'product.created');
      return product;
    });
  } catch (error) {
    if (isUniqueViolation(error)) refuse('slug_taken', 'slug');
    throw error;
  }
}

/**
 * Saves a product's details (its slug never changes), and its status too when given. The GI passes the trust rule again on
 * every save; when it does, a flag left by a revoked authorization (gi_revoked_at) is cleared,
 * so re-claiming a GI after a new approval is just saving the product.
 */
export async function updateProduct(
  db: Db,
  ctx: WriteContext,
  cooperativeId: number,
  productId: number,
  input: ProductInput,
  options: { status?: ProductStatus } = {},
): Promise<void> {
  await inTransaction(db, async (tx) => {
    const product = await requireProduct(tx, cooperativeId, productId, true);
    const problems = await checkProductReferences(tx, input);
    if (problems.length) throw new ProductRuleError(problems);
    if (input.giId !== null) await assertGiClaim(tx, cooperativeId, input.giId, { originRegionCode: input.originRegionCode });
    await tx
      .update(products)
      .set({
        title: input.title,
        titleEn: input.titleEn,
        categorySlug: input.categorySlug,
        giId: input.giId,
        giRevokedAt: null,
        originRegionCode: input.originRegionCode,
        description: input.description,
        shippingNote: input.shippingNote,
        updatedAt: ctx.now,
      })
      .where(eq(products.id, product.id));
    if (product.giId !== input.giId || product.giRevokedAt) {
      await recordAudit(tx, {
        actorUserId: ctx.actorUserId,
        action: 'product.gi_changed',
        entityType: 'product',
        entityId: product.id,
        data: { before: product.giId, after: input.giId, wasRevoked: Boolean(product.giRevokedAt) },
      });
    }
    await syncSearch(tx, ctx, [product.id], 'product.updated');
    // Saving and publishing in one go succeed or fail together.
    if (options.status) await setProductStatus(tx, ctx, cooperativeId, product.id, options.status);
  });
}

/**
 * Publishes, unpublishes (back to draft) or archives a product. Publishing needs a verified
 * cooperative, an active variant and a GI claim that still holds (which clears a revoked flag).
 */
export async function setProductStatus(db: Db, ctx: WriteContext, cooperativeId: number, productId: number, status: ProductStatus): Promise<void> {
  await inTransaction(db, async (tx) => {
    const product = await requireProduct(tx, cooperativeId, productId, true);
    if (product.status === status) return;
    const changes: Partial<typeof products.$inferInsert> = { status, updatedAt: ctx.now };
    if (status === 'published') {
      await assertPublishable(tx, cooperativeId, product.id);
      if (product.giId !== null) {
        await assertGiClaim(tx, cooperativeId, product.giId, { originRegionCode: product.originRegionCode });
        changes.giRevokedAt = null;
      }
      changes.publishedAt = product.publishedAt ?? ctx.now;
    }
    await tx.update(products).set(changes).where(eq(products.id, product.id));
    await recordAudit(tx, { actorUserId: ctx.actorUserId, action: `product.status_changed`, entityType: 'product', entityId: product.id, data: { before: product.status, after: status } });
    await syncSearch(tx, ctx, [product.id], `product.${status}`);
  });
}

// ---------------------------------------------------------------- variants
async function specTaken(db: Db, productId: number, spec: string, exceptVariantId?: number): Promise<boolean> {
  const [row] = await db
    .select({ id: productVariants.id })
    .from(productVariants)
    .where(and(eq(productVariants.productId, productId), eq(productVariants.spec, spec), exceptVariantId ? ne(productVariants.id, exceptVariantId) : undefined));
  return Boolean(row);
}

async function insertVariant(tx: Db, ctx: WriteContext, productId: number, input: VariantInput, position?: number): Promise<number> {
  if (await specTaken(tx, productId, input.spec)) refuse('spec_taken', 'spec');
  const nextPosition =
    position ??
    Number(
      (await tx.select({ n: sql<number>`coalesce(max(${productVariants.position}) + 1, 0)::int` }).from(productVariants).where(eq(productVariants.productId, productId)))[0]?.n ?? 0,
    );
  const [row] = await tx
    .insert(productVariants)
    .values({ productId, spec: input.spec, priceFen: input.priceFen, stock: input.stock, weightGrams: input.weightGrams, position: nextPosition, createdAt: ctx.now, updatedAt: ctx.now })
    .returning({ id: productVariants.id });
  const variantId = row!.id;
  if (input.stock !== 0) {
    await recordAudit(tx, {
      actorUserId: ctx.actorUserId,
      action: STOCK_ADJUSTED,
      entityType: 'product',
      entityId: productId,
      data: { variantId, spec: input.spec, before: 0, after: input.stock, delta: input.stock, reason: 'initial stock' },
    });
  }
  return variantId;
}

export async function addVariant(db: Db, ctx: WriteContext, cooperativeId: number, productId: number, input: VariantInput): Promise<number> {
  return inTransaction(db, async (tx) => {
    const product = await requireProduct(tx, cooperativeId, productId, true);
    const id = await insertVariant(tx, ctx, product.id, input);
    await tx.update(products).set({ updatedAt: ctx.now }).where(eq(products.id, product.id));
    await syncSearch(tx, ctx, [product.id], 'variant.created');
    return id;
  });
}

async function requireVariant(tx: Db, productId: number, variantId: number) {
  if (!Number.isSafeInteger(variantId) || variantId <= 0) refuse('not_found');
  const [variant] = await tx
    .select()
    .from(productVariants)
    .where(and(eq(productVariants.id, variantId), eq(productVariants.productId, productId)))
    .for('update');
  return variant ?? refuse('not_found');
}

/** Changes a variant's spec, price, weight and whether it is sold; stock only moves by adjustStock. */
export async function updateVariant(
  db: Db,
  ctx: WriteContext,
  cooperativeId: number,
  productId: number,
  variantId: number,
  input: Omit<VariantInput, 'stock'> & { active?: boolean },
): Promise<void> {
  await inTransaction(db, async (tx) => {
    const product = await requireProduct(tx, cooperativeId, productId, true);
    const variant = await requireVariant(tx, product.id, variantId);
    if (input.spec !== variant.spec && (await specTaken(tx, product.id, input.spec, variant.id))) refuse('spec_taken', 'spec');
    const active = input.active ?? variant.active;
    if (!active && product.status === 'published') {
      const [other] = await tx
        .select({ id: productVariants.id })
        .from(productVariants)
        .where(and(eq(productVariants.productId, product.id), eq(productVariants.active, true), ne(productVariants.id, variant.id)))
        .limit(1);
      if (!other) refuse('no_active_variant', 'active');
    }
    await tx
      .update(productVariants)
      .set({ spec: input.spec, priceFen: input.priceFen, weightGrams: input.weightGrams, active, updatedAt: ctx.now })
      .where(eq(productVariants.id, variant.id));
    if (variant.priceFen !== input.priceFen) {
      await recordAudit(tx, {
        actorUserId: ctx.actorUserId,
        action: 'product.price_changed',
        entityType: 'product',
        entityId: product.id,
        data: { variantId: variant.id, spec: input.spec, before: variant.priceFen, after: input.priceFen },
      });
    }
    await tx.update(products).set({ updatedAt: ctx.now }).where(eq(products.id, product.id));
    await syncSearch(tx, ctx, [product.id], 'variant.updated');
  });
}

/**
 * Moves a variant's stock by `delta` (positive or negative) and keeps the reason in the audit
 * log. The update is one conditional statement, so concurrent sales and adjustments can never
 * take stock below zero (ProductRuleError 'below_zero' instead).
 */
export async function adjustStock(
  db: Db,
  ctx: WriteContext,
  cooperativeId: number,
  productId: number,
  variantId: number,
  { delta, reason }: { delta: number; reason: string },
): Promise<{ before: number; after: number }> {
  return inTransaction(db, async (tx) => {
    const product = await requireProduct(tx, cooperativeId, productId);
    if (!Number.isSafeInteger(variantId) || variantId <= 0) refuse('not_found');
    const [row] = await tx
      .update(productVariants)
      .set({ stock: sql`${productVariants.stock} + ${delta}`, updatedAt: ctx.now })
      .where(and(eq(productVariants.id, variantId), eq(productVariants.productId, product.id), sql`${productVariants.stock} + ${delta} >= 0`))
      .returning({ stock: productVariants.stock, spec: productVariants.spec });
    if (!row) {
      const [exists] = await tx
        .select({ id: productVariants.id })
        .from(productVariants)
        .where(and(eq(productVariants.id, variantId), eq(productVariants.productId, product.id)));
      refuse(exists ? 'below_zero' : 'not_found', 'delta');
    }
    const after = row.stock;
    const before = after - delta;
    await recordAudit(tx, {
      actorUserId: ctx.actorUserId,
      action: STOCK_ADJUSTED,
      entityType: 'product',
      entityId: product.id,
      data: { variantId, spec: row.spec, before, after, delta, reason },
    });
    await syncSearch(tx, ctx, [product.id], 'stock.adjusted');
    return { before, after };
  });
}

// ---------------------------------------------------------------- images
/**
 * Stores an uploaded image (uploads.server.ts checks and re-encodes it) and appends it to the
 * product's images. The product is checked first, so a foreign id stores no file.
 */
export async function addProductImage(
  db: Db,
  ctx: WriteContext,
  uploadDir: string,
  cooperativeId: number,
  productId: number,
  { file, alt }: { file: File | Blob; alt: string },
): Promise<number> {
  const product = await requireProduct(db, cooperativeId, productId);
  const [{ n } = { n: 0 }] = await db.select({ n: sql<number>`count(*)::int` }).from(productImages).where(eq(productImages.productId, product.id));
  if (Number(n) >= PRODUCT_LIMITS.imagesPerProduct) refuse('too_many_images', 'image');
  const stored = await storeImageUpload(uploadDir, file, { folder: 'products' });
  try {
    return await inTransaction(db, async (tx) => {
      await requireProduct(tx, cooperativeId, productId, true);
      const [{ next } = { next: 0 }] = await tx
        .select({ next: sql<number>`coalesce(max(${productImages.position}) + 1, 0)::int` })
        .from(productImages)
        .where(eq(productImages.productId, product.id));
      const [row] = await tx
        .insert(productImages)
        .values({ productId: product.id, path: stored.path, width: stored.width, height: stored.height, alt, position: Number(next), createdAt: ctx.now })
        .returning({ id: productImages.id });
      await tx.update(products).set({ updatedAt: ctx.now }).where(eq(products.id, product.id));
      await syncSearch(tx, ctx, [product.id], 'image.added');
      return row!.id;
    });
  } catch (error) {
    await deleteImageUpload(uploadDir, stored.path);
    throw error;
  }
}

export async function deleteProductImage(db: Db, ctx: WriteContext, uploadDir: string, cooperativeId: number, productId: number, imageId: number): Promise<void> {
  const removedPath = await inTransaction(db, async (tx) => {
    const product = await requireProduct(tx, cooperativeId, productId, true);
    if (!Number.isSafeInteger(imageId) || imageId <= 0) refuse('not_found');
    const [removed] = await tx
      .delete(productImages)
      .where(and(eq(productImages.id, imageId), eq(productImages.productId, product.id)))
      .returning({ path: productImages.path });
    if (!removed) refuse('not_found');
    await tx.update(products).set({ updatedAt: ctx.now }).where(eq(products.id, product.id));
    await syncSearch(tx, ctx, [product.id], 'image.deleted');
    return removed.path;
  });
  // Files go only once the row is gone for good; a failed delete leaves an orphan, never a broken image.
  await deleteImageUpload(uploadDir, removedPath);
}

/** Moves an image one place earlier or later; the first image is the product's cover. */
export async function moveProductImage(db: Db, ctx: WriteContext, cooperativeId: number, productId: number, imageId: number, direction: 'up' | 'down'): Promise<void> {
  await inTransaction(db, async (tx) => {
    const product = await requireProduct(tx, cooperativeId, productId, true);
    const images = await tx
      .select({ id: productImages.id })
      .from(productImages)
      .where(eq(productImages.productId, product.id))
      .orderBy(asc(productImages.position), asc(productImages.id));
    const index = images.findIndex((i) => i.id === imageId);
    if (index < 0) refuse('not_found');
    const target = direction === 'up' ? index - 1 : index + 1;
    if (target < 0 || target >= images.length) return;
    const order = images.map((i) => i.id);
    [order[index], order[target]] = [order[target]!, order[index]!];
    for (const [position, id] of order.entries()) await tx.update(productImages).set({ position }).where(eq(productImages.id, id));
    await syncSearch(tx, ctx, [product.id], 'image.moved');
  });
}

// ---------------------------------------------------------------- stalled stock
export interface StalledStockInput {
  quantity: number;
  unit: string;
  /** China calendar dates, YYYY-MM-DD. */
  since: string;
  sellBefore: string;
  reason: string;
}

/**
 * Declares (or corrects) the product's open stalled stock: since no later than today, sell
 * before no earlier than today and not before `since`.
 */
export async function declareStalledStock(db: Db, ctx: WriteContext, cooperativeId: number, productId: number, input: StalledStockInput): Promise<void> {
  const today = chinaDate(ctx.now);
  const problems: ProductProblem[] = [];
  if (input.since > today) problems.push({ field: 'since', code: 'invalid_dates' });
  if (input.sellBefore < today || input.sellBefore < input.since) problems.push({ field: 'sellBefore', code: 'invalid_dates' });
  await inTransaction(db, async (tx) => {
    const product = await requireProduct(tx, cooperativeId, productId, true);
    if (problems.length) throw new ProductRuleError(problems);
    const [open] = await tx
      .select({ id: stalledStocks.id })
      .from(stalledStocks)
      .where(and(eq(stalledStocks.productId, product.id), isNull(stalledStocks.clearedAt)))
      .for('update');
    const values = { quantity: input.quantity, unit: input.unit, since: input.since, sellBefore: input.sellBefore, reason: input.reason };
    if (open) await tx.update(stalledStocks).set(values).where(eq(stalledStocks.id, open.id));
    else await tx.insert(stalledStocks).values({ ...values, productId: product.id, createdBy: ctx.actorUserId, createdAt: ctx.now });
    await recordAudit(tx, { actorUserId: ctx.actorUserId, action: 'product.stalled_declared', entityType: 'product', entityId: product.id, data: { ...values } });
    await syncSearch(tx, ctx, [product.id], 'stalled.declared');
  });
}

/** Marks the open stalled stock as sold or otherwise resolved; nothing open is no change. */
export async function clearStalledStock(db: Db, ctx: WriteContext, cooperativeId: number, productId: number): Promise<boolean> {
  return inTransaction(db, async (tx) => {
    const product = await requireProduct(tx, cooperativeId, productId, true);
    const cleared = await tx
      .update(stalledStocks)
      .set({ clearedAt: ctx.now })
      .where(and(eq(stalledStocks.productId, product.id), isNull(stalledStocks.clearedAt)))
      .returning({ id: stalledStocks.id });
    if (cleared.length === 0) return false;
    await recordAudit(tx, { actorUserId: ctx.actorUserId, action: 'product.stalled_cleared', entityType: 'product', entityId: product.id });
    await syncSearch(tx, ctx, [product.id], 'stalled.cleared');
    return true;
  });
}
