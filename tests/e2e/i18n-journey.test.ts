/**
 * Languages in Debian's Chromium against the production build. A page's JavaScript carries no
 * translations: the page carries its namespaces inline, and a client-side navigation to a page
 * needing another one fetches /locales/<lng>/<ns>.json first — never showing a raw key, even with
 * the fetch slowed down. Switching to English and back works with JavaScript (no reload) and without.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NAMESPACES, resources } from '~/locales';
import { launchBrowser } from './helpers/browser';
import { startServer, type RunningServer } from './helpers/server';

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' };
const RAW_KEY = new RegExp(`\\b(?:${NAMESPACES.join('|')}):[a-z][\\w.]*`);

/** Records every raw translation key that is ever on screen, from the first paint on. */
const WATCH_FOR_RAW_KEYS = `
  window.__rawKeys = [];
  new MutationObserver(() => {
    const text = document.body ? document.body.innerText : '';
    const found = text.match(${RAW_KEY.toString()}g);
    if (found) window.__rawKeys.push(...found);
  }).observe(document, { subtree: true, childList: true, characterData: true });
`;

/** How esbuild writes non-ASCII text into a bundle. */
const asBundled = (text: string) => text.replace(/[^ -~]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);

describe('i18n journey: translations per page, client navigation and language switching', () => {
  let server: RunningServer;
  let browser: Browser;
  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  interface Watched {
    context: BrowserContext;
    page: Page;
    errors: string[];
    /** /locales/… paths (with query) the page fetched. */
    localeFetches: string[];
    /** Full-document loads after the first. */
    documents: string[];
    scripts: Map<string, Promise<string>>;
  }

  async function open(javaScriptEnabled: boolean): Promise<Watched> {
    const context = await browser.newContext({ ...PHONE, javaScriptEnabled });
    await context.addInitScript(WATCH_FOR_RAW_KEYS);
    const page = await context.newPage();
    const watched: Watched = { context, page, errors: [], localeFetches: [], documents: [], scripts: new Map() };
    page.on('pageerror', (e) => watched.errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') watched.errors.push(m.text());
    });
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/locales/')) watched.localeFetches.push(url.pathname + url.search);
      if (request.isNavigationRequest() && request.frame() === page.mainFrame()) watched.documents.push(url.pathname);
    });
    page.on('response', (response) => {
      const url = new URL(response.url());
      if (url.pathname.startsWith('/build/') && url.pathname.endsWith('.js')) watched.scripts.set(url.pathname, response.text());
    });
    // Slow translations: a navigation that rendered before its namespaces arrived would show raw keys meanwhile.
    await page.route('**/locales/**', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 400));
      await route.continue();
    });
    return watched;
  }

  const hydrated = (page: Page) => page.waitForFunction(() => Object.keys(document.querySelector('main') ?? {}).some((k) => k.startsWith('__reactFiber')));
  const mainText = (page: Page) => page.locator('main').innerText();
  const rawKeys = (page: Page) => page.evaluate(() => (window as unknown as { __rawKeys: string[] }).__rawKeys);

  it('with JavaScript: loads namespaces before a client-side page renders, and switches language without a reload', async () => {
    const { context, page, errors, localeFetches, documents, scripts } = await open(true);
    await page.goto(`${server.url}/`);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe(resources['zh-CN'].common.zone.title);
    await hydrated(page);
    expect(localeFetches, 'the first page carries what it needs').toEqual([]);
    const inline = JSON.parse((await page.locator('#i18n-resources').textContent())!) as { lng: string; v: string; ns: Record<string, unknown> };
    expect(inline.lng).toBe('zh-CN');
    expect(Object.keys(inline.ns).sort()).toEqual(['catalog', 'common', 'search']);

    // The JavaScript the page loaded holds no translated text, in either language.
    const bundles = await Promise.all(scripts.values());
    expect(bundles.length).toBeGreaterThan(5);
    for (const text of [resources['zh-CN'].common.footer.mission, resources.en.common.footer.mission, resources.en.catalog.giKind.protected_product]) {
      expect(bundles.some((b) => b.includes(text) || b.includes(asBundled(text))), text).toBe(false);
    }

    // Client-side navigation to the cart, which needs the cart namespace.
    documents.length = 0;
    await page.getByRole('link', { name: /^购物车/ }).click();
    await page.waitForURL(/\/cart$/);
    await expect.poll(() => mainText(page)).toContain(resources['zh-CN'].cart.empty);
    expect(localeFetches).toEqual([`/locales/zh-CN/cart.json?v=${inline.v}`]);
    expect(documents, 'a client-side navigation').toEqual([]);

    // To English: a form post answered by a redirect, followed by the router; the English namespaces are fetched first.
    await page.getByRole('button', { name: 'English' }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await expect.poll(() => mainText(page)).toContain(resources.en.cart.empty);
    await expect(page.getByRole('link', { name: /^Cart/ }).innerText()).resolves.toContain(resources.en.common.nav.cart);
    expect(localeFetches.filter((p) => p.startsWith('/locales/en/')).sort()).toEqual(
      ['cart', 'common', 'search'].map((ns) => `/locales/en/${ns}.json?v=${inline.v}`),
    );
    expect(documents, 'no reload').toEqual([]);

    // In English, on to the zone and a product page (catalog: a new namespace again).
    await page.getByRole('link', { name: resources.en.common.brand.name, exact: true }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).innerText()).toBe(resources.en.common.zone.title);
    await page.locator('.product-card a').first().click();
    await page.waitForURL(/\/products\//);
    await expect.poll(() => mainText(page)).toContain(resources.en.catalog.product.originAndSeller);
    expect(localeFetches).toContain(`/locales/en/catalog.json?v=${inline.v}`);

    // Back to Chinese on the product page: zh-CN already has every namespace it needs.
    const fetchedBefore = localeFetches.length;
    await page.getByRole('button', { name: '中文' }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    await expect.poll(() => mainText(page)).toContain(resources['zh-CN'].catalog.product.originAndSeller);
    expect(localeFetches.slice(fetchedBefore)).toEqual([]);
    expect(documents, 'still no reload').toEqual([]);

    expect(await rawKeys(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('without JavaScript: the language switch is a plain form post, and each page carries its own translations', async () => {
    const { context, page, errors } = await open(false);
    await page.goto(`${server.url}/cart`);
    await expect(mainText(page)).resolves.toContain(resources['zh-CN'].cart.empty);
    await page.getByRole('button', { name: 'English' }).click();
    await page.waitForURL(/\/cart$/);
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
    await expect(mainText(page)).resolves.toContain(resources.en.cart.empty);
    const inline = JSON.parse((await page.locator('#i18n-resources').textContent())!) as { lng: string; ns: Record<string, unknown> };
    expect(inline.lng).toBe('en');
    expect(Object.keys(inline.ns).sort()).toEqual(['cart', 'common', 'search']);
    await page.getByRole('button', { name: '中文' }).click();
    await page.waitForURL(/\/cart$/);
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('zh-CN');
    await expect(mainText(page)).resolves.toContain(resources['zh-CN'].cart.empty);
    await expect(page.locator('body').innerText()).resolves.not.toMatch(RAW_KEY);
    expect(errors).toEqual([]);
    await context.close();
  });
});
