/**
 * Query plans of the Postgres search adapter on 20,000 generated products: every statement a
 * search runs (result pages, facet counts, totals, suggestions) must find its rows through a GIN
 * index on search_documents.tokens — never by reading the whole table, and never by testing
 * rows' tokens one by one (the tsvector is stored out of line: each such test reads it back).
 *
 * The statements run inside database functions (search_documents_find, _facets, _suggest), so
 * their plans are read as they run, with auto_explain (log_nested_statements), sent to this
 * session as notices. That needs a superuser connection, as TEST_DATABASE_URL is for this
 * project's tests.
 *
 * PostgreSQL only, and only when TEST_DATABASE_URL is set: plans depend on table statistics that
 * need a real catalog size and ANALYZE on the server we deploy to (PostgreSQL 15). PGlite is
 * PostgreSQL 18 in one wasm process; its plans are not what production runs, and loading
 * 20,000 products there would dominate the test run.
 */
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '~/utils/db.server';
import { createPostgresSearch } from '~/utils/search/postgres.server';
import type { SearchQuery } from '~/utils/search/types';
import { loadSyntheticCatalog } from '../../bench/lib/synthetic-catalog';
import { createTestDatabase, type TestDatabase } from '../setup/db';

const PRODUCTS = 20_000;
const TOKENS_INDEXES = ['search_documents_tokens_idx', 'search_documents_stalled_tokens_idx'];

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  'Recheck Cond'?: string;
  Filter?: string;
  Plans?: PlanNode[];
}

interface LoggedPlan {
  text: string;
  nodes: PlanNode[];
}

function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
}

const query = (q: string, more: Partial<SearchQuery> = {}): SearchQuery => ({ q, filters: {}, sort: 'relevance', page: 1, pageSize: 20, facets: true, ...more });

describe.skipIf(!process.env.TEST_DATABASE_URL)(`search query plans on PostgreSQL with ${PRODUCTS.toLocaleString('en')} products (needs TEST_DATABASE_URL)`, () => {
  let database: TestDatabase;
  let client: postgres.Sql;
  let db: Db;
  let logged: LoggedPlan[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    const summary = await loadSyntheticCatalog(database.db, { products: PRODUCTS });
    expect(summary.products).toBe(PRODUCTS);
    await database.db.execute(sql`VACUUM ANALYZE`);
    // One connection, so the auto_explain settings hold for every statement the adapter sends.
    client = postgres(database.url!, {
      max: 1,
      onnotice: (notice) => {
        const message = String(notice.message);
        const json = message.slice(message.indexOf('{'));
        if (!message.includes('plan:') || !json) return;
        const parsed = JSON.parse(json) as { 'Query Text': string; Plan: PlanNode };
        logged.push({ text: parsed['Query Text'], nodes: nodesOf(parsed.Plan) });
      },
    });
    db = drizzle(client) as unknown as Db;
    await client.unsafe(`LOAD 'auto_explain'`);
    for (const setting of [
      'auto_explain.log_min_duration = 0',
      'auto_explain.log_nested_statements = on',
      'auto_explain.log_format = json',
      'auto_explain.log_level = notice',
      'client_min_messages = notice',
    ]) {
      await client.unsafe(`SET ${setting}`);
    }
  }, 600_000);

  afterAll(async () => {
    await client?.end();
    await database?.destroy();
  });

  /** The plans of the statements on search_documents that `run` executed (the estimate's EXPLAIN aside). */
  async function plansOf(run: (search: ReturnType<typeof createPostgresSearch>) => Promise<unknown>) {
    logged = [];
    await run(createPostgresSearch(db));
    const plans = logged.filter((p) => /search_documents\b/.test(p.text) && !/^\s*EXPLAIN/i.test(p.text) && !/search_documents_(find|suggest|facets)\(/.test(p.text));
    expect(plans.length).toBeGreaterThan(0);
    return plans;
  }

  function expectIndexed(plans: LoggedPlan[]) {
    for (const { text, nodes } of plans) {
      const onTable = nodes.filter((n) => n['Relation Name'] === 'search_documents');
      expect(onTable.filter((n) => n['Node Type'] === 'Seq Scan'), text).toEqual([]);
      expect(onTable.filter((n) => n['Node Type'] === 'Index Scan' || n['Node Type'] === 'Index Only Scan'), text).toEqual([]);
      // Tokens are tested by the GIN index only: never as a filter over rows read some other way.
      expect(nodes.filter((n) => n.Filter?.includes('tokens')), text).toEqual([]);
      const tokenScans = nodes.filter((n) => n['Node Type'] === 'Bitmap Index Scan' && n['Index Cond']?.includes('tokens'));
      expect(tokenScans.length, text).toBeGreaterThan(0);
      expect(tokenScans.every((n) => TOKENS_INDEXES.includes(n['Index Name']!)), text).toBe(true);
    }
  }

  it('reads a 2-character query (莲藕) through the tokens index: results, facets and total', async () => {
    expectIndexed(await plansOf((search) => search.search(query('莲藕'))));
    expectIndexed(await plansOf((search) => search.search(query('莲藕', { facets: false }))));
  });

  it('reads a full-pinyin query (lianou) and an initials query (hhlo) through the tokens index', async () => {
    expectIndexed(await plansOf((search) => search.search(query('lianou'))));
    expectIndexed(await plansOf((search) => search.search(query('hhlo'))));
  });

  it('reads a GI name and a mixed query through the tokens index', async () => {
    expectIndexed(await plansOf((search) => search.search(query('洪湖莲藕'))));
    expectIndexed(await plansOf((search) => search.search(query('湖北 莲藕'))));
  });

  it('keeps to the tokens index with filters that have btree indexes of their own, on every sort', async () => {
    expectIndexed(await plansOf((search) => search.search(query('hubei', { filters: { provinceCode: '420000', categorySlug: 'fruit' } }))));
    expectIndexed(await plansOf((search) => search.search(query('湖北', { filters: { stalledOnly: true, giKind: 'protected_product' } }))));
    for (const sort of ['price_asc', 'price_desc', 'newest', 'urgency'] as const) {
      expectIndexed(await plansOf((search) => search.search(query('脐橙', { sort, filters: { inStockOnly: true } }))));
    }
  });

  it('answers a word the catalog does not have from the index alone, without walking the table', async () => {
    expectIndexed(await plansOf((search) => search.search(query('榴莲'))));
    expectIndexed(await plansOf((search) => search.search(query('xyzqv'))));
    expectIndexed(await plansOf((search) => search.search(query('xyzqv', { facets: false, filters: { provinceCode: '420000' } }))));
  });

  it('looks suggestions up through the tokens index', async () => {
    expectIndexed(await plansOf((search) => search.suggest('lian', 8)));
  });
});
