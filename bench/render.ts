/**
 * Render benchmark: `npm run bench:render -- [--requests 300] [--skip-build]`.
 *
 * The CPU one page costs the Node process, without HTTP: builds for production (unless
 * --skip-build), creates the PostgreSQL database `bench_render` (dropped and re-created on the
 * server of BENCH_DATABASE_URL or TEST_DATABASE_URL) with the demo catalog, then calls the Remix
 * request handler of the build in a loop for /livez, the zone, a product page and a search page,
 * as an anonymous phone visitor (no page cache: that sits in server.js, in front of Remix).
 * Each route: a warm-up, --requests requests one at a time, then the same number 8 at a time.
 * Prints the process's CPU milliseconds per request (user + system: what a page costs this
 * process; PostgreSQL's own CPU is not included) and wall milliseconds per request.
 * What `npm run bench` measures through HTTP, this measures without it: use it to see what a change
 * to rendering or loaders is worth (noisy on a shared machine: compare runs made close together).
 */
import path from 'node:path';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { createRequestHandler } from '@remix-run/node';
import type { AppContext } from '~/utils/context.server';
import { acquireFileLock } from './lib/lock';
import { recreateNamedDatabase } from './lib/database';
import { renderTable } from './lib/stats';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '300' },
    'skip-build': { type: 'boolean', default: false },
    lock: { type: 'string', default: '/tmp/e2e.lock' },
  },
});
const requests = Number.parseInt(args.requests, 10);
if (!Number.isFinite(requests) || requests < 8) throw new Error('--requests must be a number ≥ 8');
const baseUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const ROUTES = ['/livez', '/', '/products/zigui-qicheng-5kg-gift-box', `/search?q=${encodeURIComponent('脐橙')}`];
const HEADERS = { 'accept-language': 'zh-CN,zh;q=0.9', 'user-agent': 'Mozilla/5.0 (Linux; Android 10; Mobile) bench:render' };

interface EntryModule {
  parseEnv(source: Record<string, string | undefined>): unknown;
  createAppContext(options: { env: unknown }): Promise<AppContext>;
}

async function build() {
  await new Promise<void>((resolve, reject) => {
    const child = spawn('npx', ['remix', 'build'], { env: { ...process.env, NODE_ENV: 'production' }, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`remix build failed (${code})`))));
  });
}

async function main() {
  // The build folder is shared with the browser tests and the other benchmarks.
  const release = await acquireFileLock(args.lock);
  try {
    if (!args['skip-build']) {
      console.log('Building for production (remix build)…');
      await build();
    }
    console.log('Creating bench_render with the demo catalog…');
    const url = await recreateNamedDatabase(baseUrl, 'bench_render');
    process.env.NODE_ENV = 'production';
    const serverBuild = await import(path.resolve('build/index.js'));
    const entry = serverBuild.entry.module as EntryModule;
    const env = entry.parseEnv({ NODE_ENV: 'production', LOG_LEVEL: 'silent', DATABASE_URL: url, SESSION_SECRET: 'bench-render-session-secret-0123456789abcdef', SEED_ON_START: 'true' });
    const app = await entry.createAppContext({ env });
    const handle = createRequestHandler(serverBuild, 'production');
    const run = async (route: string) => {
      const response = await handle(new Request(`http://localhost${route}`, { headers: HEADERS }), { app, cspNonce: 'bench' });
      const body = await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`${route} answered ${response.status}`);
      return body.byteLength;
    };
    const rows: string[][] = [];
    for (const route of ROUTES) {
      for (let i = 0; i < 30; i += 1) await run(route);
      const measure = async (concurrency: number) => {
        const cpu = process.cpuUsage();
        const started = performance.now();
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            for (let i = 0; i < requests / concurrency; i += 1) await run(route);
          }),
        );
        const used = process.cpuUsage(cpu);
        const done = Math.floor(requests / concurrency) * concurrency;
        return { cpuMs: (used.user + used.system) / 1000 / done, wallMs: (performance.now() - started) / done };
      };
      const serial = await measure(1);
      const parallel = await measure(8);
      const bytes = await run(route);
      rows.push([route, (bytes / 1024).toFixed(1), serial.cpuMs.toFixed(2), serial.wallMs.toFixed(2), parallel.cpuMs.toFixed(2), parallel.wallMs.toFixed(2)]);
      console.log(`  ${route}: ${serial.cpuMs.toFixed(2)} ms CPU per request one at a time, ${parallel.cpuMs.toFixed(2)} ms 8 at a time`);
    }
    console.log(`\nRemix handler in one process, PostgreSQL, demo catalog, ${requests} requests per column (no HTTP, no page cache):\n`);
    console.log(renderTable(['route', 'KB HTML', 'CPU ms/req (1 at a time)', 'wall ms/req', 'CPU ms/req (8 at a time)', 'wall ms/req'], rows));
    await app.database.close();
  } finally {
    await release();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
