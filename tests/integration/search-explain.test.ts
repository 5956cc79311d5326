/**
 * Query plans of the Postgres search adapter on 20,000 generated products: the statements a
 * search sends (result pages, facet counts, totals, suggestions) must find their rows through the
 * GIN index on search_documents.tokens, never by reading the whole table.
 *
 * PostgreSQL only, and only when TEST_DATABASE_URL is set: plans depend on table statistics that
 * need a real catalog size and ANALYZE on the server we deploy to (PostgreSQL 15). PGlite is
 * PostgreSQL 18 in one wasm process; its plans are not what production runs, and loading
 * 20,000 products there would dominate the test run.
 */
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, type Db } from '~/utils/db.server';
import { createPostgresSearch } from '~/utils/search/postgres.server';
import type { SearchQuery } from '~/utils/search/types';
import { loadSyntheticCatalog } from '../../bench/lib/synthetic-catalog';
import { createTestDatabase, type TestDatabase } from '../setup/db';

const PRODUCTS = 20_000;
const TOKENS_INDEX = 'search_documents_tokens_idx';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
}

interface Recorded {
  /** Statements sent in one transaction (with its SET LOCAL), or one statement on its own. */
  statements: SQL[];
  inTransaction: boolean;
}

/** A Db that records what the adapter sends: single statements and whole transactions. */
function recording(db: Db, units: Recorded[] = [], unit?: Recorded): Db {
  const spy = Object.create(db) as Db;
  spy.execute = ((query: SQL) => {
    if (unit) unit.statements.push(query);
    else units.push({ statements: [query], inTransaction: false });
    return db.execute(query);
  }) as Db['execute'];
  spy.transaction = ((run: (tx: Db) => Promise<unknown>, config?: never) => {
    const inner: Recorded = { statements: [], inTransaction: true };
    units.push(inner);
    return db.transaction((tx) => run(recording(tx as unknown as Db, units, inner)), config);
  }) as Db['transaction'];
  return spy;
}

function textOf(db: Db, statement: SQL): string {
  return (db as unknown as { dialect: { sqlToQuery(s: SQL): { sql: string } } }).dialect.sqlToQuery(statement).sql;
}

async function explain(db: Db, statement: SQL): Promise<PlanNode[]> {
  const [row] = await queryRows<Record<string, unknown>>(db, sql`EXPLAIN (FORMAT JSON) ${statement}`);
  const json = row ? Object.values(row)[0] : null;
  const parsed = (typeof json === 'string' ? JSON.parse(json) : json) as [{ Plan: PlanNode }];
  return nodesOf(parsed[0].Plan);
}

/** The plans of the recorded queries, each planned under the settings it ran with. */
async function plansOf(db: Db, units: Recorded[]): Promise<PlanNode[][]> {
  const plans: PlanNode[][] = [];
  for (const unit of units) {
    if (!unit.inTransaction) {
      plans.push(await explain(db, unit.statements[0]!));
      continue;
    }
    await db.transaction(async (transaction) => {
      const tx = transaction as unknown as Db;
      for (const statement of unit.statements) {
        if (/^\s*SET /i.test(textOf(db, statement))) await tx.execute(statement);
        else plans.push(await explain(tx, statement));
      }
    });
  }
  return plans;
}

const query = (q: string, more: Partial<SearchQuery> = {}): SearchQuery => ({ q, filters: {}, sort: 'relevance', page: 1, pageSize: 20, facets: true, ...more });

describe.skipIf(!process.env.TEST_DATABASE_URL)(`search query plans on PostgreSQL with ${PRODUCTS.toLocaleString('en')} products (needs TEST_DATABASE_URL)`, () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    const summary = await loadSyntheticCatalog(database.db, { products: PRODUCTS });
    expect(summary.products).toBe(PRODUCTS);
    await database.db.execute(sql`VACUUM ANALYZE`);
  }, 600_000);

  afterAll(async () => {
    await database?.destroy();
  });

  /** Runs the search through a recording Db and returns the plan of every query it sent. */
  async function plansOfSearch(run: (search: ReturnType<typeof createPostgresSearch>) => Promise<unknown>) {
    const units: Recorded[] = [];
    await run(createPostgresSearch(recording(database.db, units)));
    const plans = await plansOf(database.db, units);
    expect(plans.length).toBeGreaterThan(0);
    return plans;
  }

  function expectIndexed(plans: PlanNode[][]) {
    for (const nodes of plans) {
      expect(nodes.filter((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'search_documents')).toEqual([]);
      expect(nodes.some((n) => n['Node Type'] === 'Bitmap Index Scan' && n['Index Name'] === TOKENS_INDEX)).toBe(true);
    }
  }

  it('reads a 2-character query (莲藕) through the tokens index: results, facets and total', async () => {
    expectIndexed(await plansOfSearch((search) => search.search(query('莲藕'))));
    expectIndexed(await plansOfSearch((search) => search.search(query('莲藕', { facets: false }))));
  });

  it('reads a full-pinyin query (lianou) and an initials query (hhlo) through the tokens index', async () => {
    expectIndexed(await plansOfSearch((search) => search.search(query('lianou'))));
    expectIndexed(await plansOfSearch((search) => search.search(query('hhlo'))));
  });

  it('reads a GI name and a mixed query through the tokens index', async () => {
    expectIndexed(await plansOfSearch((search) => search.search(query('洪湖莲藕'))));
    expectIndexed(await plansOfSearch((search) => search.search(query('湖北 莲藕'))));
  });

  it('answers a word the catalog does not have from the index alone, without walking the table', async () => {
    expectIndexed(await plansOfSearch((search) => search.search(query('榴莲'))));
    expectIndexed(await plansOfSearch((search) => search.search(query('xyzqv'))));
  });

  it('looks suggestions up through the tokens index', async () => {
    expectIndexed(await plansOfSearch((search) => search.suggest('lian', 8)));
  });
});
