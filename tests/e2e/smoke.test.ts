/**
 * Browser smoke test in Debian's Chromium: a phone-sized visitor opens the zone, sees the GI
 * products in Chinese, and logs in as the demo customer — with JavaScript and without it.
 */
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './helpers/browser';
import { startServer, type RunningServer } from './helpers/server';

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' };

describe('smoke: the zone and the demo customer’s login', () => {
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

  for (const javaScriptEnabled of [true, false]) {
    it(`opens the zone and logs in as the demo customer (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
      const context = await browser.newContext({ ...PHONE, javaScriptEnabled });
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') pageErrors.push(m.text());
      });

      await page.goto(`${server.url}/`);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('抗疫地标产品专区');
      expect(await page.locator('.product-card').count()).toBeGreaterThanOrEqual(12);
      await expect(page.locator('.product-card').first().textContent()).resolves.toMatch(/[\u4e00-\u9fff]/);

      fs.mkdirSync('.cache/screenshots', { recursive: true });
      await page.screenshot({ path: `.cache/screenshots/zone-js-${javaScriptEnabled ? 'on' : 'off'}.png` });

      await page.getByRole('link', { name: '登录' }).click();
      await page.waitForURL(/\/login/);
      await page.getByLabel('账号').fill('13800000000');
      await page.getByLabel('密码', { exact: true }).fill('Demo-Customer-2020');
      await page.getByRole('button', { name: '登录' }).click();
      await page.waitForURL((url) => !url.pathname.startsWith('/login'));
      await page.getByRole('link', { name: '我的' }).waitFor({ state: 'visible', timeout: 10_000 });

      await page.goto(`${server.url}/account`);
      await expect(page.locator('main').textContent()).resolves.toContain('13800000000');
      expect(pageErrors).toEqual([]);
      await context.close();
    });
  }

  for (const javaScriptEnabled of [true, false]) {
    it(`follows a product card and a province chip from the zone (JavaScript ${javaScriptEnabled ? 'on: client-side, the document stays' : 'off: ordinary links'})`, async () => {
      const context = await browser.newContext({ ...PHONE, javaScriptEnabled });
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      let documents = 0;
      page.on('request', (request) => {
        if (request.resourceType() === 'document') documents += 1;
      });
      await page.goto(`${server.url}/`);
      const card = page.locator('#products .product-card__link').first();
      const href = (await card.getAttribute('href'))!;
      expect(href).toMatch(/^\/products\//);
      if (javaScriptEnabled) {
        // Hydrated, with root's click listener in place.
        await page.locator('html[data-list-links="ready"]').waitFor({ state: 'attached' });
        // A ctrl-click is the browser's: a new tab, while this page stays where it is.
        const [tab] = await Promise.all([context.waitForEvent('page'), card.click({ modifiers: ['Control'] })]);
        await tab.waitForURL((url) => url.pathname === href);
        await tab.close();
        expect(new URL(page.url()).pathname).toBe('/');
      }
      await card.click();
      await page.waitForURL((url) => url.pathname === href);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBeTruthy();
      await page.goBack();
      await page.waitForURL((url) => url.pathname === '/');
      const chip = page.locator('.chip-list .chip[href^="/?province="]').first();
      const province = (await chip.getAttribute('href'))!;
      await chip.click();
      await page.waitForURL((url) => url.search === province.slice(1, province.indexOf('#')));
      await page.locator(`.chip[aria-current="page"][href="${province}"]`).waitFor({ timeout: 10_000 });
      // With JavaScript only the zone was loaded as a document; without it, each click loads one
      // (going back may come from the browser's cache).
      if (javaScriptEnabled) expect(documents).toBe(1);
      else expect(documents).toBeGreaterThanOrEqual(3);
      expect(pageErrors).toEqual([]);
      await context.close();
    });
  }

  it('refuses a wrong password with a message and no session', async () => {
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    await page.goto(`${server.url}/login`);
    await page.getByLabel('账号').fill('13800000000');
    await page.getByLabel('密码', { exact: true }).fill('not-the-password');
    await page.getByRole('button', { name: '登录' }).click();
    await expect(page.locator('.form-error, [role=alert]').first().textContent()).resolves.toMatch(/账号或密码/);
    expect((await context.cookies()).filter((c) => c.name.includes('session'))).toEqual([]);
    await context.close();
  });
});
