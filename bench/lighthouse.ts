/**
 * Browser benchmark: `npm run bench:lighthouse -- [--runs 3] [--skip-build]`.
 *
 * Under `flock /tmp/e2e.lock` (the build and e2e runs share build/ and public/build): builds for
 * production, starts `node server.js` on a fresh PGlite data folder with the demo seed (the default
 * start, SEED_ON_START), and runs Lighthouse 12 in its default mode — a mid-range phone (mobile
 * emulation, simulated slow 4G and 4× CPU slowdown) — on the zone page, a product page and a search
 * page, --runs times each in Debian chromium (CHROMIUM_PATH, default /usr/bin/chromium) whose
 * language is --lang (default zh-CN; `--lang en` audits the English pages). Prints the
 * median of each figure (performance, accessibility, best practices, SEO, FCP, LCP, CLS, TBT, total
 * transfer and its scripts), the failed audits and the opportunities of the median run, and checks
 * the issue's targets (performance ≥ 95, accessibility ≥ 95, LCP ≤ 2.5 s, CLS ≤ 0.1).
 *
 * Also a JavaScript-size report per route (zone, product, search, cart, checkout, orders): the
 * gzip size (level 6, as the server's compression sends it) of every /build/*.js file the page's
 * HTML loads (module scripts, modulepreload links and the imports of the hydration script) — the
 * cart and checkout as a signed-in demo customer with one item in the cart, orders signed in — next
 * to the same count from the build manifest (entry + root + route modules and their imports).
 * Target: ≤ 120 KB gzip on a product page. Results in .cache/lighthouse.json, and the full
 * Lighthouse result of each page's median run in .cache/lighthouse-reports/<page>.json.
 *
 * Lighthouse simulates the throttled load from the trace of an unthrottled one: requests that
 * finished before the observed first paint count as blocking it. On a busy machine the first paint
 * comes later, so scores vary with the machine's load (the CPU benchmark index is printed per run).
 * Lighthouse 12.2 with a much newer Chromium cannot compute a few trace-based audits (LCP element,
 * layout shifts, render-blocking resources); they are listed as "not computed".
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { DEMO_ACCOUNTS } from '~/models/demo-seed.server';
import { acquireFileLock } from './lib/lock';
import { startServerProcess, type ServerProcess } from './lib/server-process';
import { renderTable } from './lib/stats';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    lang: { type: 'string', default: 'zh-CN' },
    'skip-build': { type: 'boolean', default: false },
    lock: { type: 'string', default: '/tmp/e2e.lock' },
    out: { type: 'string', default: '.cache/lighthouse.json' },
  },
});

const runs = Number.parseInt(args.runs, 10);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROME_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // The browser's language decides the page's (Accept-Language): the shop's buyers read Chinese.
  `--lang=${args.lang}`,
  `--accept-lang=${args.lang}`,
];
const DATA_DIR = path.resolve('.cache/lighthouse-data');
const HOT_PRODUCT = 'zigui-qicheng-5kg-gift-box';
const PAGES = [
  { name: 'zone', path: '/' },
  { name: 'product', path: `/products/${HOT_PRODUCT}` },
  { name: 'search', path: `/search?q=${encodeURIComponent('脐橙')}` },
];
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const;
const JS_TARGET_KB = 120;

const log = (line: string) => console.log(line);

// ---------------------------------------------------------------- Lighthouse

interface AuditNote {
  id: string;
  title: string;
  score: number | null;
  displayValue?: string;
  savingsMs?: number;
  savingsBytes?: number;
  /** The elements or resources the audit names (a few). */
  items?: string[];
}

interface LighthouseRun {
  /** The full Lighthouse result (written to a file for the median run, left out of the summary JSON). */
  lhr?: unknown;
  scores: Record<(typeof CATEGORIES)[number], number>;
  fcpMs: number;
  lcpMs: number;
  cls: number;
  tbtMs: number;
  speedIndexMs: number;
  totalTransferKb: number;
  scriptTransferKb: number;
  requests: number;
  failed: AuditNote[];
  opportunities: AuditNote[];
  lcpElement?: string;
  warnings: string[];
  /** Audits Lighthouse could not compute (e.g. trace gatherers that fail on a newer Chromium). */
  errored: string[];
  /** Lighthouse's CPU benchmark of the machine during the run (higher is faster). */
  benchmarkIndex: number;
}

interface LhAudit {
  id: string;
  title: string;
  score: number | null;
  scoreDisplayMode: string;
  displayValue?: string;
  numericValue?: number;
  metricSavings?: Record<string, number>;
  details?: { type?: string; overallSavingsMs?: number; overallSavingsBytes?: number; items?: Record<string, unknown>[] };
}

function itemLabel(item: Record<string, unknown>): string | null {
  const node = item.node as { snippet?: string; nodeLabel?: string; selector?: string } | undefined;
  if (node) return `${node.selector ?? ''} ${node.snippet ?? node.nodeLabel ?? ''}`.trim().slice(0, 160);
  if (typeof item.url === 'string') return item.url;
  if (typeof item.source === 'object' && item.source && 'url' in item.source) return String((item.source as { url: string }).url);
  if (typeof item.description === 'string') return item.description.slice(0, 160);
  return null;
}

function note(audit: LhAudit): AuditNote {
  const items = (audit.details?.items ?? [])
    .map(itemLabel)
    .filter((x): x is string => Boolean(x))
    .slice(0, 4);
  return {
    id: audit.id,
    title: audit.title,
    score: audit.score,
    displayValue: audit.displayValue,
    savingsMs: audit.details?.overallSavingsMs ?? undefined,
    savingsBytes: audit.details?.overallSavingsBytes ?? undefined,
    items: items.length > 0 ? items : undefined,
  };
}

async function runLighthouse(url: string): Promise<LighthouseRun> {
  const chrome = await chromeLauncher.launch({ chromePath: CHROMIUM_PATH, chromeFlags: CHROME_FLAGS, logLevel: 'silent' });
  try {
    const result = await lighthouse(url, { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: [...CATEGORIES] });
    if (!result) throw new Error(`Lighthouse returned nothing for ${url}`);
    const lhr = result.lhr;
    if (lhr.runtimeError) throw new Error(`Lighthouse: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
    const audits = lhr.audits as unknown as Record<string, LhAudit>;
    const numeric = (id: string) => audits[id]?.numericValue ?? Number.NaN;
    const summary = (audits['resource-summary']?.details?.items ?? []) as { resourceType: string; transferSize: number; requestCount: number }[];
    const byType = (type: string) => summary.find((i) => i.resourceType === type);
    // Audits of a category that did not pass (binary audits score 0; graded ones under 0.9).
    const failed: AuditNote[] = [];
    const seen = new Set<string>();
    for (const category of CATEGORIES) {
      for (const ref of lhr.categories[category]?.auditRefs ?? []) {
        const audit = audits[ref.id];
        if (!audit || seen.has(audit.id) || audit.score === null) continue;
        if (!['binary', 'numeric', 'metricSavings'].includes(audit.scoreDisplayMode)) continue;
        if (audit.score >= 0.9) continue;
        seen.add(audit.id);
        failed.push({ ...note(audit), id: `${category}/${audit.id}` });
      }
    }
    const opportunities = Object.values(audits)
      .filter((a) => a.details?.type === 'opportunity' && ((a.details.overallSavingsMs ?? 0) > 0 || (a.details.overallSavingsBytes ?? 0) > 0))
      .map(note)
      .sort((a, b) => (b.savingsMs ?? 0) - (a.savingsMs ?? 0) || (b.savingsBytes ?? 0) - (a.savingsBytes ?? 0));
    const lcpItems = audits['largest-contentful-paint-element']?.details?.items ?? [];
    const lcpNested = (lcpItems[0] as { items?: Record<string, unknown>[] } | undefined)?.items?.[0];
    return {
      lhr,
      scores: Object.fromEntries(CATEGORIES.map((c) => [c, Math.round((lhr.categories[c]?.score ?? Number.NaN) * 100)])) as LighthouseRun['scores'],
      fcpMs: numeric('first-contentful-paint'),
      lcpMs: numeric('largest-contentful-paint'),
      cls: numeric('cumulative-layout-shift'),
      tbtMs: numeric('total-blocking-time'),
      speedIndexMs: numeric('speed-index'),
      totalTransferKb: numeric('total-byte-weight') / 1024,
      scriptTransferKb: (byType('script')?.transferSize ?? 0) / 1024,
      requests: byType('total')?.requestCount ?? 0,
      failed,
      opportunities,
      lcpElement: lcpNested ? (itemLabel(lcpNested) ?? undefined) : undefined,
      warnings: lhr.runWarnings ?? [],
      errored: Object.values(audits)
        .filter((a) => a.scoreDisplayMode === 'error')
        .map((a) => a.id),
      benchmarkIndex: lhr.environment?.benchmarkIndex ?? Number.NaN,
    };
  } finally {
    chrome.kill();
  }
}

interface PageMedian {
  performance: number;
  accessibility: number;
  bestPractices: number;
  seo: number;
  fcpMs: number;
  lcpMs: number;
  cls: number;
  tbtMs: number;
  speedIndexMs: number;
  totalTransferKb: number;
  scriptTransferKb: number;
}

/** Lighthouse now and then fails to record a trace (NO_NAVSTART, NO_FCP): such a run is made again, twice at most. */
async function withRetries<T>(fn: () => Promise<T>, label: string): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= 3) throw error;
      log(`  ${label}: ${error instanceof Error ? error.message : String(error)} — running it again`);
    }
  }
}

function median(values: number[]): number {
  const sorted = [...values].filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

// ---------------------------------------------------------------- JavaScript size

interface Manifest {
  entry: { module: string; imports?: string[] };
  url?: string;
  routes: Record<string, { id: string; parentId?: string; module: string; imports?: string[] }>;
}

function readManifest(): Manifest {
  const dir = 'public/build';
  const file = fs.readdirSync(dir).find((f) => /^manifest-[A-Z0-9]+\.js$/.test(f));
  if (!file) throw new Error('no public/build/manifest-*.js: build first');
  const text = fs.readFileSync(path.join(dir, file), 'utf8');
  const json = text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1);
  return JSON.parse(json) as Manifest;
}

const gzipCache = new Map<string, { raw: number; gzip: number }>();
function sizeOf(url: string): { raw: number; gzip: number } {
  let size = gzipCache.get(url);
  if (!size) {
    const bytes = fs.readFileSync(path.join('public', decodeURIComponent(url)));
    size = { raw: bytes.length, gzip: zlib.gzipSync(bytes, { level: 6 }).length };
    gzipCache.set(url, size);
  }
  return size;
}

/** What a bundle file mostly holds, from markers its text keeps after minification. */
const LIBRARY_MARKERS: [string, RegExp][] = [
  ['react-dom', /react-dom\.production/],
  ['react', /\breact\.production/],
  ['remix/react-router', /@remix-run\/react|React Router/],
  ['i18next', /i18next::/],
  ['zod', /ZodError/],
  ['conform', /__intent__|conform/],
];

const labelCache = new Map<string, string>();
function labelOf(url: string): string {
  let label = labelCache.get(url);
  if (label === undefined) {
    const text = fs.readFileSync(path.join('public', decodeURIComponent(url)), 'utf8');
    const labels = LIBRARY_MARKERS.filter(([, marker]) => marker.test(text)).map(([name]) => name);
    // Translation tables: much Chinese text (the bundler writes it as \uXXXX escapes) beside English.
    const cjk = (text.match(/[\u4e00-\u9fff]/g)?.length ?? 0) + (text.match(/\\u[4-9][0-9a-fA-F]{3}/g)?.length ?? 0);
    if (cjk > 3000) labels.push(`text: ${cjk} Chinese characters`);
    label = labels.join(' + ') || (url.includes('/routes/') || url.includes('/root-') ? 'route module' : '');
    labelCache.set(url, label);
  }
  return label;
}

/** The largest files, largest first, as "KB gzip file (what it holds)". */
function largest(urls: Iterable<string>, count: number): string[] {
  return [...urls]
    .map((url) => ({ url, gzip: sizeOf(url).gzip }))
    .sort((a, b) => b.gzip - a.gzip)
    .slice(0, count)
    .map(({ url, gzip }) => `${(gzip / 1024).toFixed(1)} KB ${url.replace(/^\/build\//, '')}${labelOf(url) ? ` (${labelOf(url)})` : ''}`);
}

function total(urls: Iterable<string>) {
  let raw = 0;
  let gzip = 0;
  let files = 0;
  for (const url of urls) {
    const size = sizeOf(url);
    raw += size.raw;
    gzip += size.gzip;
    files += 1;
  }
  return { files, rawKb: raw / 1024, gzipKb: gzip / 1024 };
}

/**
 * Every /build/….js the HTML loads: modulepreload links, script src, and the imports of the inline
 * module scripts (`import * as route0 from "…"`, `import("…")`). Not the route entries of the lazy
 * route-discovery manifest embedded in the page, which are only loaded on a later navigation.
 */
function scriptsInHtml(html: string): Set<string> {
  const urls = new Set<string>();
  const build = /(\/build\/[^"'?#]+\.js)/;
  for (const [tag] of html.matchAll(/<link\b[^>]*\brel="modulepreload"[^>]*>/g)) {
    const href = /\bhref="([^"]+)"/.exec(tag)?.[1];
    if (href && build.test(href)) urls.add(href);
  }
  for (const m of html.matchAll(/<script\b[^>]*\bsrc="(\/build\/[^"]+\.js)"/g)) urls.add(m[1]!);
  for (const m of html.matchAll(/\bimport\s*(?:[\w*{}\s,$]+from\s*)?\(?\s*["'](\/build\/[^"']+\.js)["']/g)) urls.add(m[1]!);
  return urls;
}

/** With lazy route discovery the page never loads the manifest file itself: the HTML carries the routes it needs. */
function scriptsFromManifest(manifest: Manifest, routeId: string): Set<string> {
  const urls = new Set<string>([manifest.entry.module, ...(manifest.entry.imports ?? [])]);
  for (let id: string | undefined = routeId; id; id = manifest.routes[id]?.parentId) {
    const route = manifest.routes[id];
    if (!route) throw new Error(`route ${id} is not in the build manifest`);
    urls.add(route.module);
    for (const url of route.imports ?? []) urls.add(url);
  }
  return urls;
}

const BROWSER_HEADERS = {
  accept: 'text/html,application/xhtml+xml',
  'accept-language': args.lang,
  'user-agent': 'Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36',
};

async function post(server: ServerProcess, pathname: string, form: Record<string, string>, cookie?: string) {
  const response = await fetch(`${server.url}${pathname}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...BROWSER_HEADERS, 'content-type': 'application/x-www-form-urlencoded', origin: server.url, ...(cookie ? { cookie } : {}) },
    body: new URLSearchParams(form).toString(),
  });
  await response.arrayBuffer();
  return response;
}

/** Signs the demo customer in and puts one item in their cart; returns the session cookie. */
async function signedInCustomer(server: ServerProcess): Promise<string> {
  const customer = DEMO_ACCOUNTS.find((a) => a.role === 'customer');
  if (!customer) throw new Error('no demo customer account');
  const login = await post(server, '/login', { account: customer.email, password: customer.password, redirectTo: '/' });
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => /^(?:__Host-)?session=/.test(c));
  if (login.status !== 302 || !cookie) throw new Error(`demo customer login answered ${login.status} without a session cookie`);
  const productHtml = await (await fetch(`${server.url}/products/${HOT_PRODUCT}`, { headers: BROWSER_HEADERS })).text();
  const radio = /<input[^>]*name="variantId"[^>]*>/.exec(productHtml)?.[0] ?? '';
  const variantId = /value="(\d+)"/.exec(radio)?.[1];
  if (!variantId) throw new Error('no variant radio on the product page');
  const added = await post(server, '/cart', { intent: 'add', variantId, quantity: '1' }, cookie);
  if (added.status !== 302) throw new Error(`add to cart answered ${added.status}`);
  return cookie;
}

interface JsRow {
  route: string;
  path: string;
  routeId: string;
  as: string;
  status: number;
  html: { files: number; rawKb: number; gzipKb: number } | null;
  largest: string[];
  manifest: { files: number; rawKb: number; gzipKb: number };
}

async function javascriptReport(server: ServerProcess): Promise<JsRow[]> {
  const manifest = readManifest();
  const session = await signedInCustomer(server);
  const routes = [
    { route: 'zone', path: '/', routeId: 'routes/_index', cookie: undefined },
    { route: 'product', path: `/products/${HOT_PRODUCT}`, routeId: 'routes/products.$slug', cookie: undefined },
    { route: 'search', path: `/search?q=${encodeURIComponent('脐橙')}`, routeId: 'routes/search', cookie: undefined },
    { route: 'cart', path: '/cart', routeId: 'routes/cart', cookie: session },
    { route: 'checkout', path: '/checkout', routeId: 'routes/checkout', cookie: session },
    { route: 'orders', path: '/orders', routeId: 'routes/orders._index', cookie: session },
  ];
  const rows: JsRow[] = [];
  for (const r of routes) {
    const response = await fetch(`${server.url}${r.path}`, { redirect: 'manual', headers: { ...BROWSER_HEADERS, ...(r.cookie ? { cookie: r.cookie } : {}) } });
    const html = await response.text();
    const loaded = response.status === 200 ? scriptsInHtml(html) : scriptsFromManifest(manifest, r.routeId);
    rows.push({
      route: r.route,
      path: r.path,
      routeId: r.routeId,
      as: r.cookie ? 'signed-in customer, 1 item in cart' : 'anonymous',
      status: response.status,
      html: response.status === 200 ? total(loaded) : null,
      largest: largest(loaded, 5),
      manifest: total(scriptsFromManifest(manifest, r.routeId)),
    });
  }
  return rows;
}

// ---------------------------------------------------------------- main

async function build() {
  log('Building for production (remix build)…');
  await new Promise<void>((resolve, reject) => {
    const child = spawn('npx', ['remix', 'build'], { env: { ...process.env, NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`remix build failed (${code}):\n${output}`))));
  });
}

const fmt = (v: number, digits = 0) => (Number.isNaN(v) ? '–' : v.toFixed(digits));

async function main() {
  const started = performance.now();
  if (!fs.existsSync(CHROMIUM_PATH)) throw new Error(`no chromium at ${CHROMIUM_PATH} (apt-get install -y chromium fonts-wqy-microhei, or set CHROMIUM_PATH)`);
  const release = await acquireFileLock(args.lock, { onWait: () => log(`Waiting for ${args.lock} (an e2e run or a build holds it)…`) });
  const results: { page: string; url: string; runs: LighthouseRun[]; median: PageMedian; medianRun: LighthouseRun }[] = [];
  let js: JsRow[] = [];
  try {
    if (!args['skip-build']) await build();
    fs.rmSync(DATA_DIR, { recursive: true, force: true });
    fs.mkdirSync(DATA_DIR, { recursive: true });
    const server = await startServerProcess({ NODE_ENV: 'production', LOG_LEVEL: 'warn', DATA_DIR });
    try {
      log(`Server ${server.url} (PGlite, demo seed). Lighthouse ${runs}× per page, mobile (default config)…`);
      for (const page of PAGES) {
        const url = `${server.url}${page.path}`;
        // One untimed visit fills the page cache and warms the server, as a live shop has them.
        await (await fetch(url, { headers: BROWSER_HEADERS })).arrayBuffer();
        const pageRuns: LighthouseRun[] = [];
        for (let i = 0; i < runs; i += 1) {
          const run = await withRetries(() => runLighthouse(url), `${page.name} run ${i + 1}`);
          pageRuns.push(run);
          log(`  ${page.name} run ${i + 1}: performance ${run.scores.performance}, accessibility ${run.scores.accessibility}, LCP ${fmt(run.lcpMs)} ms, CLS ${fmt(run.cls, 3)}, TBT ${fmt(run.tbtMs)} ms`);
        }
        const med: PageMedian = {
          performance: median(pageRuns.map((r) => r.scores.performance)),
          accessibility: median(pageRuns.map((r) => r.scores.accessibility)),
          bestPractices: median(pageRuns.map((r) => r.scores['best-practices'])),
          seo: median(pageRuns.map((r) => r.scores.seo)),
          fcpMs: median(pageRuns.map((r) => r.fcpMs)),
          lcpMs: median(pageRuns.map((r) => r.lcpMs)),
          cls: median(pageRuns.map((r) => r.cls)),
          tbtMs: median(pageRuns.map((r) => r.tbtMs)),
          speedIndexMs: median(pageRuns.map((r) => r.speedIndexMs)),
          totalTransferKb: median(pageRuns.map((r) => r.totalTransferKb)),
          scriptTransferKb: median(pageRuns.map((r) => r.scriptTransferKb)),
        };
        // The run whose performance score is the median one supplies the audits.
        const medianRun = [...pageRuns].sort((a, b) => a.scores.performance - b.scores.performance)[Math.floor(pageRuns.length / 2)]!;
        results.push({ page: page.name, url: page.path, runs: pageRuns, median: med, medianRun });
      }
      js = await javascriptReport(server);
    } finally {
      await server.stop();
    }
  } finally {
    await release();
  }

  log(`\nLighthouse 12 (mobile: emulated phone, simulated slow 4G, 4× CPU slowdown; browser language ${args.lang}), median of ${runs} run(s):\n`);
  log(
    renderTable(
      ['page', 'perf', 'a11y', 'best pr.', 'SEO', 'FCP ms', 'LCP ms', 'CLS', 'TBT ms', 'SI ms', 'transfer KB', 'JS KB'],
      results.map((r) => [
        `${r.page} ${r.url}`,
        fmt(r.median.performance),
        fmt(r.median.accessibility),
        fmt(r.median.bestPractices),
        fmt(r.median.seo),
        fmt(r.median.fcpMs),
        fmt(r.median.lcpMs),
        fmt(r.median.cls, 3),
        fmt(r.median.tbtMs),
        fmt(r.median.speedIndexMs),
        fmt(r.median.totalTransferKb, 1),
        fmt(r.median.scriptTransferKb, 1),
      ]),
    ),
  );
  const targets: { page: string; check: string; value: string; verdict: string }[] = [];
  for (const r of results) {
    const check = (label: string, ok: boolean, value: string) => targets.push({ page: r.page, check: label, value, verdict: ok ? 'meets' : 'MISSES' });
    check('performance ≥ 95', r.median.performance >= 95, fmt(r.median.performance));
    check('accessibility ≥ 95', r.median.accessibility >= 95, fmt(r.median.accessibility));
    check('LCP ≤ 2.5 s', r.median.lcpMs <= 2500, `${fmt(r.median.lcpMs)} ms`);
    check('CLS ≤ 0.1', r.median.cls <= 0.1, fmt(r.median.cls, 3));
  }
  log('\nTargets of issue #8:\n');
  log(renderTable(['page', 'target', 'median', ''], targets.map((t) => [t.page, t.check, t.value, t.verdict])));
  for (const r of results) {
    log(`\n${r.page} ${r.url} — median run${r.medianRun.lcpElement ? `; LCP element: ${r.medianRun.lcpElement}` : ''}`);
    if (r.medianRun.failed.length === 0) log('  failed audits: none');
    for (const a of r.medianRun.failed) {
      log(`  failed ${a.id} (score ${a.score}): ${a.title}${a.displayValue ? ` — ${a.displayValue}` : ''}`);
      for (const item of a.items ?? []) log(`      ${item}`);
    }
    for (const a of r.medianRun.opportunities.slice(0, 6)) {
      const savings = [a.savingsMs ? `${fmt(a.savingsMs)} ms` : '', a.savingsBytes ? `${fmt(a.savingsBytes / 1024, 1)} KB` : ''].filter(Boolean).join(', ');
      log(`  opportunity ${a.id}: ${a.title} — saves ${savings}`);
      for (const item of a.items ?? []) log(`      ${item}`);
    }
    for (const w of r.medianRun.warnings) log(`  warning: ${w}`);
    if (r.medianRun.errored.length > 0) log(`  not computed (Lighthouse error): ${r.medianRun.errored.join(', ')}`);
    log(`  Lighthouse CPU benchmark index: ${r.runs.map((run) => fmt(run.benchmarkIndex)).join(', ')}`);
  }

  log(`\nJavaScript a page loads (gzip level 6; target ≤ ${JS_TARGET_KB} KB on a product page):\n`);
  log(
    renderTable(
      ['route', 'visited as', 'status', 'files (HTML)', 'KB raw (HTML)', 'KB gzip (HTML)', 'KB gzip (manifest)', ''],
      js.map((r) => [
        `${r.route} ${r.path}`,
        r.as,
        String(r.status),
        r.html ? String(r.html.files) : '–',
        r.html ? fmt(r.html.rawKb, 1) : '–',
        r.html ? fmt(r.html.gzipKb, 1) : '–',
        fmt(r.manifest.gzipKb, 1),
        r.route === 'product' ? ((r.html?.gzipKb ?? r.manifest.gzipKb) <= JS_TARGET_KB ? 'meets' : 'MISSES') : '',
      ]),
    ),
  );
  log('(HTML: the /build/*.js files the page loads; manifest: entry, root and route modules with their imports from the build manifest.)');
  log('\nLargest files (gzip):');
  for (const r of js) log(`  ${r.route.padEnd(8)} ${r.largest.join('; ')}`);

  // The median run of each page in full, for the Lighthouse viewer (https://googlechrome.github.io/lighthouse/viewer/).
  const reportDir = path.join(path.dirname(path.resolve(args.out)), 'lighthouse-reports');
  fs.mkdirSync(reportDir, { recursive: true });
  for (const r of results) fs.writeFileSync(path.join(reportDir, `${r.page}.json`), JSON.stringify(r.medianRun.lhr));
  const strip = ({ lhr: _lhr, ...run }: LighthouseRun) => run;
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, loadAverage: os.loadavg() },
    lighthouse: '12 (default config: mobile)',
    browserLanguage: args.lang,
    runsPerPage: runs,
    pages: results.map((r) => ({ ...r, runs: r.runs.map(strip), medianRun: strip(r.medianRun) })),
    fullReports: reportDir,
    targets,
    javascript: js,
    seconds: (performance.now() - started) / 1000,
  };
  fs.mkdirSync(path.dirname(path.resolve(args.out)), { recursive: true });
  fs.writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`);
  log(`\nResults in ${args.out}; the median run of each page in full in ${path.relative(process.cwd(), reportDir)}/ (${report.seconds.toFixed(0)} s).`);
}

await main();
