/**
 * The storefront as the README starts it: production build, `node server.js`, embedded PGlite
 * (and PostgreSQL when TEST_DATABASE_URL is set), demo data seeded on the first start.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '~/utils/db.server';
import { withDatabase } from '../setup/global-setup';
import { startServer, type RunningServer } from './helpers/server';

async function getZone(url: string) {
  const res = await fetch(`${url}/`, { headers: { 'Accept-Language': 'zh-CN' } });
  return { status: res.status, html: await res.text(), headers: res.headers };
}

function countProvinceChips(html: string) {
  return new Set([...html.matchAll(/href="\/\?province=(\d{6})#products"/g)].map((m) => m[1])).size;
}

function listedCount(html: string) {
  const m = /(\d+) 件商品/.exec(html);
  return m ? Number(m[1]) : 0;
}

describe('the storefront on embedded PGlite', () => {
  const servers: RunningServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('serves the zone in Chinese with the demo catalog, and keeps its data across a restart', async () => {
    const first = await startServer();
    servers.push(first);
    const health = (await (await fetch(`${first.url}/healthz`)).json()) as { status: string; database: { driver: string; up: boolean } };
    expect(health).toMatchObject({ status: 'ok', database: { driver: 'pglite', up: true } });

    const zone = await getZone(first.url);
    expect(zone.status).toBe(200);
    expect(zone.html).toContain('<html lang="zh-CN"');
    expect(zone.html).toContain('抗疫地标产品专区');
    expect(listedCount(zone.html)).toBeGreaterThanOrEqual(25);
    expect(countProvinceChips(zone.html)).toBeGreaterThanOrEqual(5);

    // The seeded data survives the restart and is not seeded a second time.
    expect(await first.stop()).toBe(0);
    const second = await startServer({ dataDir: first.dataDir });
    servers.push(second);
    const again = await getZone(second.url);
    expect(listedCount(again.html)).toBe(listedCount(zone.html));
    expect(second.logs.join('')).not.toMatch(/seeded demo data/i);
  });

  it('exits cleanly on SIGTERM and on SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const server = await startServer();
      const started = Date.now();
      expect(await server.stop(signal)).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
    }
  });

  it('refuses to start with a bad environment value and names it', async () => {
    await expect(startServer({ env: { PORT: 'eighty' }, timeoutMs: 20_000 })).rejects.toThrow(/PORT/);
    await expect(startServer({ env: { WEB_CONCURRENCY: '2' }, timeoutMs: 20_000 })).rejects.toThrow(/WEB_CONCURRENCY: above 1 needs DATABASE_URL/);
  });

  it('sends long cache headers for fingerprinted assets and compresses pages', async () => {
    const server = await startServer();
    servers.push(server);
    const zone = await getZone(server.url);
    const asset = /href="(\/build\/_assets\/app-[^"]+\.css)"/.exec(zone.html)?.[1];
    expect(asset).toBeTruthy();
    const res = await fetch(`${server.url}${asset}`);
    expect(res.headers.get('cache-control')).toMatch(/max-age=31536000.*immutable/);
    const page = await fetch(`${server.url}/`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(page.headers.get('content-encoding')).toBe('gzip');
    // Below compression's threshold (its length is known): sent as it is.
    const live = await fetch(`${server.url}/livez`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(live.headers.get('content-encoding')).toBeNull();
    expect(await live.text()).toBe('ok');
    // public/'s other files are served with an hour's cache; a missing one and a missing asset are the app's 404 page.
    const favicon = await fetch(`${server.url}/favicon.svg`);
    expect(favicon.status).toBe(200);
    expect(favicon.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(favicon.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(await favicon.text()).toContain('<svg');
    for (const missing of ['/favicon.png', '/build/_assets/missing-0000.css']) {
      const res = await fetch(`${server.url}${missing}`);
      expect(res.status, missing).toBe(404);
      expect(await res.text(), missing).toContain('<html');
    }
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('the storefront on PostgreSQL (needs TEST_DATABASE_URL)', () => {
  it('migrates and seeds an empty database, then serves it', async () => {
    const base = process.env.TEST_DATABASE_URL!;
    const name = `dibiao_e2e_${crypto.randomBytes(4).toString('hex')}`;
    const admin = await openDatabase({ driver: 'postgres', url: base, maxConnections: 1 });
    await admin.db.execute(sql.raw(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'`));
    const server = await startServer({ env: { DATABASE_URL: withDatabase(base, name), SESSION_SECRET: crypto.randomBytes(32).toString('hex') } });
    try {
      const health = (await (await fetch(`${server.url}/healthz`)).json()) as { database: { driver: string; up: boolean } };
      expect(health.database).toEqual({ driver: 'postgres', up: true });
      const zone = await getZone(server.url);
      expect(listedCount(zone.html)).toBeGreaterThanOrEqual(25);
      expect(countProvinceChips(zone.html)).toBeGreaterThanOrEqual(5);
    } finally {
      expect(await server.stop()).toBe(0);
      await admin.db.execute(sql.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      await admin.close();
    }
  });

  it('runs WEB_CONCURRENCY worker processes on one port, replaces a worker that dies, and stops them all on SIGTERM', async () => {
    const base = process.env.TEST_DATABASE_URL!;
    const name = `dibiao_e2e_${crypto.randomBytes(4).toString('hex')}`;
    const admin = await openDatabase({ driver: 'postgres', url: base, maxConnections: 1 });
    await admin.db.execute(sql.raw(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'`));
    const server = await startServer({ env: { DATABASE_URL: withDatabase(base, name), SESSION_SECRET: crypto.randomBytes(32).toString('hex'), WEB_CONCURRENCY: '2' } });
    const workerPids = async () => {
      const out = execFileSync('pgrep', ['-P', String(server.child.pid)]).toString().trim();
      return out.split('\n').map(Number).sort();
    };
    const waitForWorkers = async (count: number, exclude: number[] = []) => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const pids = (await workerPids()).filter((pid) => !exclude.includes(pid));
        const listening = server.logs.join('').split('\n').filter((line) => line.includes('"url"')).length;
        if (pids.length >= count && listening >= count + exclude.length) return pids;
        if (Date.now() > deadline) throw new Error(`expected ${count} workers, saw ${pids.length}:\n${server.logs.join('')}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    try {
      const workers = await waitForWorkers(2);
      expect(workers).toHaveLength(2);
      // Migrated and seeded once, by the primary, before the workers opened the database.
      expect(server.logs.join('').match(/seeded demo data/gi) ?? []).toHaveLength(1);
      const answers = await Promise.all(Array.from({ length: 20 }, () => fetch(`${server.url}/healthz`).then((r) => r.status)));
      expect(answers.every((s) => s === 200)).toBe(true);

      process.kill(workers[0]!, 'SIGKILL');
      const replaced = await waitForWorkers(2, [workers[0]!]);
      expect(replaced).not.toContain(workers[0]);
      expect(server.logs.join('')).toContain('a server worker stopped; starting another');
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      const children = await workerPids().catch(() => []);
      expect(await server.stop()).toBe(0);
      for (const pid of children) expect(() => process.kill(pid, 0)).toThrow();
      await admin.db.execute(sql.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      await admin.close();
    }
  });

  it('refuses to start without SESSION_SECRET when DATABASE_URL is set', async () => {
    await expect(startServer({ env: { DATABASE_URL: process.env.TEST_DATABASE_URL! }, timeoutMs: 20_000 })).rejects.toThrow(/SESSION_SECRET/);
  });
});
