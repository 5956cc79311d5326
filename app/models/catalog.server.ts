/** Read side of the catalog for the storefront pages. */
import { and, asc, count, desc, eq, isNull, sql } from 'drizzle-orm';
import {
  cooperatives,
  geographicalIndications,
  productImages,
  products,
  productVariants,
  regions,
  stalledStocks,
} from '~/db/schema';
import type { Db } from '~/utils/db.server';

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
  provinceName: string;
  giName: string | null;
  giSlug: string | null;
  cooperativeName: string;
  imagePath: string | null;
  stalledSellBefore: string | null;
  stalledQuantity: number | null;
  stalledUnit: string | null;
}

const province = sql<string>`(select p.name from regions p where p.code = ${regions.provinceCode})`;

/** The cheapest active variant, its stock and the first image are picked per product in one query. */
function cardQuery(db: Db) {
  const cheapest = db
    .selectDistinctOn([productVariants.productId], {
      productId: productVariants.productId,
      spec: productVariants.spec,
      priceFen: productVariants.priceFen,
    })
    .from(productVariants)
    .where(eq(productVariants.active, true))
    .orderBy(productVariants.productId, asc(productVariants.priceFen))
    .as('cheapest');
  return db
    .select({
      id: products.id,
      slug: products.slug,
      title: products.title,
      titleEn: products.titleEn,
      spec: cheapest.spec,
      priceFen: cheapest.priceFen,
      inStock: sql<boolean>`exists (select 1 from product_variants v where v.product_id = ${products.id} and v.active and v.stock > 0)`,
      originRegionCode: products.originRegionCode,
      originName: regions.name,
      provinceName: province,
      giName: sql<string | null>`case when ${products.giRevokedAt} is null then ${geographicalIndications.name} end`,
      giSlug: sql<string | null>`case when ${products.giRevokedAt} is null then ${geographicalIndications.slug} end`,
      cooperativeName: cooperatives.legalName,
      imagePath: sql<string | null>`(select i.path from ${productImages} i where i.product_id = ${products.id} order by i.position limit 1)`,
      stalledSellBefore: stalledStocks.sellBefore,
      stalledQuantity: stalledStocks.quantity,
      stalledUnit: stalledStocks.unit,
    })
    .from(products)
    .innerJoin(cooperatives, eq(cooperatives.id, products.cooperativeId))
    .innerJoin(regions, eq(regions.code, products.originRegionCode))
    .leftJoin(geographicalIndications, eq(geographicalIndications.id, products.giId))
    .leftJoin(cheapest, eq(cheapest.productId, products.id))
    .leftJoin(stalledStocks, and(eq(stalledStocks.productId, products.id), isNull(stalledStocks.clearedAt)))
    .$dynamic();
}

const isListed = and(eq(products.status, 'published'), eq(cooperatives.verificationStatus, 'verified'));

export async function listZoneProducts(db: Db, { limit = 24, offset = 0 } = {}): Promise<ProductCard[]> {
  return cardQuery(db).where(isListed).orderBy(desc(products.publishedAt), desc(products.id)).limit(limit).offset(offset);
}

export async function countListedProducts(db: Db): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(products)
    .innerJoin(cooperatives, eq(cooperatives.id, products.cooperativeId))
    .where(isListed);
  return row?.n ?? 0;
}

export async function countProductsByProvince(db: Db) {
  return db
    .select({ provinceCode: regions.provinceCode, provinceName: province, count: count() })
    .from(products)
    .innerJoin(cooperatives, eq(cooperatives.id, products.cooperativeId))
    .innerJoin(regions, eq(regions.code, products.originRegionCode))
    .where(isListed)
    .groupBy(regions.provinceCode)
    .orderBy(desc(count()), asc(regions.provinceCode));
}
