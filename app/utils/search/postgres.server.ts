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
 * Where the time goes, and what was done about it (100,000 products, PostgreSQL 15; figures in
 * docs/BENCHMARKS.md):
 * - Counting and facets visit every matching heap row. A row used to be about 1.1 kB, the
 *   tsvector inline, 7 to a page, so 湖北's 24,000 matches touched 11,500 of 13,000 pages. The
 *   tsvector is now stored out of line (migrations 0005, 0006; TOAST_PAD below): a row is 110–145
 *   bytes, facet columns first, 2,200 pages in all. Matching never reads it back — a GIN match on
 *   a tsquery without weights needs no recheck — as long as tokens are only ever tested by a GIN
 *   index scan: reading a tsvector back from TOAST costs about 5 µs a row, and a plan that tests
 *   the rows of a btree index (a filter's, or the urgency index walked in order) one by one took
 *   350 ms.
 * - So a search with words runs in database functions (search_documents_find, _facets, _suggest;
 *   migration 0005) whose planner settings allow no other plan, and whose statements are planned
 *   once per connection and kept (a search used to spend more time planning than running). One
 *   call, one round trip, no transaction; the answer comes back as one JSON value. Words become
 *   tsqueries here, in tokenize.ts, and are bound as parameters.
 * - Without facets, a count is exact up to 1,000; a single word the planner expects 3,000 times
 *   or more (its statistics hold the frequency of every common lexeme) is reported as "1,000 or
 *   more" without building its whole bitmap (for 湖北 that bitmap alone is 24,000 GIN items).
 * - Every results page lists stalled goods first: they have a GIN index of their own (about 15 %
 *   of rows), which the first part of most pages is read from.
 * A browse without words is a statement built here (search_documents_browse runs it), served by
 * the btree indexes of the filters and the urgency index.
 */
import { inArray, sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { searchDocuments } from '~/db/schema';
import { queryRows, type Db } from '~/utils/db.server';
import { documentTokens, FIELD_CLASSES, highlighter, queryTokens, toTsquery, toTsvectorLiteral, type QueryTerm } from './tokenize';
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

/**
 * PostgreSQL moves a value out of line only when its row is longer than about 2 kB
 * (TOAST_TUPLE_THRESHOLD; toast_tuple_target, 128 on this table, is how far it then shrinks the
 * row). Written with each new row, these 2 kB of spaces make the row long enough, so `tokens`
 * (storage EXTERNAL) goes out of line; the pad itself is compressed in place to 35 bytes, and
 * dropped the first time the row is replaced (about 145 bytes a row, then 110). Clearing it at
 * once would write every new row twice, and every GIN entry twice (measured: a heap and GIN
 * indexes twice as large after a fresh load).
 */
const TOAST_PAD = sql`repeat(' ', 2048)`;

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
      toastPad: TOAST_PAD,
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
          // A row already holding an out-of-line value goes through the toaster on every update,
          // so a replaced row needs no pad: it drops the one it was inserted with.
          toastPad: sql`NULL`,
        },
      });
  }
}

/** Above this many matches, a search without facets reports this number. */
export const MAX_COUNTED_MATCHES = 1000;

/**
 * Whether the planner's estimate may stand for the count of `terms` (search_documents_find
 * reports a word it expects 3,000 times or more as MAX_COUNTED_MATCHES): one word that is one
 * lexeme — a 1- or 2-character Chinese word, or a latin word — so the estimate is the lexeme's
 * own frequency in the column statistics. (Several words, or the bigrams of a longer word, are
 * multiplied as if independent, which misjudges by orders of magnitude: 21 for 五常大米's 2,700
 * matches.) A word it misjudges is counted, exactly; it is never reported short.
 */
function estimateStandsForCount(terms: readonly QueryTerm[], filters: SearchFilters): boolean {
  return !hasAnyFilter(filters) && terms.length === 1 && (terms[0]!.kind === 'latin' || terms[0]!.lexemes.length === 1);
}

function hasAnyFilter(filters: SearchFilters): boolean {
  return Boolean(
    filters.provinceCode || filters.categorySlug || filters.giSlug || filters.giKind || filters.cooperativeSlug || filters.stalledOnly || filters.inStockOnly,
  );
}

/** The values as one text[] literal (`{"a","b\\"c"}`), bound as one parameter. */
function arrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

type FacetRow = [facet: 'province' | 'category' | 'gi' | 'kind' | 'coop' | 'all', value: string | null, label: string | null, count: number, stalled: number, inStock: number];

interface Reply {
  hits: [id: number, title: string][];
  /** Matches counted up to MAX_COUNTED_MATCHES, -1 for a broad word not counted; null with facets. */
  total: number | null;
  facets: FacetRow[] | null;
}

function facetsFromRows(rows: FacetRow[]): { facets: SearchFacets; total: number } {
  const facets: SearchFacets = { province: [], category: [], gi: [], giKind: [], cooperative: [], stalled: 0, inStock: 0 };
  let total = 0;
  const lists: Record<Exclude<FacetRow[0], 'all'>, FacetValue[]> = {
    province: facets.province,
    category: facets.category,
    gi: facets.gi,
    kind: facets.giKind,
    coop: facets.cooperative,
  };
  for (const [facet, value, label, count, stalled, inStock] of rows) {
    if (facet === 'all') {
      total = count;
      facets.stalled = stalled;
      facets.inStock = inStock;
      continue;
    }
    if (value === null) continue;
    lists[facet].push({ value, label: facet === 'kind' ? (GI_KIND_LABELS[value] ?? value) : (label ?? value), count });
  }
  return { facets, total };
}

/**
 * A search with words: one call of search_documents_find (migration 0005), which reads every
 * match through the GIN indexes under fixed planner settings and plans its statements once per
 * connection. The words become tsqueries here (tokenize.ts), bound as parameters.
 */
export function findStatement(query: SearchQuery, terms: readonly QueryTerm[], reach: number): SQL {
  const anywhere = toTsquery(terms, 'D')!;
  let tiers = [anywhere];
  if (query.sort === 'relevance') {
    // By the best field holding every term — title, GI name, region or cooperative, anything.
    // Each tier is one tsquery, `upTo(field) & !upTo(better field)`: the GIN index answers it
    // whole, instead of testing every candidate row's tsvector against the better tier again.
    const upTo = FIELD_CLASSES.map((fieldClass) => toTsquery(terms, fieldClass)!);
    tiers = upTo.map((tier, i) => (i === 0 ? tier : `(${tier}) & !(${upTo[i - 1]!})`));
  }
  const f = query.filters;
  return sql`SELECT search_documents_find(${arrayLiteral(tiers)}::tsquery[], ${anywhere}::tsquery, ${query.sort}::text,
    ${f.provinceCode ?? null}::bpchar, ${f.categorySlug ?? null}::text, ${f.giSlug ?? null}::text, ${f.giKind ?? null}::gi_kind,
    ${f.cooperativeSlug ?? null}::text, ${f.stalledOnly === true}::boolean, ${f.inStockOnly === true}::boolean,
    ${reach}::int, ${query.facets}::boolean, ${estimateStandsForCount(terms, f)}::boolean) AS r`;
}

// ---------------------------------------------------------------- browsing without words

const dialect = new PgDialect();

/**
 * A search without words (browsing by filters and a sort): a statement built here and run by
 * search_documents_browse, where the btree indexes of the filters and the urgency index serve it.
 * Its values travel as one text[] parameter, each referenced as `$1[n]::type`.
 */
class BrowseStatement {
  readonly values: string[] = [];

  bind(value: string | number, type: 'text' | 'bpchar' | 'int' | 'gi_kind'): SQL {
    this.values.push(String(value));
    return sql.raw(`$1[${this.values.length}]::${type}`);
  }
}

function filterConditions(s: BrowseStatement, filters: SearchFilters): SQL[] {
  const conditions: SQL[] = [];
  if (filters.provinceCode) conditions.push(sql`sd.province_code = ${s.bind(filters.provinceCode, 'bpchar')}`);
  if (filters.categorySlug) conditions.push(sql`sd.category_slug = ${s.bind(filters.categorySlug, 'text')}`);
  if (filters.giSlug)
    conditions.push(sql`sd.gi_id = (SELECT id FROM geographical_indications WHERE slug = ${s.bind(filters.giSlug, 'text')})`);
  if (filters.giKind) conditions.push(sql`sd.gi_kind = ${s.bind(filters.giKind, 'gi_kind')}`);
  if (filters.cooperativeSlug)
    conditions.push(sql`sd.cooperative_id = (SELECT id FROM cooperatives WHERE slug = ${s.bind(filters.cooperativeSlug, 'text')})`);
  if (filters.stalledOnly) conditions.push(sql`sd.stalled`);
  if (filters.inStockOnly) conditions.push(sql`sd.in_stock`);
  return conditions;
}

function allOf(conditions: SQL[]): SQL {
  return conditions.length > 0 ? sql.join(conditions, sql` AND `) : sql`true`;
}

const NEWEST = sql`sd.published_at DESC NULLS LAST, sd.product_id DESC`;
const SOONEST = sql`sd.sell_before ASC, ${NEWEST}`;

/**
 * The ordered parts of a browse, laid end to end: the zone's order (stalled goods soonest first,
 * then the newest) for relevance and urgency, else one part by price or date. Each part is an
 * ordered, limited subquery; the Append above them stops pulling once it has `limit` rows.
 */
function browseHitsSql(s: BrowseStatement, filters: SearchFilters, sort: SearchSort, limit: SQL): SQL {
  const filter = filterConditions(s, filters);
  const part = (conditions: SQL[], orderBy: SQL) =>
    sql`(SELECT sd.product_id AS id, sd.title FROM search_documents sd WHERE ${allOf([...conditions, ...filter])} ORDER BY ${orderBy} LIMIT ${limit})`;
  switch (sort) {
    case 'price_asc':
      return part([], sql`sd.min_price_fen ASC NULLS LAST, sd.product_id DESC`);
    case 'price_desc':
      return part([], sql`sd.min_price_fen DESC NULLS LAST, sd.product_id DESC`);
    case 'newest':
      return part([], NEWEST);
    case 'relevance':
    case 'urgency':
      return sql`SELECT s.id, s.title FROM (${part([sql`sd.stalled`], SOONEST)} UNION ALL ${part([sql`NOT sd.stalled`], NEWEST)}) s LIMIT ${limit}`;
  }
}

/**
 * Facet counts of a browse, as json rows like search_documents_find's (see there): the same
 * query over the filtered rows instead of a token match.
 */
function browseFacetsSql(where: SQL): SQL {
  return sql`(WITH k AS (
      SELECT sd.province_code, sd.category_slug, sd.gi_id, sd.gi_kind, sd.cooperative_id,
        count(*) AS n, count(*) FILTER (WHERE sd.stalled) AS stalled, count(*) FILTER (WHERE sd.in_stock) AS in_stock
      FROM search_documents sd WHERE ${where}
      GROUP BY sd.province_code, sd.category_slug, sd.gi_id, sd.gi_kind, sd.cooperative_id
    ), g AS (
      SELECT k.province_code, k.category_slug, k.gi_id, k.gi_kind, k.cooperative_id,
        GROUPING(k.province_code, k.category_slug, k.gi_id, k.gi_kind, k.cooperative_id) AS set_id,
        coalesce(sum(k.n), 0)::int AS n, coalesce(sum(k.stalled), 0)::int AS stalled, coalesce(sum(k.in_stock), 0)::int AS in_stock
      FROM k
      GROUP BY GROUPING SETS ((k.province_code), (k.category_slug), (k.gi_id), (k.gi_kind), (k.cooperative_id), ())
    ), v AS (
      SELECT CASE g.set_id WHEN 15 THEN 'province' WHEN 23 THEN 'category' WHEN 27 THEN 'gi' WHEN 29 THEN 'kind' WHEN 30 THEN 'coop' ELSE 'all' END AS facet,
        coalesce(g.province_code::text, g.category_slug, gi.slug, g.gi_kind::text, co.slug) AS value,
        coalesce(r.name, c.name_zh, gi.name, co.legal_name) AS label,
        g.n, g.stalled, g.in_stock, g.set_id
      FROM g
      LEFT JOIN regions r ON r.code = g.province_code
      LEFT JOIN categories c ON c.slug = g.category_slug
      LEFT JOIN geographical_indications gi ON gi.id = g.gi_id
      LEFT JOIN cooperatives co ON co.id = g.cooperative_id
    ), ranked AS (
      SELECT v.*, row_number() OVER (PARTITION BY v.set_id ORDER BY v.n DESC, v.value) AS rank
      FROM v WHERE v.set_id = 31 OR v.value IS NOT NULL
    )
    SELECT coalesce(json_agg(json_build_array(ranked.facet, ranked.value, ranked.label, ranked.n, ranked.stalled, ranked.in_stock)
      ORDER BY ranked.set_id, ranked.rank), '[]'::json)
    FROM ranked WHERE ranked.rank <= ${sql.raw(String(FACET_LIMIT))})`;
}

/** A browse as one statement returning one json value like search_documents_find's. */
export function browseStatement(query: SearchQuery, reach: number): { text: string; values: string[] } {
  const s = new BrowseStatement();
  const limit = s.bind(reach, 'int');
  const hits = browseHitsSql(s, query.filters, query.sort, limit);
  const where = allOf(filterConditions(s, query.filters));
  // The count runs only when the hits fill the page (CASE evaluates its subquery lazily).
  const summary = query.facets
    ? sql`NULL::int, ${browseFacetsSql(where)}`
    : sql`CASE WHEN (SELECT count(*) FROM hits) < ${limit} THEN NULL
        ELSE (SELECT count(*)::int FROM (SELECT 1 FROM search_documents sd WHERE ${where} LIMIT ${sql.raw(String(MAX_COUNTED_MATCHES))}) m) END, NULL::json`;
  const body = sql`WITH hits AS MATERIALIZED (${hits})
    SELECT json_build_object('hits', (SELECT coalesce(json_agg(json_build_array(h.id, h.title)), '[]'::json) FROM hits h), 'total', x.total, 'facets', x.facets)
    FROM (SELECT ${summary}) x(total, facets)`;
  const query_ = dialect.sqlToQuery(body);
  if (query_.params.length > 0) throw new Error('a browse statement binds its values through BrowseStatement.bind');
  return { text: query_.sql, values: s.values };
}

/** The json value of the first row of `statement` (postgres.js and PGlite both parse json; text is parsed here). */
async function readJson<T>(db: Db, statement: SQL): Promise<T | null> {
  const [row] = await queryRows<{ r: T | string | null }>(db, statement);
  const value = row?.r ?? null;
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}

export function createPostgresSearch(db: Db): SearchAdapter {
  return {
    name: 'postgres',

    async search(query: SearchQuery): Promise<SearchResult> {
      const terms = queryTokens(query.q);
      const offset = (query.page - 1) * query.pageSize;
      // Rows are read from the first result on: `reach` of them show the page and whether more follow.
      const reach = offset + query.pageSize + 1;
      let reply: Reply | null;
      if (terms.length > 0) {
        reply = await readJson<Reply>(db, findStatement(query, terms, reach));
      } else {
        const browse = browseStatement(query, reach);
        reply = await readJson<Reply>(db, sql`SELECT search_documents_browse(${browse.text}, ${arrayLiteral(browse.values)}::text[]) AS r`);
      }
      const rows = reply?.hits ?? [];
      const hasMore = rows.length === reach;
      const counted = query.facets ? facetsFromRows(reply?.facets ?? []) : null;
      const capped = reply?.total === -1 ? MAX_COUNTED_MATCHES : (reply?.total ?? 0);
      // Results read to their end give the exact total, past the last page too.
      const total = counted?.total ?? (hasMore ? Math.max(reach, capped) : rows.length);
      const highlight = highlighter(query.q);
      return {
        hits: rows.slice(offset, offset + query.pageSize).map(([productId, title]) => ({ productId, highlightedTitle: highlight(title) })),
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
      const rows = await readJson<[id: number, slug: string, title: string][]>(
        db,
        sql`SELECT search_documents_suggest(${inTitle}::tsquery, ${limit * 4}::int) AS r`,
      );
      const seen = new Set<string>();
      const suggestions: Suggestion[] = [];
      for (const [productId, slug, title] of rows ?? []) {
        if (seen.has(title)) continue;
        seen.add(title);
        suggestions.push({ productId, slug, title });
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
