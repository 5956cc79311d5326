/**
 * Read side of the catalog for the storefront: the zone, product, GI and cooperative pages.
 *
 * Trust rule: a product shows its GI only when its cooperative holds an approved authorization
 * for that GI, the product's origin lies inside the GI's protected area and the badge was not
 * revoked on the product (`gi_revoked_at`). The rule is part of every query below (`giBadgeHolds`),
 * never read from the product row alone.
 */
import { and, asc, count, desc, eq, gte, isNotNull, isNull, or, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import {
  cooperatives,
  geographicalIndications,
  giAuthorizations,
  giProtectedAreas,
  productImages,
  products,
  productVariants,
  regions,
  stalledStocks,
  type GiKind,
} from '~/db/schema';
import type { Db } from '~/utils/db.server';
import { preparedQuery } from '~/utils/prepared.server';

export interface ProductCard {
  id: number;
  slug: string;
  title: string;
  titleEn: string | null;
  spec: string | null;
  priceFen: number | null;
  inStock: boolean;
  originRegionCode: string;
  originName: string;
  provinceCode: string;
  provinceName: string;
  /** Null unless the GI badge holds (see the module comment). */
  giName: string | null;
  giNameEn: string | null;
  giSlug: string | null;
  giKind: GiKind | null;
  cooperativeSlug: string;
  cooperativeName: string;
  imagePath: string | null;
  imageWidth: number | null;
  imageHeight: number | null;
  stalledSellBefore: string | null;
  stalledQuantity: number | null;
  stalledUnit: string | null;
}

/** What a card in a product grid shows (~/components/product-card): the rest stays on the server. */
export type ProductCardView = Pick<
  ProductCard,
  'id' | 'slug' | 'title' | 'titleEn' | 'spec' | 'priceFen' | 'inStock' | 'originName' | 'provinceName' | 'giName' | 'giNameEn' | 'giKind' | 'imagePath' | 'imageWidth' | 'imageHeight' | 'stalledSellBefore'
>;

/**
 * A card as a grid page sends it to the browser: the page's data is serialized into its HTML
 * (Remix's single fetch), and the cooperative, codes and stalled quantities the grid does not show
 * were a third of the zone's data.
 */
export function toCardView(card: ProductCard): ProductCardView {
  return {
    id: card.id,
    slug: card.slug,
    title: card.title,
    titleEn: card.titleEn,
    spec: card.spec,
    priceFen: card.priceFen,
    inStock: card.inStock,
    originName: card.originName,
    provinceName: card.provinceName,
    giName: card.giName,
    giNameEn: card.giNameEn,
    giKind: card.giKind,
    imagePath: card.imagePath,
    imageWidth: card.imageWidth,
    imageHeight: card.imageHeight,
    stalledSellBefore: card.stalledSellBefore,
  };
}

export interface Page {
  limit: number;
  offset: number;
}

/** The last page a list offers; deeper pages answer empty rather than scanning far offsets. */
export const MAX_PAGE = 1000;

/** A `?page=` value as a page number: anything malformed is page 1, anything huge is capped. */
export function parsePageParam(value: string | null): number {
  const page = value !== null && /^\d{1,9}$/.test(value.trim()) ? Number(value.trim()) : 1;
  return Math.min(Math.max(page, 1), MAX_PAGE);
}

export function pageWindow(page: number, pageSize: number): Page {
  return { limit: pageSize, offset: (page - 1) * pageSize };
}

export function pageCount(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / pageSize));
}

/** The GI's mark holds for a cooperative's goods from an origin: an approved authorization, and the origin inside the protected area. */
const giMarkHolds = (giId: SQL | AnyColumn, cooperativeId: SQL | AnyColumn, originRegionCode: SQL | AnyColumn) => sql`(exists (select 1 from ${giAuthorizations} ga
    where ga.cooperative_id = ${cooperativeId} and ga.gi_id = ${giId} and ga.status = 'approved')
  and exists (select 1 from ${giProtectedAreas} pa join ${regions} o on o.code = ${originRegionCode}
    where pa.gi_id = ${giId} and pa.region_code in (o.code, o.parent_code, o.province_code)))`;

/** The product's GI claim holds; evaluated against the outer `products` row. */
const giBadgeHolds = sql<boolean>`(${products.giId} is not null and ${products.giRevokedAt} is null
  and ${giMarkHolds(products.giId, products.cooperativeId, products.originRegionCode)})`;

/** Published by a verified cooperative: what any visitor may see. */
const isListed = and(eq(products.status, 'published'), eq(cooperatives.verificationStatus, 'verified'));

const provinces = alias(regions, 'province');
const badgeGi = alias(geographicalIndications, 'badge_gi');
const openStalled = and(eq(stalledStocks.productId, products.id), isNull(stalledStocks.clearedAt));
/** An active variant in stock (a card's `inStock`: as `exists`, it is evaluated per card). */
const hasStock = sql<boolean>`exists (select 1 from ${productVariants} sv where sv.product_id = ${products.id} and sv.active and sv.stock > 0)`;

/** One row per product: the cheapest variant in stock (else the cheapest), the first image, the open stalled stock. */
function cardQuery(db: Db) {
  const cheapest = db
    .select({ spec: productVariants.spec, priceFen: productVariants.priceFen })
    .from(productVariants)
    .where(and(eq(productVariants.productId, products.id), eq(productVariants.active, true)))
    .orderBy(sql`${productVariants.stock} > 0 desc`, asc(productVariants.priceFen), asc(productVariants.position))
    .limit(1)
    .as('cheapest');
  const firstImage = db
    .select({ path: productImages.path, width: productImages.width, height: productImages.height })
    .from(productImages)
    .where(eq(productImages.productId, products.id))
    .orderBy(asc(productImages.position), asc(productImages.id))
    .limit(1)
    .as('first_image');
  return db
    .select({
      id: products.id,
      slug: products.slug,
      title: products.title,
      titleEn: products.titleEn,
      spec: cheapest.spec,
      priceFen: cheapest.priceFen,
      inStock: hasStock,
      originRegionCode: products.originRegionCode,
      originName: regions.name,
      provinceCode: regions.provinceCode,
      provinceName: provinces.name,
      giName: badgeGi.name,
      giNameEn: badgeGi.nameEn,
      giSlug: badgeGi.slug,
      giKind: badgeGi.kind,
      cooperativeSlug: cooperatives.slug,
      cooperativeName: cooperatives.legalName,
      imagePath: firstImage.path,
      imageWidth: firstImage.width,
      imageHeight: firstImage.height,
      stalledSellBefore: stalledStocks.sellBefore,
      stalledQuantity: stalledStocks.quantity,
      stalledUnit: stalledStocks.unit,
    })
    .from(products)
    .innerJoin(cooperatives, eq(cooperatives.id, products.cooperativeId))
    .innerJoin(regions, eq(regions.code, products.originRegionCode))
    .innerJoin(provinces, eq(provinces.code, regions.provinceCode))
    .leftJoin(badgeGi, and(eq(badgeGi.id, products.giId), giBadgeHolds))
    .leftJoinLateral(cheapest, sql`true`)
    .leftJoinLateral(firstImage, sql`true`)
    .leftJoin(stalledStocks, openStalled)
    .$dynamic();
}

function listedIn(provinceCode?: string): SQL | undefined {
  return provinceCode ? and(isListed, eq(regions.provinceCode, provinceCode)) : isListed;
}

/** Listed products, newest first, optionally in one province. */
export async function listZoneProducts(db: Db, { limit = 24, offset = 0, provinceCode }: Partial<Page> & { provinceCode?: string } = {}): Promise<ProductCard[]> {
  return cardQuery(db).where(listedIn(provinceCode)).orderBy(desc(products.publishedAt), desc(products.id)).limit(limit).offset(offset);
}

export async function countListedProducts(db: Db, { provinceCode }: { provinceCode?: string } = {}): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(products)
    .innerJoin(cooperatives, eq(cooperatives.id, products.cooperativeId))
    .innerJoin(regions, eq(regions.code, products.originRegionCode))
    .where(listedIn(provinceCode));
  return row?.n ?? 0;
}

/** Listed products per province of origin, most first. */
export async function countProductsByProvince(db: Db) {
  return db
    .select({ provinceCode: regions.provinceCode, provinceName: provinces.name, count: count() })
    .from(products)
    .innerJoin(cooperatives, eq(cooperatives.id, products.cooperativeId))
    .innerJoin(regions, eq(regions.code, products.originRegionCode))
    .innerJoin(provinces, eq(provinces.code, regions.provinceCode))
    .where(isListed)
    .groupBy(regions.provinceCode, provinces.name)
    .orderBy(desc(count()), asc(regions.provinceCode));
}

/**
 * The date an open 产品滞销 report says the product is lost by (its deadline, else filing date +
 * days until loss); null when the product has no such report. Reports are filed by associations
 * and cooperatives (logistics reports issue) and lift the product into the urgent section.
 */
const unsoldReportDeadline = sql<string | null>`(select min(coalesce(lr.deadline, (lr.created_at at time zone 'Asia/Shanghai')::date + lr.days_until_loss))
  from report_products rp join logistics_reports lr on lr.id = rp.report_id
  where rp.product_id = ${products.id} and lr.kind = 'unsold' and lr.status in ('new', 'acknowledged', 'in_progress'))`;
const hasOpenUnsoldReport = sql`exists (select 1 from report_products rp join logistics_reports lr on lr.id = rp.report_id
  where rp.product_id = ${products.id} and lr.kind = 'unsold' and lr.status in ('new', 'acknowledged', 'in_progress'))`;

/**
 * The urgent section: listed goods a buyer can still order that are about to be lost — declared
 * stalled stock, or named by an open 产品滞销 report — the soonest lost first (the earlier of the
 * sell-before date and the report's deadline, then the larger stalled quantity). Stock past its
 * sell-before date is already lost and is left out; cleared stalled stock has no open row.
 */
export async function listUrgentProducts(db: Db, { today, limit = 8, offset = 0 }: Partial<Page> & { today: string }): Promise<ProductCard[]> {
  const loseBy = sql`least(${stalledStocks.sellBefore}, ${unsoldReportDeadline})`;
  // The order is chosen on the bare rows, and cards are built for the page only: building a card
  // (cheapest variant, first image, GI badge) for every stalled product first took seconds at 100k.
  // Only goods with open stalled stock or an open report can be urgent: the planner starts from
  // those few (≈15 % of the catalog) and checks stock per candidate with a scalar sub-select. With
  // `hasStock`'s `exists` in this WHERE it aggregated every variant in the catalog first (100,000
  // products: ≈150–300 → ≈110 ms); in the cards' select list `exists` is the faster of the two.
  const hasStockHere = sql`coalesce((select true from ${productVariants} sv where sv.product_id = ${products.id} and sv.active and sv.stock > 0 limit 1), false)`;
  const candidates = sql`(select ss.product_id from ${stalledStocks} ss where ss.cleared_at is null and ss.sell_before >= ${today}::date
    union all select rp.product_id from report_products rp join logistics_reports lr on lr.id = rp.report_id
      where lr.kind = 'unsold' and lr.status in ('new', 'acknowledged', 'in_progress'))`;
  const page = await db
    .select({ id: products.id })
    .from(products)
    .innerJoin(cooperatives, eq(cooperatives.id, products.cooperativeId))
    .leftJoin(stalledStocks, openStalled)
    .where(
      and(
        sql`${products.id} in ${candidates}`,
        isListed,
        hasStockHere,
        or(gte(stalledStocks.sellBefore, today), and(hasOpenUnsoldReport, sql`coalesce(${unsoldReportDeadline} >= ${today}::date, true)`)),
      ),
    )
    .orderBy(sql`${loseBy} asc nulls last`, sql`${stalledStocks.quantity} desc nulls last`, asc(products.id))
    .limit(limit)
    .offset(offset);
  return getProductCardsByIds(db, page.map((r) => r.id));
}

/** Listed cards by id (search results, a page at a time): the same query for every list of ids. */
const cardsByIds = preparedQuery((db) => cardQuery(db).where(and(isListed, sql`${products.id} = any(${sql.placeholder('ids')}::int[])`)));

/** Cards for listed products among `ids`, in the order given (search results); others are skipped. */
export async function getProductCardsByIds(db: Db, ids: readonly number[]): Promise<ProductCard[]> {
  if (ids.length === 0) return [];
  const rows = await cardsByIds(db).execute({ ids: [...ids] });
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

// ---------------------------------------------------------------- geographical indications

export interface GiSummary {
  slug: string;
  name: string;
  nameEn: string | null;
  kind: GiKind | null;
  productCount: number;
}

/** Listed products whose GI badge holds, counted per GI. */
function listedBadgeCounts(db: Db) {
  // The badge depends only on the GI, the cooperative and the origin: count the listed products per
  // such group first (one pass over products), then check the mark once per group instead of once
  // per product (at 100,000 products: ≈0.6 s → ≈0.1 s for the zone's GI chips).
  const groups = db
    .select({ giId: products.giId, cooperativeId: products.cooperativeId, originRegionCode: products.originRegionCode, n: sql<number>`count(*)`.as('group_n') })
    .from(products)
    .innerJoin(cooperatives, eq(cooperatives.id, products.cooperativeId))
    .where(and(isListed, isNotNull(products.giId), isNull(products.giRevokedAt)))
    .groupBy(products.giId, products.cooperativeId, products.originRegionCode)
    .as('badge_groups');
  return db
    .select({ giId: groups.giId, n: sql<number>`sum(${groups.n})::int`.as('n') })
    .from(groups)
    .where(giMarkHolds(groups.giId, groups.cooperativeId, groups.originRegionCode))
    .groupBy(groups.giId)
    .as('listed_badge_counts');
}

/** GIs with listed products (in one province, when given), most products first. */
export async function listGisWithProducts(db: Db, { provinceCode, limit = 24 }: { provinceCode?: string; limit?: number } = {}): Promise<GiSummary[]> {
  const gi = geographicalIndications;
  const lp = listedBadgeCounts(db);
  const inProvince = provinceCode
    ? sql`exists (select 1 from ${giProtectedAreas} pa join ${regions} r on r.code = pa.region_code where pa.gi_id = ${gi.id} and r.province_code = ${provinceCode})`
    : undefined;
  return db
    .select({ slug: gi.slug, name: gi.name, nameEn: gi.nameEn, kind: gi.kind, productCount: lp.n })
    .from(gi)
    .innerJoin(lp, eq(lp.giId, gi.id))
    .where(inProvince)
    .orderBy(desc(lp.n), asc(gi.name))
    .limit(limit);
}

export interface GiListEntry extends GiSummary {
  provinceCode: string;
  provinceName: string;
}

/** Each GI under each province its protected area touches. */
function giProvinceRows(db: Db) {
  return db
    .selectDistinct({ giId: giProtectedAreas.giId, provinceCode: regions.provinceCode })
    .from(giProtectedAreas)
    .innerJoin(regions, eq(regions.code, giProtectedAreas.regionCode))
    .as('gi_province');
}

/** How many GIs a province holds: the directory puts the provinces with most GIs first. */
const giCountInProvince = (provinceCode: SQL | AnyColumn) =>
  sql<number>`(select count(distinct pa.gi_id) from ${giProtectedAreas} pa join ${regions} r on r.code = pa.region_code where r.province_code = ${provinceCode})`;

/** The GI directory: GIs by province (most GIs first, then province code), by name within one, with their listed product counts. */
export async function listGisByProvince(db: Db, { provinceCode, limit, offset }: Page & { provinceCode?: string }): Promise<GiListEntry[]> {
  const gi = geographicalIndications;
  const gp = giProvinceRows(db);
  const lp = listedBadgeCounts(db);
  return db
    .select({
      slug: gi.slug,
      name: gi.name,
      nameEn: gi.nameEn,
      kind: gi.kind,
      productCount: sql<number>`coalesce(${lp.n}, 0)`,
      provinceCode: gp.provinceCode,
      provinceName: provinces.name,
    })
    .from(gi)
    .innerJoin(gp, eq(gp.giId, gi.id))
    .innerJoin(provinces, eq(provinces.code, gp.provinceCode))
    .leftJoin(lp, eq(lp.giId, gi.id))
    .where(provinceCode ? eq(gp.provinceCode, provinceCode) : undefined)
    .orderBy(desc(giCountInProvince(gp.provinceCode)), asc(gp.provinceCode), asc(gi.name), asc(gi.id))
    .limit(limit)
    .offset(offset);
}

/** Provinces with at least one GI, and how many GIs each holds. */
export async function countGisByProvince(db: Db) {
  const gp = giProvinceRows(db);
  return db
    .select({ provinceCode: gp.provinceCode, provinceName: provinces.name, count: count() })
    .from(gp)
    .innerJoin(provinces, eq(provinces.code, gp.provinceCode))
    .groupBy(gp.provinceCode, provinces.name)
    .orderBy(desc(count()), asc(gp.provinceCode));
}

export interface AreaRegion {
  code: string;
  /** Province first, without repeats: ["湖北省", "宜昌市", "秭归县"]. */
  path: string[];
}

function regionPathNames(...names: (string | null)[]): string[] {
  return names.filter((n, i, all): n is string => Boolean(n) && all.indexOf(n) === i);
}

/** The GI's protected area as JSON rows by region code: the GI page reads it alone, the product page with its row. */
const protectedAreaJson = (giId: SQL | AnyColumn) =>
  sql<ProtectedAreaRow[]>`(select coalesce(json_agg(json_build_object('code', r.code, 'name', r.name, 'parentName', rp.name, 'provinceName', rv.name)
    order by r.code), '[]'::json) from ${giProtectedAreas} pa join ${regions} r on r.code = pa.region_code
    left join ${regions} rp on rp.code = r.parent_code join ${regions} rv on rv.code = r.province_code where pa.gi_id = ${giId})`;

const protectedAreaOfGi = preparedQuery((db) =>
  db
    .select({ area: protectedAreaJson(geographicalIndications.id) })
    .from(geographicalIndications)
    .where(eq(geographicalIndications.id, sql.placeholder('giId'))),
);

/** The GI's protected area, each region with its ancestry names. */
async function getProtectedArea(db: Db, giId: number): Promise<AreaRegion[]> {
  const [row] = await protectedAreaOfGi(db).execute({ giId });
  return (row?.area ?? []).map(toAreaRegion);
}

function toAreaRegion(r: { code: string; name: string; parentName: string | null; provinceName: string }): AreaRegion {
  return { code: r.code, path: regionPathNames(r.provinceName, r.parentName, r.name) };
}

export async function getGiBySlug(db: Db, slug: string) {
  const [gi] = await db
    .select({
      id: geographicalIndications.id,
      slug: geographicalIndications.slug,
      name: geographicalIndications.name,
      nameEn: geographicalIndications.nameEn,
      kind: geographicalIndications.kind,
      otherKinds: geographicalIndications.otherKinds,
      registrationNumber: geographicalIndications.registrationNumber,
      registeredOn: geographicalIndications.registeredOn,
      chinaEuList: geographicalIndications.chinaEuList,
      story: geographicalIndications.story,
      sourceNote: geographicalIndications.sourceNote,
    })
    .from(geographicalIndications)
    .where(eq(geographicalIndications.slug, slug));
  if (!gi) return null;
  return { ...gi, protectedArea: await getProtectedArea(db, gi.id) };
}

const approvedFor = (giId: number) =>
  sql`exists (select 1 from ${giAuthorizations} ga where ga.cooperative_id = ${cooperatives.id} and ga.gi_id = ${giId} and ga.status = 'approved')`;

/** Verified cooperatives that are approved users of the GI's mark. */
export async function listGiProducers(db: Db, giId: number, { limit, offset }: Page) {
  return db
    .select({ slug: cooperatives.slug, legalName: cooperatives.legalName, regionName: regions.name, provinceName: provinces.name })
    .from(cooperatives)
    .innerJoin(regions, eq(regions.code, cooperatives.regionCode))
    .innerJoin(provinces, eq(provinces.code, regions.provinceCode))
    .where(and(eq(cooperatives.verificationStatus, 'verified'), approvedFor(giId)))
    .orderBy(asc(cooperatives.legalName), asc(cooperatives.id))
    .limit(limit)
    .offset(offset);
}

export async function countGiProducers(db: Db, giId: number): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(cooperatives)
    .where(and(eq(cooperatives.verificationStatus, 'verified'), approvedFor(giId)));
  return row?.n ?? 0;
}

const listedWithBadge = (giId: number) => and(isListed, eq(products.giId, giId), giBadgeHolds);

/** Listed products that carry the GI's badge, stalled goods first, then newest. */
export async function listGiProducts(db: Db, giId: number, { limit, offset }: Page): Promise<ProductCard[]> {
  return cardQuery(db)
    .where(listedWithBadge(giId))
    .orderBy(sql`${stalledStocks.sellBefore} asc nulls last`, desc(products.publishedAt), desc(products.id))
    .limit(limit)
    .offset(offset);
}

export async function countGiProducts(db: Db, giId: number): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(products)
    .innerJoin(cooperatives, eq(cooperatives.id, products.cooperativeId))
    .where(listedWithBadge(giId));
  return row?.n ?? 0;
}

// ---------------------------------------------------------------- product page

// The product page's queries run on every visit: their SQL is built once per database.
const productPageRow = preparedQuery((db) => {
  const gi = geographicalIndications;
  const parent = alias(regions, 'parent');
  return db
    .select({
      id: products.id,
      slug: products.slug,
      title: products.title,
      titleEn: products.titleEn,
      description: products.description,
      shippingNote: products.shippingNote,
      status: products.status,
      categorySlug: products.categorySlug,
      publishedAt: products.publishedAt,
      giRevokedAt: products.giRevokedAt,
      originRegionCode: products.originRegionCode,
      originName: regions.name,
      originParentName: parent.name,
      provinceName: provinces.name,
      cooperativeId: cooperatives.id,
      cooperativeSlug: cooperatives.slug,
      cooperativeName: cooperatives.legalName,
      cooperativeStatus: cooperatives.verificationStatus,
      shippingFlatFeeFen: cooperatives.shippingFlatFeeFen,
      freeShippingThresholdFen: cooperatives.freeShippingThresholdFen,
      giId: gi.id,
      giSlug: gi.slug,
      giName: gi.name,
      giNameEn: gi.nameEn,
      giKind: gi.kind,
      giOtherKinds: gi.otherKinds,
      giRegistrationNumber: gi.registrationNumber,
      giRegisteredOn: gi.registeredOn,
      giChinaEuList: gi.chinaEuList,
      giBadge: sql<boolean>`${giBadgeHolds}`,
      giApprovedUser: sql<boolean>`exists (select 1 from ${giAuthorizations} ga
        where ga.cooperative_id = ${products.cooperativeId} and ga.gi_id = ${products.giId} and ga.status = 'approved')`,
      stalledQuantity: stalledStocks.quantity,
      stalledUnit: stalledStocks.unit,
      stalledSince: stalledStocks.since,
      stalledSellBefore: stalledStocks.sellBefore,
      stalledReason: stalledStocks.reason,
      // The variants, images and protected area ride along as JSON: one round trip for the page
      // instead of four (each query a socket write and a backend wake-up). The types below are
      // what json_build_object gives for these integer and text columns; a date or bigint added
      // here would arrive as a string, so map it before use.
      variants: sql<ProductPageVariant[]>`(select coalesce(json_agg(json_build_object('id', v.id, 'spec', v.spec, 'priceFen', v.price_fen, 'stock', v.stock)
        order by v.position, v.id), '[]'::json) from ${productVariants} v where v.product_id = ${products.id} and v.active)`,
      images: sql<ProductPageImage[]>`(select coalesce(json_agg(json_build_object('path', i.path, 'width', i.width, 'height', i.height, 'alt', i.alt)
        order by i.position, i.id), '[]'::json) from ${productImages} i where i.product_id = ${products.id})`,
      protectedArea: protectedAreaJson(products.giId),
    })
    .from(products)
    .innerJoin(cooperatives, eq(cooperatives.id, products.cooperativeId))
    .innerJoin(regions, eq(regions.code, products.originRegionCode))
    .leftJoin(parent, eq(parent.code, regions.parentCode))
    .innerJoin(provinces, eq(provinces.code, regions.provinceCode))
    .leftJoin(gi, eq(gi.id, products.giId))
    .leftJoin(stalledStocks, openStalled)
    .where(eq(products.slug, sql.placeholder('slug')));
});

interface ProductPageVariant {
  id: number;
  spec: string;
  priceFen: number;
  stock: number;
}

interface ProductPageImage {
  path: string;
  width: number;
  height: number;
  alt: string;
}

interface ProtectedAreaRow {
  code: string;
  name: string;
  parentName: string | null;
  provinceName: string;
}

/**
 * Everything the product page shows, whatever the product's status: the caller decides who may
 * see an unlisted product (`listed` false).
 */
export async function getProductPage(db: Db, slug: string) {
  const [row] = await productPageRow(db).execute({ slug });
  if (!row) return null;
  const { variants, images } = row;
  const protectedArea = row.protectedArea.map(toAreaRegion);

  const giPanel =
    row.giId === null
      ? null
      : {
          slug: row.giSlug!,
          name: row.giName!,
          nameEn: row.giNameEn,
          kind: row.giKind,
          otherKinds: row.giOtherKinds ?? [],
          registrationNumber: row.giRegistrationNumber,
          registeredOn: row.giRegisteredOn,
          chinaEuList: row.giChinaEuList,
          protectedArea,
          /** The cooperative holds an approved authorization for this GI's mark. */
          approvedUser: Boolean(row.giApprovedUser),
          /** The badge shows: approved user, origin inside the area, not revoked on the product. */
          badge: Boolean(row.giBadge),
          revokedAt: row.giRevokedAt?.toISOString() ?? null,
        };

  return {
    product: {
      id: row.id,
      slug: row.slug,
      title: row.title,
      titleEn: row.titleEn,
      description: row.description,
      shippingNote: row.shippingNote,
      status: row.status,
      categorySlug: row.categorySlug,
      originRegionCode: row.originRegionCode,
      originPath: regionPathNames(row.provinceName, row.originParentName, row.originName),
    },
    listed: row.status === 'published' && row.cooperativeStatus === 'verified',
    cooperative: {
      id: row.cooperativeId,
      slug: row.cooperativeSlug,
      legalName: row.cooperativeName,
      verificationStatus: row.cooperativeStatus,
      shippingFlatFeeFen: row.shippingFlatFeeFen,
      freeShippingThresholdFen: row.freeShippingThresholdFen,
    },
    gi: giPanel,
    stalled:
      row.stalledSellBefore === null
        ? null
        : {
            quantity: row.stalledQuantity!,
            unit: row.stalledUnit!,
            since: row.stalledSince!,
            sellBefore: row.stalledSellBefore,
            reason: row.stalledReason ?? '',
          },
    variants,
    images,
  };
}

export type ProductPage = NonNullable<Awaited<ReturnType<typeof getProductPage>>>;

// ---------------------------------------------------------------- cooperative shop

/** A cooperative's public details (the business licence facts 电子商务法 第十五条 asks to show) and its approved GIs. */
export async function getCooperativeShop(db: Db, slug: string) {
  const parent = alias(regions, 'parent');
  const [coop] = await db
    .select({
      id: cooperatives.id,
      slug: cooperatives.slug,
      legalName: cooperatives.legalName,
      creditCode: cooperatives.creditCode,
      legalRepresentative: cooperatives.legalRepresentative,
      address: cooperatives.address,
      businessScope: cooperatives.businessScope,
      description: cooperatives.description,
      verificationStatus: cooperatives.verificationStatus,
      verifiedAt: cooperatives.verifiedAt,
      shippingFlatFeeFen: cooperatives.shippingFlatFeeFen,
      freeShippingThresholdFen: cooperatives.freeShippingThresholdFen,
      regionName: regions.name,
      parentName: parent.name,
      provinceName: provinces.name,
    })
    .from(cooperatives)
    .innerJoin(regions, eq(regions.code, cooperatives.regionCode))
    .leftJoin(parent, eq(parent.code, regions.parentCode))
    .innerJoin(provinces, eq(provinces.code, regions.provinceCode))
    .where(eq(cooperatives.slug, slug));
  if (!coop) return null;
  const gis = await db
    .selectDistinct({ slug: geographicalIndications.slug, name: geographicalIndications.name, nameEn: geographicalIndications.nameEn, kind: geographicalIndications.kind })
    .from(giAuthorizations)
    .innerJoin(geographicalIndications, eq(geographicalIndications.id, giAuthorizations.giId))
    .where(and(eq(giAuthorizations.cooperativeId, coop.id), eq(giAuthorizations.status, 'approved')))
    .orderBy(asc(geographicalIndications.name), asc(geographicalIndications.slug), asc(geographicalIndications.nameEn), asc(geographicalIndications.kind));
  const { regionName, parentName, provinceName, verifiedAt, ...rest } = coop;
  return {
    ...rest,
    verifiedAt: verifiedAt?.toISOString() ?? null,
    regionPath: regionPathNames(provinceName, parentName, regionName),
    approvedGis: gis,
  };
}

/** The shop's listed products, stalled goods first, then newest. */
export async function listCooperativeProducts(db: Db, cooperativeId: number, { limit, offset }: Page): Promise<ProductCard[]> {
  return cardQuery(db)
    .where(and(isListed, eq(products.cooperativeId, cooperativeId)))
    .orderBy(sql`${stalledStocks.sellBefore} asc nulls last`, desc(products.publishedAt), desc(products.id))
    .limit(limit)
    .offset(offset);
}

export async function countCooperativeProducts(db: Db, cooperativeId: number): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(products)
    .innerJoin(cooperatives, eq(cooperatives.id, products.cooperativeId))
    .where(and(isListed, eq(products.cooperativeId, cooperativeId)));
  return row?.n ?? 0;
}
