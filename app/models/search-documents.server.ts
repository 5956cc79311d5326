/**
 * The search documents of listed products: what both search adapters index. A product is listed
 * when it is published and its cooperative is verified. Its GI counts only where the storefront
 * shows the GI badge (catalog.server.ts): an approved authorization of its cooperative, an origin
 * inside the protected area, and the mark not revoked on the product. Catalog writes call
 * `syncSearchDocuments` in their own transaction, so the Postgres index never lags the catalog.
 */
import { inArray, sql, type SQL } from 'drizzle-orm';
import { searchDocuments } from '~/db/schema';
import type { GiKind } from '~/db/schema';
import { queryRows, type Db } from '~/utils/db.server';
import { writeSearchRows } from '~/utils/search/postgres.server';
import { pinyinOf } from '~/utils/search/tokenize';
import type { SearchDocument } from '~/utils/search/types';

interface DocumentRow {
  id: number;
  slug: string;
  title: string;
  title_en: string | null;
  description: string;
  gi_name: string | null;
  gi_slug: string | null;
  gi_kind: GiKind | null;
  category_slug: string;
  category_name: string;
  region_code: string;
  province_code: string;
  region_names: string[];
  cooperative_id: number;
  cooperative_slug: string;
  cooperative_name: string;
  sell_before: string | null;
  in_stock: boolean | null;
  min_price_fen: number | null;
  published_at: string | Date | null;
}

const DAY_MS = 86_400_000;

function documentFromRow(row: DocumentRow): SearchDocument {
  const { full, initials } = pinyinOf(row.title);
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    titleEn: row.title_en,
    titlePinyin: full,
    titleInitials: initials,
    description: row.description,
    giName: row.gi_name,
    giSlug: row.gi_slug,
    giKind: row.gi_kind,
    categorySlug: row.category_slug,
    categoryName: row.category_name,
    regionCode: row.region_code,
    regionNames: row.region_names,
    provinceCode: row.province_code,
    provinceName: row.region_names[0] ?? '',
    cooperativeId: row.cooperative_id,
    cooperativeSlug: row.cooperative_slug,
    cooperativeName: row.cooperative_name,
    stalled: row.sell_before !== null,
    sellBeforeDay: row.sell_before === null ? null : Math.round(Date.parse(`${row.sell_before}T00:00:00Z`) / DAY_MS),
    inStock: row.in_stock === true,
    minPriceFen: row.min_price_fen,
    publishedAt: row.published_at === null ? null : new Date(row.published_at).getTime(),
  };
}

function listedDocumentsQuery(where: SQL) {
  // Region names run from the province down (湖北省, 宜昌市, 秭归县); regions nest at most three deep.
  return sql`
    SELECT p.id, p.slug, p.title, p.title_en, p.description,
      g.name AS gi_name, g.slug AS gi_slug, g.kind AS gi_kind,
      p.category_slug, c.name_zh AS category_name,
      r.code AS region_code, r.province_code,
      array_remove(ARRAY[r2.name, r1.name, r.name], NULL) AS region_names,
      co.id AS cooperative_id, co.slug AS cooperative_slug, co.legal_name AS cooperative_name,
      s.sell_before::text AS sell_before,
      v.in_stock, v.min_price_fen,
      p.published_at
    FROM products p
    JOIN cooperatives co ON co.id = p.cooperative_id AND co.verification_status = 'verified'
    JOIN categories c ON c.slug = p.category_slug
    JOIN regions r ON r.code = p.origin_region_code
    LEFT JOIN regions r1 ON r1.code = r.parent_code
    LEFT JOIN regions r2 ON r2.code = r1.parent_code
    LEFT JOIN geographical_indications g ON g.id = p.gi_id AND p.gi_revoked_at IS NULL
      AND EXISTS (SELECT 1 FROM gi_authorizations ga
        WHERE ga.cooperative_id = p.cooperative_id AND ga.gi_id = p.gi_id AND ga.status = 'approved')
      AND EXISTS (SELECT 1 FROM gi_protected_areas pa
        WHERE pa.gi_id = p.gi_id AND pa.region_code IN (r.code, r.parent_code, r.province_code))
    LEFT JOIN stalled_stocks s ON s.product_id = p.id AND s.cleared_at IS NULL
    LEFT JOIN LATERAL (
      SELECT bool_or(v.stock > 0) AS in_stock, min(v.price_fen)::int AS min_price_fen
      FROM product_variants v WHERE v.product_id = p.id AND v.active
    ) v ON true
    WHERE p.status = 'published' AND ${where}
    ORDER BY p.id`;
}

/** One bound parameter instead of one per id, so a 1,000-id batch is one short statement. */
function intArrayLiteral(ids: readonly number[]): string {
  return `{${ids.map((id) => Math.trunc(id)).join(',')}}`;
}

/** The documents of the listed products among `productIds` (all listed products when omitted). */
export async function buildSearchDocuments(db: Db, productIds?: readonly number[]): Promise<SearchDocument[]> {
  if (productIds && productIds.length === 0) return [];
  const where = productIds ? sql`p.id = ANY(${intArrayLiteral(productIds)}::int[])` : sql`true`;
  const rows = await queryRows<DocumentRow>(db, listedDocumentsQuery(where));
  return rows.map(documentFromRow);
}

/**
 * Brings `search_documents` up to date for these products: listed ones are written, the rest
 * (unpublished, cooperative no longer verified, deleted) removed. Returns the documents written,
 * for the outbox that feeds another engine.
 */
export async function syncSearchDocuments(db: Db, productIds: readonly number[]): Promise<SearchDocument[]> {
  const ids = [...new Set(productIds)];
  if (ids.length === 0) return [];
  const documents = await buildSearchDocuments(db, ids);
  await writeSearchRows(db, documents);
  const listed = new Set(documents.map((d) => d.id));
  const gone = ids.filter((id) => !listed.has(id));
  if (gone.length > 0) await db.delete(searchDocuments).where(inArray(searchDocuments.productId, gone));
  return documents;
}

const REBUILD_BATCH = 1000;

/** Drops every row of a product that is no longer listed (or no longer exists). */
async function removeUnlisted(db: Db): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`WITH gone AS (
          DELETE FROM search_documents sd
          WHERE NOT EXISTS (
            SELECT 1 FROM products p JOIN cooperatives co ON co.id = p.cooperative_id
            WHERE p.id = sd.product_id AND p.status = 'published' AND co.verification_status = 'verified'
          ) RETURNING 1)
        SELECT count(*)::int AS n FROM gone`,
  );
  return row?.n ?? 0;
}

/** Rewrites every search document in batches (fine for 100,000 products) after dropping stale rows. */
export async function rebuildSearchDocuments(db: Db): Promise<{ written: number; removed: number }> {
  const removed = await removeUnlisted(db);
  let written = 0;
  let lastId = 0;
  for (;;) {
    const batch = await queryRows<{ id: number }>(
      db,
      sql`SELECT p.id FROM products p JOIN cooperatives co ON co.id = p.cooperative_id
          WHERE p.id > ${lastId} AND p.status = 'published' AND co.verification_status = 'verified'
          ORDER BY p.id LIMIT ${REBUILD_BATCH}`,
    );
    if (batch.length === 0) break;
    const ids = batch.map((r) => r.id);
    written += (await syncSearchDocuments(db, ids)).length;
    lastId = ids[ids.length - 1]!;
  }
  return { written, removed };
}
