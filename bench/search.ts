/**
 * Search benchmark: `npm run bench:search -- [--products 100000] [--driver postgres|pglite]`.
 *
 * Builds a synthetic catalog (real GI names, places and specs; Hubei about a quarter of it),
 * then times the Postgres search adapter and a plain ILIKE baseline on the same data, query by
 * query, with no result cache: p50/p95/p99 per query type and the baseline/adapter ratio.
 *
 * --driver postgres needs BENCH_DATABASE_URL or TEST_DATABASE_URL (any database on the server;
 * the benchmark creates its own, LC_CTYPE C.UTF-8 from template0, and drops it afterwards).
 * Other options: --runs N (timed passes over the query mix, default 15), --seed N,
 * --tokens-statistics N (ALTER … SET STATISTICS on search_documents.tokens before ANALYZE, to
 * measure that setting), --cpu (also report CPU time per search, server plus client, and the two
 * apart: on a busy machine wall-clock latency mostly measures the wait for a core), --keep (leave
 * the database in place and print its URL), --reuse URL (time an already loaded database instead
 * of building one: `--keep` once, then `--reuse` while changing the adapter; apply new migrations
 * to it by hand).
 */
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { openDatabase, queryRows, type Database, type DriverName } from '~/utils/db.server';
import { createPostgresSearch } from '~/utils/search/postgres.server';
import type { SearchQuery } from '~/utils/search/types';
import { createBenchDatabase } from './lib/database';
import { formatMs, renderTable, summarize, timed, type LatencySummary } from './lib/stats';
import { loadSyntheticCatalog } from './lib/synthetic-catalog';

const { values: args } = parseArgs({
  options: {
    products: { type: 'string', default: '100000' },
    driver: { type: 'string' },
    runs: { type: 'string', default: '15' },
    seed: { type: 'string', default: '2020' },
    'tokens-statistics': { type: 'string' },
    keep: { type: 'boolean', default: false },
    cpu: { type: 'boolean', default: false },
    reuse: { type: 'string' },
  },
});

const baseUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
const driver = (args.driver ?? (args.reuse ? 'postgres' : 'postgres')) as DriverName;
if (driver !== 'postgres' && driver !== 'pglite') throw new Error('--driver is postgres or pglite');
const productCount = Number.parseInt(args.products, 10);
const runs = Number.parseInt(args.runs, 10);

/**
 * The query mix: what buyers type, by kind. Broad words (湖北, 茶) are in on purpose, and so are
 * a few words that match few or no goods (茌梨, 榴莲, 海南): real queries have a long tail.
 */
const QUERIES: Record<string, string[]> = {
  'cjk 2-char': ['脐橙', '莲藕', '香菇', '龙虾', '大米', '红茶', '蜜桔', '苹果', '草莓', '枸杞', '毛尖', '木耳', '茌梨', '榴莲', '椪柑'],
  region: ['湖北', '秭归', '潜江', '恩施', '宜昌', '洪湖', '新疆', '福建', '山东', '赣州', '海南', '西藏'],
  'gi name': ['秭归脐橙', '五常大米', '洪湖莲藕', '潜江龙虾', '恩施玉露', '安溪铁观音', '西湖龙井', '库尔勒香梨', '阳澄湖大闸蟹', '随州香菇', '哈密瓜'],
  pinyin: ['qicheng', 'ziguiqicheng', 'lianou', 'xianggu', 'longxia', 'hubei', 'dami', 'tieguanyin', 'enshiyulu', 'qianjiang', 'liulian'],
  initials: ['zgqc', 'wcdm', 'hhlo', 'qjlx', 'esyl', 'axtgy', 'xhlj', 'szxg', 'kelxl', 'ycdzx', 'hmg'],
  mixed: ['湖北 茶', '湖北 脐橙', '恩施 茶', '江西 脐橙', '新鲜 龙虾', 'hubei 莲藕', '海南 芒果'],
};

/** Filters combined with the facet runs, as the results page sends them. */
const FILTERS: SearchQuery['filters'][] = [
  {},
  { provinceCode: '420000' },
  { stalledOnly: true },
  { inStockOnly: true },
  { categorySlug: 'fruit' },
];

const BASELINE = (q: string) =>
  sql`SELECT id FROM products WHERE title ILIKE '%' || ${q} || '%' OR description ILIKE '%' || ${q} || '%' ORDER BY id LIMIT 20`;

interface Sample {
  type: string;
  facets: boolean;
  adapterMs: number;
  baselineMs: number | null;
}

async function openTarget(): Promise<{ database: Database; url?: string; destroy: () => Promise<void> }> {
  if (args.reuse) {
    const database = await openDatabase({ driver: 'postgres', url: args.reuse, maxConnections: 2 });
    return { database, url: args.reuse, destroy: () => database.close() };
  }
  const bench = await createBenchDatabase(driver, baseUrl);
  return { database: bench.database, url: bench.url, destroy: args.keep ? () => bench.database.close() : bench.destroy };
}

/**
 * CPU milliseconds spent so far by this process and, on PostgreSQL, by one server backend (its
 * scheduler run time, nanoseconds, from /proc — the server must run on this machine).
 */
function cpuClock(backendPid: number | null): () => number {
  return () => {
    const { user, system } = process.cpuUsage();
    const backendNs = backendPid === null ? 0 : Number(fs.readFileSync(`/proc/${backendPid}/schedstat`, 'utf8').split(' ')[0]);
    return (user + system) / 1000 + backendNs / 1e6;
  };
}

async function describeCatalog(database: Database) {
  const [row] = await queryRows<Record<string, string | number>>(
    database.db,
    sql`SELECT (SELECT count(*)::int FROM products) AS products,
          (SELECT count(*)::int FROM search_documents) AS listed,
          (SELECT count(DISTINCT title)::int FROM products) AS distinct_titles,
          pg_size_pretty(pg_relation_size('search_documents')) AS heap,
          (SELECT relpages FROM pg_class WHERE oid = 'search_documents'::regclass) AS heap_pages,
          pg_size_pretty(pg_relation_size((SELECT reltoastrelid FROM pg_class WHERE oid = 'search_documents'::regclass))) AS toast,
          pg_size_pretty(pg_relation_size('search_documents_tokens_idx')) AS gin,
          pg_size_pretty(pg_relation_size('search_documents_stalled_tokens_idx')) AS stalled_gin,
          (SELECT round(avg(pg_column_size(tokens)))::int FROM search_documents) AS avg_tokens_bytes,
          (SELECT round(avg(length(tokens)))::int FROM search_documents) AS avg_lexemes`,
  );
  return row;
}

async function main() {
  const target = await openTarget();
  const { database } = target;
  const db = database.db;
  try {
    if (!args.reuse) {
      console.log(`Loading ${productCount} products on ${driver}…`);
      const summary = await loadSyntheticCatalog(db, { products: productCount, seed: Number(args.seed) });
      console.log(
        `  ${summary.products} products, ${summary.listed} listed, ${summary.distinctTitles} distinct titles, ` +
          `Hubei ${(summary.hubeiShare * 100).toFixed(1)} %; rows written in ${summary.insertSeconds.toFixed(0)} s, ` +
          `search documents built in ${summary.indexSeconds.toFixed(0)} s`,
      );
    }
    if (args['tokens-statistics']) {
      const target = Number.parseInt(args['tokens-statistics'], 10);
      await db.execute(sql.raw(`ALTER TABLE search_documents ALTER COLUMN tokens SET STATISTICS ${target}`));
    }
    // VACUUM sets the visibility map and flushes the GIN pending list, as autovacuum would.
    await db.execute(sql`VACUUM ANALYZE`);
    console.log('Catalog:', await describeCatalog(database));

    const search = createPostgresSearch(db);
    const work: { type: string; facets: boolean; query: SearchQuery }[] = [];
    for (const [type, queries] of Object.entries(QUERIES)) {
      queries.forEach((q, i) => {
        work.push({ type, facets: false, query: { q, filters: {}, sort: 'relevance', page: 1, pageSize: 20, facets: false } });
        work.push({
          type,
          facets: true,
          query: { q, filters: FILTERS[i % FILTERS.length]!, sort: 'relevance', page: 1, pageSize: 20, facets: true },
        });
      });
    }

    const [version] = await queryRows<{ v: string }>(db, sql`SELECT version() AS v`);
    console.log(`Server: ${version?.v.split(' on ')[0]}; load average before timing ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs`);
    // One untimed pass warms the caches the way a running shop has them warm.
    for (const w of work) await search.search(w.query);
    const samples: Sample[] = [];
    for (let run = 0; run < runs; run += 1) {
      for (const w of work) {
        const adapter = await timed(() => search.search(w.query));
        // The baseline knows no facets: it is timed once per query, on the no-facet pass.
        const baseline = w.facets ? null : await timed(() => queryRows(db, BASELINE(w.query.q)));
        samples.push({ type: w.type, facets: w.facets, adapterMs: adapter.ms, baselineMs: baseline?.ms ?? null });
      }
    }
    report(samples, 'Latency');
    console.log(`Load average after timing: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    if (args.cpu) report(await measureCpu(database, target.url, work), 'CPU time (server + client)');
    if (args.keep && target.url) console.log(`Kept the database: ${target.url}`);
  } finally {
    await target.destroy();
  }
}

/** The same work on one connection, measured in CPU time rather than wall-clock time. */
async function measureCpu(database: Database, url: string | undefined, work: { type: string; facets: boolean; query: SearchQuery }[]): Promise<Sample[]> {
  const single = database.driver === 'postgres' && url ? await openDatabase({ driver: 'postgres', url, maxConnections: 1 }) : null;
  const db = single?.db ?? database.db;
  try {
    const [backend] = single ? await queryRows<{ pid: number }>(db, sql`SELECT pg_backend_pid() AS pid`) : [];
    const clock = cpuClock(backend?.pid ?? null);
    const search = createPostgresSearch(db);
    const cpu = async (fn: () => Promise<unknown>) => {
      const start = clock();
      await fn();
      return clock() - start;
    };
    const clientClock = cpuClock(null);
    for (const w of work) await search.search(w.query);
    const samples: Sample[] = [];
    const split = { server: { plain: [] as number[], facets: [] as number[] }, client: { plain: [] as number[], facets: [] as number[] } };
    for (let run = 0; run < runs; run += 1) {
      for (const w of work) {
        const clientStart = clientClock();
        const adapterMs = await cpu(() => search.search(w.query));
        const clientMs = clientClock() - clientStart;
        split.client[w.facets ? 'facets' : 'plain'].push(clientMs);
        split.server[w.facets ? 'facets' : 'plain'].push(adapterMs - clientMs);
        const baselineMs = w.facets ? null : await cpu(() => queryRows(db, BASELINE(w.query.q)));
        samples.push({ type: w.type, facets: w.facets, adapterMs, baselineMs });
      }
    }
    if (single) {
      const line = (label: string, values: number[]) => {
        const { p50, p95 } = summarize(values);
        return `${label} p50 ${formatMs(p50)} p95 ${formatMs(p95)}`;
      };
      console.log(
        `\nCPU per search, split (PostgreSQL backend / this process — which includes waking up for the reply):\n` +
          `  without facets: ${line('server', split.server.plain)}; ${line('client', split.client.plain)}\n` +
          `  with facets:    ${line('server', split.server.facets)}; ${line('client', split.client.facets)}`,
      );
    }
    return samples;
  } finally {
    await single?.close();
  }
}

function row(label: string, adapter: LatencySummary, baseline: LatencySummary | null): string[] {
  return [
    label,
    String(adapter.n),
    formatMs(adapter.p50),
    formatMs(adapter.p95),
    formatMs(adapter.p99),
    baseline ? formatMs(baseline.p50) : '',
    baseline ? formatMs(baseline.p95) : '',
    baseline ? formatMs(baseline.p99) : '',
    baseline ? `${(baseline.p95 / adapter.p95).toFixed(0)}×` : '',
  ];
}

function report(samples: Sample[], measure: string) {
  const rows: string[][] = [];
  const types = [...new Set(samples.map((s) => s.type))];
  for (const facets of [false, true]) {
    for (const type of types) {
      const group = samples.filter((s) => s.type === type && s.facets === facets);
      const baseline = facets ? null : summarize(group.map((s) => s.baselineMs!));
      rows.push(row(`${type}${facets ? ' +facets' : ''}`, summarize(group.map((s) => s.adapterMs)), baseline));
    }
    const all = samples.filter((s) => s.facets === facets);
    rows.push(row(facets ? 'ALL +facets' : 'ALL', summarize(all.map((s) => s.adapterMs)), facets ? null : summarize(all.map((s) => s.baselineMs!))));
  }
  console.log(`\n${measure} in ms on ${args.reuse ? 'the reused database' : `${productCount} products (${driver})`}, ${runs} timed runs:\n`);
  console.log(
    renderTable(['query type', 'n', 'p50', 'p95', 'p99', 'ILIKE p50', 'ILIKE p95', 'ILIKE p99', 'p95 ratio'], rows),
  );
}

await main();
