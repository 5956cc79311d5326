/**
 * Server benchmark: `npm run bench -- [--products 100000] [--duration 10] [--driver both|postgres|pglite] [--workers 2] [--smoke]`.
 * --workers: server processes on PostgreSQL (WEB_CONCURRENCY, default 2 = this machine's cores); PGlite runs one.
 * CPU and resident memory are summed over server.js and its workers.
 *
 * 1. Seeds a catalog into the PostgreSQL database `bench_server` (dropped and re-created on the
 *    server of BENCH_DATABASE_URL or TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres):
 *    the demo seed plus --products synthetic products (bench/lib/synthetic-catalog.ts, dated around
 *    today). For PGlite the finished rows are copied into a data folder (.cache/bench-server/pglite)
 *    rather than generated again inside wasm. The database is kept afterwards; `--reuse-catalog`
 *    skips seeding when it already holds the same catalog (same size, seed, day and migrations).
 * 2. Under `flock /tmp/e2e.lock` (never alongside an e2e run, which rebuilds the same folders):
 *    `remix build` with NODE_ENV=production (skip with --skip-build), then per driver starts
 *    `node server.js` (NODE_ENV=production, LOG_LEVEL=warn, SEED_ON_START=false) and drives it
 *    with autocannon, --connections (32) connections, --duration seconds per route after an untimed
 *    warm-up (the same requests one at a time for --warmup seconds, at least two):
 *      static file   GET /favicon.svg (express.static: no Remix, no database; compressed per response)
 *      ceiling       GET /livez (the cheapest Remix route: a resource route that touches nothing), before and after
 *      zone          GET /
 *      product hot   GET /products/zigui-qicheng-5kg-gift-box
 *      product 1k    GET /products/<slug> over 1,000 listed products, each connection in its own order
 *      search hot    GET /search?q=脐橙
 *      search mix    GET /search?… over the query mix below (regions, GI names, pinyin, filters, page 2)
 *      add to cart   POST /cart intent=add (the no-JS form post; answer 302 to /cart) from 32 guest carts,
 *                    one per connection (cookies made before the run), each adding from its own 40 variants
 *    then again zone, product and search on a second server started with PAGE_CACHE=off (cache-miss figures).
 *    Requests look like a phone's browser (Accept-Encoding gzip/br, Accept-Language zh-CN, a mobile UA).
 * 3. Prints req/s, p50/p95/p99, the latency of one request alone (the sequential warm-up's median),
 *    errors and unexpected statuses, X-Page-Cache hit/miss/bypass counts, throughput as a fraction
 *    of the ceiling and of the static file, server CPU (per second and per request), resident
 *    memory (VmRSS: idle after start, peak under load) per driver, and checks the issue's targets;
 *    writes .cache/bench-server.json. Exits 1 when a run saw errors or unexpected statuses.
 *    A server still busy with requests cut off at the end of a run is restarted before the next one.
 * --smoke (CI): 2,000 products, 2 s per route, PostgreSQL only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { openDatabase, queryRows, type Database } from '~/utils/db.server';
import { readDatabaseComment, recreateNamedDatabase, withDatabaseName, writeDatabaseComment } from './lib/database';
import { runLoad, shuffled, type LoadRequest, type LoadResult } from './lib/load';
import { acquireFileLock } from './lib/lock';
import { copyPostgresToPglite } from './lib/pglite-copy';
import { seedServerCatalog } from './lib/server-catalog';
import { startServerProcess, type ServerProcess } from './lib/server-process';
import { formatMs, renderTable } from './lib/stats';
import { seededRandom } from './lib/synthetic-catalog';

const { values: args } = parseArgs({
  options: {
    products: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string', default: '32' },
    workers: { type: 'string', default: '2' },
    driver: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    'skip-build': { type: 'boolean', default: false },
    'reuse-catalog': { type: 'boolean', default: false },
    lock: { type: 'string', default: '/tmp/e2e.lock' },
    out: { type: 'string', default: '.cache/bench-server.json' },
  },
});

const smoke = args.smoke;
const productCount = Number.parseInt(args.products ?? (smoke ? '2000' : '100000'), 10);
const durationSeconds = Number(args.duration ?? (smoke ? '2' : '10'));
const warmupSeconds = Number(args.warmup ?? (smoke ? '1' : '2'));
const connections = Number.parseInt(args.connections, 10);
/** Server processes on PostgreSQL (WEB_CONCURRENCY); PGlite lives in one process. */
const postgresWorkers = Number.parseInt(args.workers, 10);
const driverArg = args.driver ?? (smoke ? 'postgres' : 'both');
if (!['both', 'postgres', 'pglite'].includes(driverArg)) throw new Error('--driver is both, postgres or pglite');
const drivers = (driverArg === 'both' ? ['pglite', 'postgres'] : [driverArg]) as ('pglite' | 'postgres')[];
for (const [name, value] of Object.entries({ products: productCount, duration: durationSeconds, connections, workers: postgresWorkers })) {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
}

const baseUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB_NAME = 'bench_server';
const benchUrl = withDatabaseName(baseUrl, DB_NAME);
const CACHE_DIR = path.resolve('.cache/bench-server');
const SEED = 2020;
const SESSION_SECRET = 'bench-server-secret-bench-server-secret-0000';
const HOT_PRODUCT = 'zigui-qicheng-5kg-gift-box';
const HOT_QUERY = '脐橙';

/** What a phone's browser sends with a page request. */
const BROWSER_HEADERS = {
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
  'accept-encoding': 'gzip, deflate, br, zstd',
  'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8',
  'user-agent': 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36',
};

/** The search mix: what buyers type, with the filters and pages the results page links to. */
const SEARCH_MIX = [
  'q=脐橙', 'q=莲藕', 'q=香菇', 'q=龙虾', 'q=大米', 'q=红茶', 'q=蜜桔', 'q=苹果', 'q=草莓', 'q=枸杞', 'q=木耳', 'q=榴莲',
  'q=湖北', 'q=秭归', 'q=潜江', 'q=恩施', 'q=新疆', 'q=福建', 'q=赣州',
  'q=秭归脐橙', 'q=五常大米', 'q=洪湖莲藕', 'q=潜江龙虾', 'q=恩施玉露', 'q=安溪铁观音', 'q=西湖龙井', 'q=库尔勒香梨',
  'q=qicheng', 'q=lianou', 'q=xianggu', 'q=hubei', 'q=tieguanyin', 'q=zgqc', 'q=wcdm',
  'q=湖北 茶', 'q=江西 脐橙', 'q=新鲜 龙虾',
  'q=脐橙&province=420000', 'q=茶&stalled=1', 'q=龙虾&sort=price_asc', 'q=脐橙&page=2', 'q=香菇&instock=1', 'q=茶&category=tea&sort=newest',
  'stalled=1&sort=urgency',
].map((query) => `/search?${new URLSearchParams(query).toString()}`);

interface RouteRun extends LoadResult {
  driver: string;
  cache: 'on' | 'off';
  route: string;
  expectedStatus: number;
  ok: number;
  bad: number;
  /** Median latency of the sequential warm-up requests: the page with the server to itself. */
  soloMs: number;
  serverCpuPercent: number;
  /** Server CPU time per answered request: less sensitive to a busy machine than req/s. */
  serverCpuMsPerResponse: number;
  rssPeakMb: number;
  loadAverage: number;
  ceilingFraction?: number;
  /** req/s over the static file's req/s on the same server. */
  staticFraction?: number;
}

interface ServerMemory {
  driver: string;
  cache: 'on' | 'off';
  idleMb: number;
  peakMb: number;
  afterMb: number;
}

interface Targets {
  products: string[];
  variants: number[];
}

const log = (line: string) => console.log(line);
const seconds = (fromMs: number) => (performance.now() - fromMs) / 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function catalogMarker(): string {
  const journal = fs.readFileSync('drizzle/meta/_journal.json', 'utf8');
  const migrations = (JSON.parse(journal) as { entries: { tag: string }[] }).entries.map((e) => e.tag).join(',');
  const today = new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
  return `dibiao bench:server products=${productCount} seed=${SEED} day=${today} migrations=${migrations}`;
}

async function prepareCatalog(timings: Record<string, number>) {
  const marker = catalogMarker();
  let seededNow = false;
  if (args['reuse-catalog'] && (await readDatabaseComment(baseUrl, DB_NAME)) === marker) {
    log(`Reusing ${DB_NAME} (${productCount} products).`);
  } else {
    const start = performance.now();
    log(`Seeding ${DB_NAME}: demo seed + ${productCount} products…`);
    await recreateNamedDatabase(baseUrl, DB_NAME);
    const database = await openDatabase({ driver: 'postgres', url: benchUrl, maxConnections: 2 });
    try {
      const summary = await seedServerCatalog(database.db, { products: productCount, now: new Date(), seed: SEED });
      log(
        `  ${summary.products} products (${summary.listed} listed): demo ${summary.demoSeconds.toFixed(0)} s, rows ${summary.insertSeconds.toFixed(0)} s, ` +
          `search documents ${summary.indexSeconds.toFixed(0)} s, VACUUM ANALYZE ${summary.vacuumSeconds.toFixed(0)} s`,
      );
    } finally {
      await database.close();
    }
    await writeDatabaseComment(benchUrl, DB_NAME, marker);
    timings.seedPostgresSeconds = seconds(start);
    seededNow = true;
  }
  if (drivers.includes('pglite')) {
    const markerFile = path.join(CACHE_DIR, 'pglite.marker');
    const dataDir = path.join(CACHE_DIR, 'pglite', 'pglite');
    const reusable = !seededNow && fs.existsSync(markerFile) && fs.readFileSync(markerFile, 'utf8') === marker;
    if (reusable) {
      log('Reusing the PGlite copy.');
    } else {
      const start = performance.now();
      log('Copying the catalog into PGlite…');
      fs.rmSync(path.join(CACHE_DIR, 'pglite'), { recursive: true, force: true });
      fs.rmSync(markerFile, { force: true });
      const copy = await copyPostgresToPglite(benchUrl, dataDir);
      fs.writeFileSync(markerFile, marker);
      log(`  ${copy.rows} rows in ${copy.tables} tables, ${copy.seconds.toFixed(0)} s`);
      timings.copyPgliteSeconds = seconds(start);
    }
  }
}

async function pickTargets(): Promise<Targets> {
  const database = await openDatabase({ driver: 'postgres', url: benchUrl, maxConnections: 1 });
  try {
    // search_documents holds exactly the listed products.
    const products = await queryRows<{ slug: string }>(
      database.db,
      sql`SELECT p.slug FROM search_documents d JOIN products p ON p.id = d.product_id ORDER BY md5(p.slug) LIMIT 1000`,
    );
    const variants = await queryRows<{ id: number }>(
      database.db,
      sql`SELECT v.id FROM product_variants v JOIN search_documents d ON d.product_id = v.product_id WHERE v.stock > 0 ORDER BY md5(v.id::text) LIMIT 400`,
    );
    const [hot] = await queryRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM search_documents d JOIN products p ON p.id = d.product_id WHERE p.slug = ${HOT_PRODUCT}`);
    if (!hot || Number(hot.n) !== 1) throw new Error(`the demo product ${HOT_PRODUCT} is not listed in ${DB_NAME}`);
    return { products: products.map((r) => r.slug), variants: variants.map((r) => Number(r.id)) };
  } finally {
    await database.close();
  }
}

async function build(timings: Record<string, number>) {
  const start = performance.now();
  log('Building for production (remix build)…');
  await new Promise<void>((resolve, reject) => {
    const child = spawn('npx', ['remix', 'build'], { env: { ...process.env, NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`remix build failed (${code}):\n${output}`))));
  });
  timings.buildSeconds = seconds(start);
  log(`  built in ${timings.buildSeconds.toFixed(0)} s`);
}

function serverEnv(driver: 'pglite' | 'postgres', cache: 'on' | 'off'): Record<string, string> {
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    SEED_ON_START: 'false',
    SESSION_SECRET,
    PAGE_CACHE: cache,
    DATA_DIR: path.join(CACHE_DIR, driver),
  };
  if (driver === 'postgres') {
    env.DATABASE_URL = benchUrl;
    env.WEB_CONCURRENCY = String(postgresWorkers);
  }
  return env;
}

let monitor: Database | null = null;

/** Queries running in bench_server for the app (the server's pool), from pg_stat_activity. */
async function activeBackends(): Promise<number> {
  monitor ??= await openDatabase({ driver: 'postgres', url: baseUrl, maxConnections: 1 });
  const [row] = await queryRows<{ n: number }>(
    monitor.db,
    sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = ${DB_NAME} AND state = 'active' AND application_name = 'dibiao-zhunong'`,
  );
  return Number(row?.n ?? 0);
}

/** One guest cart per connection: a cookie from a first add-to-cart without one. */
async function makeGuestCarts(server: ServerProcess, variants: number[], count: number): Promise<string[]> {
  const cookies: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const response = await fetch(`${server.url}/cart`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...BROWSER_HEADERS, 'content-type': 'application/x-www-form-urlencoded', origin: server.url, 'sec-fetch-site': 'same-origin' },
      body: new URLSearchParams({ intent: 'add', variantId: String(variants[i % variants.length]), quantity: '1' }).toString(),
    });
    await response.arrayBuffer();
    const cookie = response.headers.getSetCookie().find((c) => /^(?:__Host-)?cart=/.test(c));
    if (response.status !== 302 || !cookie) throw new Error(`add to cart without a cookie answered ${response.status} with no cart cookie`);
    cookies.push(cookie.split(';')[0]!);
  }
  return cookies;
}

interface RouteSpec {
  route: string;
  expectedStatus: number;
  requestsFor: (index: number) => LoadRequest[];
}

function pageRoutes(targets: Targets): RouteSpec[] {
  const get = (p: string): LoadRequest => ({ method: 'GET', path: p });
  const rotating = (paths: string[]) => (index: number) => shuffled(paths, seededRandom(1000 + index).next).map(get);
  return [
    { route: 'zone /', expectedStatus: 200, requestsFor: () => [get('/')] },
    { route: 'product hot', expectedStatus: 200, requestsFor: () => [get(`/products/${HOT_PRODUCT}`)] },
    { route: 'product 1k', expectedStatus: 200, requestsFor: rotating(targets.products.map((s) => `/products/${encodeURIComponent(s)}`)) },
    { route: `search hot`, expectedStatus: 200, requestsFor: () => [get(`/search?q=${encodeURIComponent(HOT_QUERY)}`)] },
    { route: 'search mix', expectedStatus: 200, requestsFor: rotating(SEARCH_MIX) },
  ];
}

const CEILING: RouteSpec = { route: 'ceiling /livez', expectedStatus: 200, requestsFor: () => [{ method: 'GET', path: '/livez' }] };
/** A file from express.static on the same server: no Remix, no database (but helmet and per-response compression). */
const STATIC: RouteSpec = { route: 'static file', expectedStatus: 200, requestsFor: () => [{ method: 'GET', path: '/favicon.svg' }] };

function addToCartRoute(origin: () => string, targets: Targets, cookies: string[]): RouteSpec {
  return {
    route: 'add to cart',
    expectedStatus: 302,
    requestsFor: (index) => {
      const mine = shuffled(targets.variants, seededRandom(5000 + index).next).slice(0, 40);
      const headers = {
        'content-type': 'application/x-www-form-urlencoded',
        origin: origin(),
        'sec-fetch-site': 'same-origin',
        cookie: cookies[index % cookies.length]!,
      };
      return mine.map((variantId) => ({ method: 'POST', path: '/cart', headers, body: `intent=add&variantId=${variantId}&quantity=1` }));
    },
  };
}

/**
 * The untimed warm-up: the route's requests one at a time (connection 0's list) for the warm-up
 * time, at least two of them. Sequential on purpose: it warms the JIT and fills the page cache
 * without leaving a pile of cut-off requests for the server to finish. Returns the status of the
 * first answer and the median latency of the others ("solo": one request with the server to itself).
 */
async function warmUp(server: ServerProcess, spec: RouteSpec): Promise<{ status: number; soloMs: number }> {
  const requests = spec.requestsFor(0);
  const latencies: number[] = [];
  let status = 0;
  const until = performance.now() + warmupSeconds * 1000;
  for (let i = 0; i < 2 || performance.now() < until; i += 1) {
    const request = requests[i % requests.length]!;
    const start = performance.now();
    try {
      const response = await fetch(`${server.url}${request.path}`, {
        method: request.method ?? 'GET',
        redirect: 'manual',
        headers: { ...BROWSER_HEADERS, ...request.headers },
        body: request.body,
        signal: AbortSignal.timeout(120_000),
      });
      await response.arrayBuffer();
      if (i === 0) status = response.status;
    } catch (error) {
      log(`  ! ${spec.route}: ${request.path} failed during the warm-up (${error instanceof Error ? error.message : String(error)})`);
      break;
    }
    latencies.push(performance.now() - start);
  }
  if (status !== spec.expectedStatus) log(`  ! ${spec.route}: ${requests[0]!.path} answered ${status}, expected ${spec.expectedStatus}`);
  const rest = latencies.slice(1).sort((a, b) => a - b);
  return { status, soloMs: rest.length === 0 ? Number.NaN : rest[Math.floor(rest.length / 2)]! };
}

/** The server of one driver and cache setting, restarted when cut-off requests keep it busy. */
class ServerSlot {
  server: ServerProcess | null = null;
  readonly memory: ServerMemory;
  restarts = 0;
  /** Set when the last run left more cut-off work than is worth waiting for (slow pages × connections). */
  restartNext = false;

  constructor(
    readonly driver: 'pglite' | 'postgres',
    readonly cache: 'on' | 'off',
  ) {
    this.memory = { driver, cache, idleMb: Number.NaN, peakMb: 0, afterMb: Number.NaN };
  }

  async start(): Promise<ServerProcess> {
    fs.mkdirSync(path.join(CACHE_DIR, this.driver), { recursive: true });
    const start = performance.now();
    const server = await startServerProcess(serverEnv(this.driver, this.cache));
    // Let start-up work (background jobs' first pass, the cache's first poll) finish before reading idle memory.
    await sleep(3000);
    const idle = server.rssMb();
    if (Number.isNaN(this.memory.idleMb)) {
      this.memory.idleMb = idle;
      log(`${this.driver}, page cache ${this.cache}: server pid ${server.pid} up in ${seconds(start).toFixed(1)} s, idle RSS ${idle.toFixed(0)} MB`);
    }
    this.server = server;
    return server;
  }

  /**
   * A server with nothing left to do: the current one once it and its PostgreSQL backends are
   * quiet, or a fresh one if they stay busy (stopping the server ends its queries too).
   */
  async ready(): Promise<ServerProcess> {
    if (!this.server) return this.start();
    if (this.restartNext) {
      this.restartNext = false;
      log(`  (restarting the ${this.driver} server: the requests cut off at the end of the run would keep it busy for long)`);
      await this.server.stop();
      this.restarts += 1;
      return this.start();
    }
    const limitMs = 20_000;
    const start = Date.now();
    await this.server.waitUntilQuiet(limitMs);
    while (this.driver === 'postgres' && Date.now() - start < limitMs && (await activeBackends()) > 0) await sleep(250);
    if (Date.now() - start < limitMs) return this.server;
    log(`  (${this.driver} server still busy with cut-off requests after 20 s: restarting it)`);
    await this.server.stop();
    this.restarts += 1;
    return this.start();
  }

  async stop() {
    if (!this.server) return;
    await sleep(1000);
    this.memory.afterMb = this.server.rssMb();
    await this.server.stop();
    this.server = null;
  }
}

async function measure(slot: ServerSlot, spec: RouteSpec): Promise<RouteRun> {
  let server = await slot.ready();
  const warm = await warmUp(server, spec);
  server = await slot.ready();
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, server.rssMb());
  }, 200);
  const loadAverage = os.loadavg()[0]!;
  const cpuBefore = server.cpuSeconds();
  let result: LoadResult;
  try {
    result = await runLoad({
      url: server.url,
      connections,
      durationSeconds,
      requestsFor: spec.requestsFor,
      headers: BROWSER_HEADERS,
      // Long enough that a slow page is measured as slow rather than as timeouts.
      timeoutSeconds: Math.max(30, durationSeconds * 3),
    });
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, server.rssMb());
  slot.memory.peakMb = Math.max(slot.memory.peakMb, peak);
  // Every connection had a request in flight when the run ended; the server still answers them.
  slot.restartNext = warm.soloMs * connections > 20_000;
  const cpu = server.cpuSeconds() - cpuBefore;
  const ok = result.status[String(spec.expectedStatus)] ?? 0;
  const run: RouteRun = {
    ...result,
    driver: slot.driver,
    cache: slot.cache,
    route: spec.route,
    expectedStatus: spec.expectedStatus,
    ok,
    bad: result.responses - ok + result.errors + result.timeouts,
    soloMs: warm.soloMs,
    serverCpuPercent: (cpu / result.seconds) * 100,
    serverCpuMsPerResponse: result.responses === 0 ? Number.NaN : (cpu * 1000) / result.responses,
    rssPeakMb: peak,
    loadAverage,
  };
  const cacheNote = Object.keys(run.pageCache).length > 0 ? ` cache ${Object.entries(run.pageCache).map(([k, v]) => `${k}=${v}`).join(' ')}` : '';
  log(
    `  ${slot.driver.padEnd(8)} cache ${slot.cache.padEnd(3)} ${spec.route.padEnd(16)} ${run.rps.toFixed(0).padStart(6)} req/s  p50 ${formatMs(run.latency.p50)}  p95 ${formatMs(run.latency.p95)}  p99 ${formatMs(run.latency.p99)} ms` +
      `  solo ${formatMs(run.soloMs)} ms  bad ${run.bad}${cacheNote}  cpu ${run.serverCpuPercent.toFixed(0)} %  rss ${peak.toFixed(0)} MB`,
  );
  return run;
}

async function benchDriver(driver: 'pglite' | 'postgres', targets: Targets, runs: RouteRun[], memories: ServerMemory[]) {
  const on = new ServerSlot(driver, 'on');
  try {
    const staticFile = await measure(on, STATIC);
    const first = await measure(on, CEILING);
    const pages: RouteRun[] = [];
    for (const spec of pageRoutes(targets)) pages.push(await measure(on, spec));
    const cookies = await makeGuestCarts(await on.ready(), targets.variants, connections);
    pages.push(await measure(on, addToCartRoute(() => on.server!.url, targets, cookies)));
    const second = await measure(on, { ...CEILING, route: 'ceiling (again)' });
    const ceiling = (first.rps + second.rps) / 2;
    for (const run of [staticFile, first, ...pages, second]) {
      run.ceilingFraction = run.rps / ceiling;
      run.staticFraction = run.rps / staticFile.rps;
    }
    runs.push(staticFile, first, ...pages, second);
  } finally {
    await on.stop();
    memories.push(on.memory);
  }
  const off = new ServerSlot(driver, 'off');
  try {
    const ceiling = runs.filter((r) => r.driver === driver && r.route.startsWith('ceiling'));
    const ceilingRps = ceiling.reduce((sum, r) => sum + r.rps, 0) / ceiling.length;
    const staticRps = runs.find((r) => r.driver === driver && r.route === STATIC.route)?.rps ?? Number.NaN;
    for (const spec of pageRoutes(targets)) {
      const run = await measure(off, spec);
      run.ceilingFraction = run.rps / ceilingRps;
      run.staticFraction = run.rps / staticRps;
      runs.push(run);
    }
  } finally {
    await off.stop();
    memories.push(off.memory);
  }
}

function printResults(runs: RouteRun[], memories: ServerMemory[]) {
  const rows = runs.map((r) => [
    `${r.driver} ${r.cache === 'on' ? '' : '(no cache) '}${r.route}`,
    r.rps.toFixed(0),
    formatMs(r.latency.p50),
    formatMs(r.latency.p95),
    formatMs(r.latency.p99),
    formatMs(r.soloMs),
    String(r.ok),
    String(r.bad),
    r.ceilingFraction === undefined ? '' : r.ceilingFraction.toFixed(2),
    r.staticFraction === undefined ? '' : r.staticFraction.toFixed(2),
    ['hit', 'miss', 'bypass'].map((k) => r.pageCache[k] ?? 0).join('/'),
    (r.bytesPerResponse / 1024).toFixed(1),
    r.serverCpuPercent.toFixed(0),
    formatMs(r.serverCpuMsPerResponse),
    r.rssPeakMb.toFixed(0),
    r.loadAverage.toFixed(1),
  ]);
  log(`\n${connections} connections, ${durationSeconds} s per route (after ${warmupSeconds} s warm-up), ${productCount} products:\n`);
  log(
    renderTable(
      ['route', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'solo ms', 'ok', 'bad', '×ceiling', '×static', 'hit/miss/bypass', 'KB/resp', 'srv CPU %', 'CPU ms/req', 'RSS MB', 'load'],
      rows,
    ),
  );
  log('\n"solo ms" is the median latency of the sequential warm-up requests (one at a time, after the first);');
  log('"bad" counts unexpected statuses, connection errors and timeouts; "×ceiling" is req/s over the mean of the two /livez runs,');
  log('"×static" over the static file (/favicon.svg: express.static, no Remix, no database, but compressed per request);');
  log('"srv CPU %" is the server process\'s CPU time over the run (100 = one core), "CPU ms/req" the same per answered request');
  log('(database server CPU not included); "load" is the 1-minute load average when the run started.\n');
  log(
    renderTable(
      ['resident memory (VmRSS)', 'idle after start MB', 'peak under load MB', 'after load MB'],
      memories.map((m) => [`${m.driver}, page cache ${m.cache}`, m.idleMb.toFixed(0), m.peakMb.toFixed(0), m.afterMb.toFixed(0)]),
    ),
  );
}

function checkTargets(runs: RouteRun[]) {
  const find = (driver: string, cache: 'on' | 'off', route: string) => runs.find((r) => r.driver === driver && r.cache === cache && r.route === route);
  const lines: string[][] = [];
  for (const driver of drivers) {
    const check = (label: string, run: RouteRun | undefined, minRps: number, maxP99: number | null) => {
      if (!run) return;
      const meets = run.rps >= minRps && (maxP99 === null || run.latency.p99 <= maxP99) && run.bad === 0;
      lines.push([
        `${driver}: ${label}`,
        `≥ ${minRps} req/s${maxP99 === null ? '' : `, p99 ≤ ${maxP99} ms`}`,
        `${run.rps.toFixed(0)} req/s, p99 ${formatMs(run.latency.p99)} ms`,
        meets ? 'meets' : 'MISSES',
      ]);
    };
    check('zone', find(driver, 'on', 'zone /'), 2000, 50);
    check('product hot', find(driver, 'on', 'product hot'), 2000, 50);
    check('product 1k', find(driver, 'on', 'product 1k'), 2000, 50);
    check('zone, cache miss', find(driver, 'off', 'zone /'), 600, null);
    check('product hot, cache miss', find(driver, 'off', 'product hot'), 600, null);
    check('product 1k, cache miss', find(driver, 'off', 'product 1k'), 600, null);
    check('search hot', find(driver, 'on', 'search hot'), 500, 100);
    check('search mix', find(driver, 'on', 'search mix'), 500, 100);
  }
  log('\nTargets of issue #8 (set for PostgreSQL on this 2-core machine; PGlite shown for comparison):\n');
  log(renderTable(['page', 'target', 'measured', ''], lines));
  return lines;
}

async function main() {
  const started = performance.now();
  const timings: Record<string, number> = {};
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  log(`bench:server — ${productCount} products, drivers ${drivers.join(' + ')}, ${connections} connections, ${durationSeconds} s per route, ${postgresWorkers} server process(es) on PostgreSQL (WEB_CONCURRENCY), 1 on PGlite`);
  await prepareCatalog(timings);
  const targets = await pickTargets();

  const lockStart = performance.now();
  const release = await acquireFileLock(args.lock, { onWait: () => log(`Waiting for ${args.lock} (an e2e run or a build holds it)…`) });
  timings.lockWaitSeconds = seconds(lockStart);
  const runs: RouteRun[] = [];
  const memories: ServerMemory[] = [];
  const measureStart = performance.now();
  try {
    if (!args['skip-build']) await build(timings);
    for (const driver of drivers) await benchDriver(driver, targets, runs, memories);
  } finally {
    await release();
    await monitor?.close();
  }
  timings.measureSeconds = seconds(measureStart);
  timings.totalSeconds = seconds(started);

  printResults(runs, memories);
  const targetLines = checkTargets(runs);
  const [pgVersion] = await (async () => {
    const database = await openDatabase({ driver: 'postgres', url: benchUrl, maxConnections: 1 });
    try {
      return await queryRows<{ v: string }>(database.db, sql`SELECT current_setting('server_version') AS v`);
    } finally {
      await database.close();
    }
  })();
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version, postgres: pgVersion?.v, loadAverageAtEnd: os.loadavg() },
    options: { products: productCount, durationSeconds, warmupSeconds, connections, drivers, smoke, headers: BROWSER_HEADERS },
    timings,
    runs: runs.map(({ status, ...r }) => ({ ...r, status })),
    memory: memories,
    targets: targetLines.map(([page, target, measured, verdict]) => ({ page, target, measured, verdict })),
  };
  fs.mkdirSync(path.dirname(path.resolve(args.out)), { recursive: true });
  fs.writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`);
  log(
    `\nTimes: ${Object.entries(timings)
      .map(([k, v]) => `${k.replace(/Seconds$/, '')} ${v.toFixed(0)} s`)
      .join(', ')}. Results in ${args.out}; the database ${DB_NAME} is kept (--reuse-catalog reuses it).`,
  );
  const failed = runs.filter((r) => r.bad > 0);
  if (failed.length > 0) {
    log(`FAILED: unexpected answers in ${failed.map((r) => `${r.driver} ${r.cache === 'off' ? '(no cache) ' : ''}${r.route} (${JSON.stringify(r.status)}, ${r.errors} errors, ${r.timeouts} timeouts)`).join('; ')}`);
    process.exitCode = 1;
  }
}

await main();
