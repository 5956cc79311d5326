/**
 * The default search adapter: PostgreSQL full-text search over `search_documents` (on PGlite and
 * PostgreSQL alike). Each row holds a `tsvector` of CJK bigrams, single characters and pinyin
 * tokens (see tokenize.ts) under a GIN index, each lexeme in the namespace of the best field it
 * occurs in; queries are tsquery literals bound as parameters.
 *
 * Relevance: title matches first, then GI name, region or cooperative, category or description;
 * within each, stalled goods by sell-before date, then the newest. Ranking by field through the
 * index, rather than ts_rank over every match, is what keeps broad words fast: measured on
 * 100,000 products, ts_rank ordering took 77 ms for 脐橙 (7,000 matches) and 490 ms for 湖北.
 *
 * What costs most now is counting: a count or facet scan visits every matching heap row (the
 * bitmap heap scan's skip-fetch is off in current PostgreSQL releases), and a row is about
 * 1.1 kB, the tsvector inline (below the 2 kB at which TOAST would move it out; lowering
 * toast_tuple_target does not make it), 7 rows to a page. 湖北's 24,000 matches touch 11,500 of
 * the 13,000 pages of a 100,000-product catalog, about 17 ms of CPU for a bare count.
 */
import { inArray, sql, type SQL } from 'drizzle-orm';
import { searchDocuments } from '~/db/schema';
import { queryRows, type Db } from '~/utils/db.server';
import { documentTokens, FIELD_CLASSES, highlightTitle, queryTokens, toTsquery, toTsvectorLiteral } from './tokenize';
import type {
  FacetValue,
  SearchAdapter,
  SearchDocument,
  SearchFacets,
  SearchFilters,
  SearchQuery,
  SearchResult,
  SearchSort,
  Suggestion,
} from './types';

const FACET_LIMIT = 30;
const WRITE_BATCH = 500;

export const GI_KIND_LABELS: Record<string, string> = {
  protected_product: '地理标志保护产品',
  certification_mark: '地理标志证明商标',
  collective_mark: '地理标志集体商标',
  agricultural_product: '农产品地理标志',
};

function dayToIsoDate(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/** Writes (or replaces) the rows of `search_documents` for these documents. */
export async function writeSearchRows(db: Db, documents: readonly SearchDocument[]): Promise<void> {
  for (let i = 0; i < documents.length; i += WRITE_BATCH) {
    const rows = documents.slice(i, i + WRITE_BATCH).map((d) => ({
      productId: d.id,
      tokens: sql`${toTsvectorLiteral(
        documentTokens({
          title: d.title,
          titleEn: d.titleEn,
          giName: d.giName,
          regionNames: d.regionNames,
          cooperativeName: d.cooperativeName,
          categoryName: d.categoryName,
          description: d.description,
        }),
      )}::tsvector`,
      title: d.title,
      provinceCode: d.provinceCode,
      regionCode: d.regionCode,
      categorySlug: d.categorySlug,
      giId: d.giSlug === null ? null : sql`(SELECT id FROM geographical_indications WHERE slug = ${d.giSlug})`,
      giKind: d.giKind,
      cooperativeId: d.cooperativeId,
      stalled: d.stalled,
      sellBefore: d.sellBeforeDay === null ? null : dayToIsoDate(d.sellBeforeDay),
      inStock: d.inStock,
      minPriceFen: d.minPriceFen,
      publishedAt: d.publishedAt === null ? null : new Date(d.publishedAt),
      updatedAt: sql`now()`,
    }));
    await db
      .insert(searchDocuments)
      .values(rows)
      .onConflictDoUpdate({
        target: searchDocuments.productId,
        set: {
          tokens: sql`excluded.tokens`,
          title: sql`excluded.title`,
          provinceCode: sql`excluded.province_code`,
          regionCode: sql`excluded.region_code`,
          categorySlug: sql`excluded.category_slug`,
          giId: sql`excluded.gi_id`,
          giKind: sql`excluded.gi_kind`,
          cooperativeId: sql`excluded.cooperative_id`,
          stalled: sql`excluded.stalled`,
          sellBefore: sql`excluded.sell_before`,
          inStock: sql`excluded.in_stock`,
          minPriceFen: sql`excluded.min_price_fen`,
          publishedAt: sql`excluded.published_at`,
          updatedAt: sql`excluded.updated_at`,
        },
      });
  }
}

/** Filters as SQL conditions on `search_documents sd`, every value bound as a parameter. */
export function filterConditions(filters: SearchFilters): SQL[] {
  const conditions: SQL[] = [];
  if (filters.provinceCode) conditions.push(sql`sd.province_code = ${filters.provinceCode}`);
  if (filters.categorySlug) conditions.push(sql`sd.category_slug = ${filters.categorySlug}`);
  if (filters.giSlug) conditions.push(sql`sd.gi_id = (SELECT id FROM geographical_indications WHERE slug = ${filters.giSlug})`);
  if (filters.giKind) conditions.push(sql`sd.gi_kind = ${filters.giKind}::gi_kind`);
  if (filters.cooperativeSlug)
    conditions.push(sql`sd.cooperative_id = (SELECT id FROM cooperatives WHERE slug = ${filters.cooperativeSlug})`);
  if (filters.stalledOnly) conditions.push(sql`sd.stalled`);
  if (filters.inStockOnly) conditions.push(sql`sd.in_stock`);
  return conditions;
}

function allOf(conditions: SQL[]): SQL {
  return conditions.length > 0 ? sql.join(conditions, sql` AND `) : sql`true`;
}

function matches(tsquery: string): SQL {
  return sql`sd.tokens @@ ${tsquery}::tsquery`;
}

/** What every hit satisfies: the words anywhere in the document, and the filters. */
export function matchCondition(q: string, filters: SearchFilters): SQL {
  const anywhere = toTsquery(queryTokens(q), 'D');
  return allOf([...(anywhere ? [matches(anywhere)] : []), ...filterConditions(filters)]);
}

/**
 * One ordered slice of the results; the results are the segments one after the other. Splitting
 * lets the common first page — title matches, urgent stalled goods first — be read in index
 * order (search_documents_urgency_idx) and stop after a page instead of sorting every match.
 */
export interface Segment {
  where: SQL;
  orderBy: SQL;
}

const NEWEST = sql`sd.published_at DESC NULLS LAST, sd.product_id DESC`;
const SOONEST = sql`sd.sell_before ASC, ${NEWEST}`;

export function searchSegments(q: string, filters: SearchFilters, sort: SearchSort): Segment[] {
  const terms = queryTokens(q);
  const anywhere = toTsquery(terms, 'D');
  const filter = filterConditions(filters);
  const where = (...conditions: SQL[]) => allOf([...conditions, ...filter]);
  const matched = anywhere ? [matches(anywhere)] : [];
  switch (sort) {
    case 'price_asc':
      return [{ where: where(...matched), orderBy: sql`sd.min_price_fen ASC NULLS LAST, sd.product_id DESC` }];
    case 'price_desc':
      return [{ where: where(...matched), orderBy: sql`sd.min_price_fen DESC NULLS LAST, sd.product_id DESC` }];
    case 'newest':
      return [{ where: where(...matched), orderBy: NEWEST }];
    case 'urgency':
      return [
        { where: where(sql`sd.stalled`, ...matched), orderBy: SOONEST },
        { where: where(sql`NOT sd.stalled`, ...matched), orderBy: NEWEST },
      ];
    case 'relevance': {
      // Without words, the zone's own order: goods that must sell soonest first.
      if (!anywhere) return searchSegments(q, filters, 'urgency');
      // By the best field holding every term — title, GI name, region or cooperative, anything —
      // and within each, stalled goods by sell-before date, then the newest.
      // Each tier is one tsquery, `upTo(field) & !upTo(better field)`: the GIN index answers it
      // whole, instead of testing every candidate row's tsvector against the better tier again.
      const upTo = FIELD_CLASSES.map((fieldClass) => toTsquery(terms, fieldClass)!);
      return upTo.flatMap((query, i) => {
        const tier = matches(i === 0 ? query : `(${query}) & !(${upTo[i - 1]!})`);
        return [
          { where: where(sql`sd.stalled`, tier), orderBy: SOONEST },
          { where: where(sql`NOT sd.stalled`, tier), orderBy: NEWEST },
        ];
      });
    }
  }
}

interface HitRow {
  id: number;
  title: string;
}

/**
 * The first `limit` rows of the segments laid end to end, as one statement. Each segment is an ordered, limited subquery; the Append above them runs them in
 * order and stops pulling once it has `limit` rows, so the segments a page does not reach are
 * never run. Parallel plans, which could interleave the segments, must be off (see readMatches).
 */
export function segmentsSql(segments: Segment[], limit: number): SQL {
  const parts = segments.map(
    (segment) => sql`(SELECT sd.product_id AS id, sd.title FROM search_documents sd
      WHERE ${segment.where} ORDER BY ${segment.orderBy} LIMIT ${limit})`,
  );
  if (parts.length === 1) return parts[0]!;
  return sql`SELECT s.id, s.title FROM (${sql.join(parts, sql` UNION ALL `)}) s LIMIT ${limit}`;
}

/** Above this many matches, a search without facets reports this number (see countUpToSql). */
export const MAX_COUNTED_MATCHES = 1000;

/**
 * How many documents match, when no facet scan counts them: exact up to 1,000, else 1,000 — as
 * Meilisearch's maxTotalHits — so that a broad word does not read every matching row to print
 * a number. (Planner estimates were tried: for a Chinese word they multiply its bigrams'
 * frequencies as if independent, and say 21 for 五常大米's 2,700 matches.)
 */
function countUpToSql(where: SQL, limit: number): SQL {
  return sql`SELECT count(*)::int AS count FROM (SELECT 1 FROM search_documents sd WHERE ${where} LIMIT ${limit}) m`;
}

/**
 * Runs the statements of one search together on one connection, in order, without waiting for
 * each reply, in a transaction whose settings end with it (pass the application's database, not a
 * caller's transaction). For a union of segments, parallel plans are off: it relies on its parts
 * coming out in order (and a search is too small to gain from workers). With words to match, sequential
 * scans are off too: the planner prices `tokens @@ query` as one cheap operator, so for a common
 * word it would scan the table and test every row (43 ms for `qicheng` on 100,000 products, 270 ms
 * for a facet scan) where the GIN index finds the same rows in a few.
 */
async function readMatches(db: Db, statements: SQL[], indexOnly: boolean, union = false): Promise<unknown[][]> {
  const settings = [
    ...(union ? [sql`SET LOCAL max_parallel_workers_per_gather = 0`] : []),
    ...(indexOnly ? [sql`SET LOCAL enable_seqscan = off`] : []),
  ];
  if (settings.length === 0) return Promise.all(statements.map((s) => queryRows(db, s)));
  return db.transaction(async (transaction) => {
    const tx = transaction as unknown as Db;
    // Every statement through queryRows, so each is sent in this order: a drizzle query is lazy,
    // and a bare tx.execute() in the list would go out after the others and set nothing for them.
    const results = await Promise.all([...settings, ...statements].map((s) => queryRows(tx, s)));
    return results.slice(settings.length) as unknown[][];
  });
}

interface FacetRow {
  facet: 'province' | 'category' | 'gi' | 'kind' | 'coop' | 'all';
  value: string | null;
  label: string | null;
  count: number;
  stalled: number;
  in_stock: number;
}

/**
 * Counts of every facet over the matching documents, in one scan of them. The matches are first
 * grouped by their whole facet key (a few hundred keys even for 湖北's 24,000 matches: a
 * cooperative has one province, a GI one kind), and the GROUPING SETS add up those groups: one
 * hash lookup per matching row instead of one per facet (about 15 % less CPU for 湖北).
 */
export function searchFacetsSql(where: SQL): SQL {
  return sql`WITH k AS (
      SELECT sd.province_code, sd.category_slug, sd.gi_id, sd.gi_kind, sd.cooperative_id,
        count(*) AS count, count(*) FILTER (WHERE sd.stalled) AS stalled, count(*) FILTER (WHERE sd.in_stock) AS in_stock
      FROM search_documents sd WHERE ${where}
      GROUP BY sd.province_code, sd.category_slug, sd.gi_id, sd.gi_kind, sd.cooperative_id
    ), g AS (
      SELECT k.province_code, k.category_slug, k.gi_id, k.gi_kind, k.cooperative_id,
        GROUPING(k.province_code, k.category_slug, k.gi_id, k.gi_kind, k.cooperative_id) AS set_id,
        coalesce(sum(k.count), 0)::int AS count, coalesce(sum(k.stalled), 0)::int AS stalled,
        coalesce(sum(k.in_stock), 0)::int AS in_stock
      FROM k
      GROUP BY GROUPING SETS ((k.province_code), (k.category_slug), (k.gi_id), (k.gi_kind), (k.cooperative_id), ())
    )
    SELECT CASE g.set_id WHEN 15 THEN 'province' WHEN 23 THEN 'category' WHEN 27 THEN 'gi'
        WHEN 29 THEN 'kind' WHEN 30 THEN 'coop' ELSE 'all' END AS facet,
      coalesce(g.province_code::text, g.category_slug, gi.slug, g.gi_kind::text, co.slug) AS value,
      coalesce(r.name, c.name_zh, gi.name, co.legal_name) AS label,
      g.count, g.stalled, g.in_stock
    FROM g
    LEFT JOIN regions r ON r.code = g.province_code
    LEFT JOIN categories c ON c.slug = g.category_slug
    LEFT JOIN geographical_indications gi ON gi.id = g.gi_id
    LEFT JOIN cooperatives co ON co.id = g.cooperative_id
    ORDER BY g.count DESC, value`;
}

function facetsFromRows(rows: FacetRow[]): { facets: SearchFacets; total: number } {
  const facets: SearchFacets = { province: [], category: [], gi: [], giKind: [], cooperative: [], stalled: 0, inStock: 0 };
  let total = 0;
  const lists: Record<Exclude<FacetRow['facet'], 'all'>, FacetValue[]> = {
    province: facets.province,
    category: facets.category,
    gi: facets.gi,
    kind: facets.giKind,
    coop: facets.cooperative,
  };
  for (const row of rows) {
    if (row.facet === 'all') {
      total = row.count;
      facets.stalled = row.stalled;
      facets.inStock = row.in_stock;
      continue;
    }
    // A null group (no GI, no kind) is not a value anyone can filter by.
    if (row.value === null) continue;
    const list = lists[row.facet];
    if (list.length >= FACET_LIMIT) continue;
    const label = row.facet === 'kind' ? (GI_KIND_LABELS[row.value] ?? row.value) : (row.label ?? row.value);
    list.push({ value: row.value, label, count: row.count });
  }
  return { facets, total };
}

export function createPostgresSearch(db: Db): SearchAdapter {
  return {
    name: 'postgres',

    async search(query: SearchQuery): Promise<SearchResult> {
      const where = matchCondition(query.q, query.filters);
      const hasWords = queryTokens(query.q).length > 0;
      const segments = searchSegments(query.q, query.filters, query.sort);
      const offset = (query.page - 1) * query.pageSize;
      // Rows are read from the first result on: `reach` of them show the page and whether more follow.
      const reach = offset + query.pageSize + 1;
      // The first segment and the counts (or the facets) in one round trip; for a broad word that
      // is all. Otherwise the other segments follow in one more statement.
      const [first, summary] = (await readMatches(
        db,
        [segmentsSql(segments.slice(0, 1), reach), query.facets ? searchFacetsSql(where) : countUpToSql(where, MAX_COUNTED_MATCHES)],
        hasWords,
      )) as [HitRow[], unknown[]];
      const rows = [...first];
      if (rows.length < reach && segments.length > 1) {
        const [rest] = (await readMatches(db, [segmentsSql(segments.slice(1), reach - rows.length)], hasWords, true)) as [HitRow[]];
        rows.push(...rest);
      }
      const hasMore = rows.length === reach;
      const counted = query.facets ? facetsFromRows(summary as FacetRow[]) : null;
      const capped = (summary as { count: number }[])[0]?.count ?? 0;
      // Results read to their end give the exact total, past the last page too.
      const total = counted?.total ?? (hasMore ? Math.max(reach, capped) : rows.length);
      return {
        hits: rows.slice(offset, offset + query.pageSize).map((h) => ({ productId: h.id, highlightedTitle: highlightTitle(h.title, query.q) })),
        total,
        facets: counted?.facets ?? null,
        adapter: 'postgres',
        degraded: false,
      };
    },

    async suggest(q: string, limit: number): Promise<Suggestion[]> {
      const inTitle = toTsquery(queryTokens(q), 'A');
      if (!inTitle || limit <= 0) return [];
      // Many products share a title (one per cooperative): read extra rows, keep distinct titles.
      // Stalled goods first in index order; the rest in any order, so a broad prefix stops early.
      // One statement: the Append stops pulling once it has enough, so the second part runs only
      // when the stalled goods do not fill the list.
      const wanted = limit * 4;
      const part = (where: SQL, orderBy: SQL | null) => sql`(SELECT sd.product_id AS id, p.slug, sd.title
            FROM search_documents sd JOIN products p ON p.id = sd.product_id
            WHERE ${where} ${orderBy ? sql`ORDER BY ${orderBy}` : sql``} LIMIT ${wanted})`;
      const rows = await queryRows<{ id: number; slug: string; title: string }>(
        db,
        sql`SELECT s.id, s.slug, s.title FROM (${part(sql`sd.stalled AND ${matches(inTitle)}`, SOONEST)}
          UNION ALL ${part(sql`NOT sd.stalled AND ${matches(inTitle)}`, null)}) s LIMIT ${wanted}`,
      );
      const seen = new Set<string>();
      const suggestions: Suggestion[] = [];
      for (const row of rows) {
        if (seen.has(row.title)) continue;
        seen.add(row.title);
        suggestions.push({ productId: row.id, slug: row.slug, title: row.title });
        if (suggestions.length >= limit) break;
      }
      return suggestions;
    },

    upsert: (documents) => writeSearchRows(db, documents),

    async remove(productIds: number[]) {
      if (productIds.length === 0) return;
      await db.delete(searchDocuments).where(inArray(searchDocuments.productId, productIds));
    },

    async health() {
      try {
        await queryRows(db, sql`SELECT 1 FROM search_documents LIMIT 1`);
        return { ok: true };
      } catch (error) {
        return { ok: false, detail: error instanceof Error ? error.message : String(error) };
      }
    },
  };
}
