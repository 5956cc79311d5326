/**
 * Meilisearch down, end to end: the real server (`node server.js`, production build) searches
 * through the Meilisearch double; when the double stops answering (connection refused, 503, or
 * too slow), the search page and the header's suggestions keep answering with results from the
 * Postgres fallback, say so on the page, and /healthz reports search degraded while the app
 * stays healthy. When Meilisearch is back, queries go to it again by themselves.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_INDEX_UID } from '~/utils/search/meilisearch.server';
import { startMeilisearchDouble, type MeilisearchDouble } from '../doubles/meilisearch-double';
import { send } from './helpers/buyers';
import { launchBrowser } from './helpers/browser';
import { startServer, type RunningServer } from './helpers/server';

const QUERY = '脐橙';
const DEGRADED_NOTICE = '搜索服务暂时繁忙';
/** Demo products the Postgres search finds for 脐橙 (the fallback's answer). */
const EXPECTED_SLUGS = ['zigui-qicheng-5kg-gift-box'];

describe('search with Meilisearch down', () => {
  let meili: MeilisearchDouble;
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    meili = await startMeilisearchDouble();
    server = await startServer({ env: { MEILI_URL: meili.url, MEILI_MASTER_KEY: meili.masterKey! } });
    // The demo seed's search sync job delivers the catalog to Meilisearch.
    const deadline = Date.now() + 30_000;
    while (meili.documents(DEFAULT_INDEX_UID).length < 10) {
      if (Date.now() > deadline) throw new Error(`the catalog did not reach Meilisearch:\n${server.logs.join('')}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await meili?.close();
  });

  const searchRequests = () => meili.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/search')).length;

  let visit = 0;
  /** The search page without its scripts; a fresh query string each time, so the anonymous full-page cache never answers for Meilisearch. */
  async function searchPage() {
    visit += 1;
    const page = await send(`${server.url}/search?q=${encodeURIComponent(QUERY)}&visit=${visit}`, {}, 10_000);
    expect(page.timedOut).toBe(false);
    expect(page.status).toBe(200);
    // What the page shows: the inline scripts carry the page's translations (the notice's text among them).
    return page.body.replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, '');
  }

  async function suggestions(ip: string) {
    const res = await send(`${server.url}/search/suggest?q=${encodeURIComponent(QUERY)}`, { headers: { 'X-Forwarded-For': ip } }, 10_000);
    expect(res.timedOut).toBe(false);
    expect(res.status).toBe(200);
    return JSON.parse(res.body) as { slug: string; title: string }[];
  }

  async function health() {
    const res = await send(`${server.url}/healthz`, {}, 10_000);
    return { status: res.status, body: JSON.parse(res.body) as { status: string; search: { state: string; adapter: string; fallback?: string } } };
  }

  it('answers from Meilisearch while it is up', async () => {
    const before = searchRequests();
    const body = await searchPage();
    expect(body).not.toContain(DEGRADED_NOTICE);
    expect(searchRequests()).toBeGreaterThan(before);
    expect((await health()).body.search).toMatchObject({ adapter: 'meilisearch', state: 'ok' });
  });

  for (const mode of ['refuse', 'unavailable', 'slow'] as const) {
    it(`keeps answering through the Postgres fallback when Meilisearch ${mode === 'refuse' ? 'refuses connections' : mode === 'unavailable' ? 'answers 503' : 'is too slow'}`, async () => {
      if (mode === 'slow') meili.setLatency(5_000);
      else await meili.setDown(true, mode);
      try {
        const body = await searchPage();
        expect(body).toContain(DEGRADED_NOTICE);
        for (const slug of EXPECTED_SLUGS) expect(body).toContain(`/products/${slug}`);

        const suggested = await suggestions(`10.40.0.${mode.length}`);
        expect(suggested.length).toBeGreaterThan(0);
        expect(suggested.every((s) => s.title.includes('脐橙'))).toBe(true);

        const { status, body: report } = await health();
        expect(status).toBe(200);
        expect(report.status).toBe('ok');
        expect(report.search).toMatchObject({ adapter: 'meilisearch', state: 'degraded', fallback: 'postgres' });
      } finally {
        meili.setLatency(0);
        await meili.setDown(false);
      }
      // Back up: after the cool-down a probe finds it, and the page no longer says degraded.
      await expect
        .poll(async () => (await searchPage()).includes(DEGRADED_NOTICE), { timeout: 30_000, interval: 1_000 })
        .toBe(false);
    });
  }

  it('shows suggestions in the header’s search box while Meilisearch is down', async () => {
    await meili.setDown(true, 'refuse');
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${server.url}/`);
      await page.locator('#site-search').pressSequentially(QUERY, { delay: 50 });
      const options = page.getByRole('option');
      await expect.poll(() => options.count(), { timeout: 10_000 }).toBeGreaterThan(0);
      expect(await options.first().textContent()).toContain('脐橙');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await meili.setDown(false);
    }
  });
});
