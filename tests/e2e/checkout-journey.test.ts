/**
 * The buying journey in Debian's Chromium, phone-sized, with JavaScript and without: a guest
 * searches 脐橙 from the header, adds 秭归脐橙 to the cart, checks out paying by bank transfer and
 * sees the operator's payee details with the order number as reference (the guest keeps the
 * order's link: no account needed); the Hubei coordinator goes from the coordinator board to the
 * bank-transfer desk and confirms the transfer; the guest, back on the order link, sees the order
 * paid; the cooperative that grows 秭归脐橙 (秭归县橙乡脐橙专业合作社) finds the order in its portal
 * and ships it with a carrier and tracking number; the guest sees the tracking number.
 */
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './helpers/browser';
import { startServer, type RunningServer } from './helpers/server';

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' };
const PRODUCT = '/products/zigui-qicheng-5kg-gift-box';
const COORDINATOR = { account: 'coordinator-hubei@demo.dibiao.example', password: 'Demo-Coordinator-2020' };
const COOPERATIVE = { slug: 'zigui-chengxiang', account: 'coop-zigui-chengxiang@demo.dibiao.example', password: 'Demo-Cooperative-2020' };

async function logIn(page: Page, baseUrl: string, redirectTo: string, { account, password }: { account: string; password: string }) {
  await page.goto(`${baseUrl}/login?redirectTo=${encodeURIComponent(redirectTo)}`);
  await page.getByLabel('账号').fill(account);
  await page.getByLabel('密码', { exact: true }).fill(password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((url) => url.pathname === redirectTo);
}

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return errors;
}

describe('checkout journey: search, cart, bank transfer, coordinator confirmation, shipment', () => {
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
    const mode = javaScriptEnabled ? 'on' : 'off';
    it(`buys 秭归脐橙 by bank transfer, sees it paid once the coordinator confirms, and sees its tracking number once the cooperative ships it (JavaScript ${mode})`, async () => {
      const guest = await browser.newContext({ ...PHONE, javaScriptEnabled });
      const page = await guest.newPage();
      const errors = watchErrors(page);

      // Search from the header and open the product.
      await page.goto(`${server.url}/`);
      const searchBox = page.locator('form[role=search] input[name=q]');
      if (javaScriptEnabled) {
        // Submitting while the suggestion request is in flight sometimes ends on a client-side 404
        // (reported to the lead); a buyer reads the suggestions first, so wait for them too.
        await Promise.all([page.waitForResponse((r) => r.url().includes('/search/suggest')), searchBox.fill('脐橙')]);
      } else {
        await searchBox.fill('脐橙');
      }
      await page.locator('form[role=search] button[type=submit]').click();
      await page.waitForURL(/\/search\?q=/);
      await page.locator(`a[href="${PRODUCT}"]`).first().click();
      await page.waitForURL((url) => url.pathname === PRODUCT);
      // With JavaScript the address changes a moment before the page does: wait for the page.
      await page.getByRole('heading', { level: 1, name: /秭归脐橙/ }).waitFor();

      // Into the cart, and on to checkout.
      await page.getByRole('button', { name: '加入购物车' }).click();
      await page.waitForURL(/\/cart\?added=/);
      await page.locator('.cart-line', { hasText: '秭归脐橙' }).waitFor();
      await page.getByRole('link', { name: '去结算' }).click();
      await page.waitForURL((url) => url.pathname === '/checkout');

      // The address in the Chinese form; the province is a step of its own.
      await page.getByLabel('收货人').fill('张三');
      await page.getByLabel('手机号码').fill('13800138000');
      await page.getByLabel('详细地址').fill('茅坪镇滨湖大道 1 号');
      await page.getByLabel('省份').selectOption('420000');
      if (!javaScriptEnabled) await page.getByRole('button', { name: '选择', exact: true }).click();
      const county = page.getByLabel('城市 / 区县');
      await county.locator('option[value="420527"]').waitFor({ state: 'attached' });
      await expect(page.getByLabel('收货人').inputValue()).resolves.toBe('张三');
      await county.selectOption('420527');
      await page.getByLabel(/银行转账/).check();
      fs.mkdirSync('.cache/screenshots', { recursive: true });
      await page.screenshot({ path: `.cache/screenshots/checkout-js-${mode}.png`, fullPage: true });
      await page.getByRole('button', { name: /提交订单/ }).click();

      // The order page: payee details, the exact amount, the order number as reference.
      await page.waitForURL(/\/orders\/[0-9a-f-]{36}\?t=/);
      const orderUrl = page.url().replace(/&placed=1$/, '');
      const transfer = page.locator('.panel--transfer');
      await expect(transfer.textContent()).resolves.toContain('地标助农抗疫专区运营方（演示）');
      await expect(transfer.textContent()).resolves.toContain('0000 0000 0000 0000 000');
      const number = (await page.locator('.transfer-facts__reference').textContent())!.trim();
      expect(number).toMatch(/^DB\d{8}-[0-9A-Z]{6}$/);
      const amount = (await transfer.locator('dd strong').first().textContent())!.replace(/[^\d.]/g, '');
      await expect(page.locator('main').textContent()).resolves.toContain('待付款');
      await page.screenshot({ path: `.cache/screenshots/order-unpaid-js-${mode}.png`, fullPage: true });

      // The coordinator goes from the board to the bank-transfer desk, finds the transfer by its
      // reference and confirms the amount received.
      const desk = await browser.newContext({ ...PHONE, javaScriptEnabled });
      const coordinator = await desk.newPage();
      const deskErrors = watchErrors(coordinator);
      await logIn(coordinator, server.url, '/coordinator', COORDINATOR);
      const desks = coordinator.getByRole('navigation', { name: '其他工作台' });
      await expect(desks.getByRole('link', { name: '售后争议裁定' }).getAttribute('href')).resolves.toBe('/coordinator/claims');
      await desks.getByRole('link', { name: '银行转账确认' }).click();
      await coordinator.waitForURL((url) => url.pathname === '/coordinator/payments');
      await coordinator.getByRole('heading', { level: 1, name: '银行转账确认' }).waitFor();
      await coordinator.getByLabel('订单号').fill(number);
      await coordinator.getByRole('button', { name: '查找' }).click();
      await coordinator.waitForURL(/\/coordinator\/payments\?q=/);
      const row = coordinator.locator('.transfer-row', { hasText: number });
      await row.getByLabel('实收金额（元）').fill(amount);
      await row.getByRole('button', { name: '确认到账' }).click();
      await coordinator.waitForURL(/confirmed=/);
      await expect(coordinator.locator('.form-notice').textContent()).resolves.toContain(number);

      // Back on the guest's link: paid, no more transfer instructions, the part awaiting shipment.
      await page.goto(orderUrl);
      await expect(page.locator('.status-pill').first().textContent()).resolves.toContain('已付款');
      expect(await page.locator('.panel--transfer').count()).toBe(0);
      await expect(page.locator('main').textContent()).resolves.toContain('付款成功');
      const shipment = page.locator('.shipment', { hasText: '秭归脐橙' });
      await expect(shipment.locator('.status-pill').textContent()).resolves.toContain('待发货');
      expect(await shipment.locator('.shipment__tracking').count()).toBe(0);

      // The cooperative finds the order in its portal and ships it with a carrier and tracking number.
      const portal = await browser.newContext({ ...PHONE, javaScriptEnabled });
      const cooperative = await portal.newPage();
      const portalErrors = watchErrors(cooperative);
      const ordersPath = `/coop/${COOPERATIVE.slug}/orders`;
      await logIn(cooperative, server.url, ordersPath, COOPERATIVE);
      await cooperative.getByRole('link', { name: number, exact: true }).click();
      await cooperative.waitForURL((url) => url.pathname.startsWith(`${ordersPath}/`));
      await cooperative
        .getByRole('heading', { name: `订单 ${number}` })
        .waitFor()
        .catch((error: unknown) => {
          // A page that broke in the browser says why better than a timeout.
          expect(portalErrors).toEqual([]);
          throw error;
        });
      await expect(cooperative.locator('main').textContent()).resolves.toContain('待发货');
      const trackingNumber = `SF${javaScriptEnabled ? '1' : '2'}${String(Date.now()).slice(-12)}`;
      expect(trackingNumber).toMatch(/^SF\d{13}$/);
      await cooperative.getByLabel('快递公司').selectOption('SF');
      await cooperative.getByLabel('运单号').fill(trackingNumber);
      await cooperative.getByRole('button', { name: '发货', exact: true }).click();
      await cooperative.waitForURL(/[?&]done=shipped/);
      // With JavaScript the address changes a moment before the page does: wait for the notice.
      await cooperative.getByRole('status').filter({ hasText: '已标记发货' }).waitFor();
      await expect(cooperative.locator('main').textContent()).resolves.toContain(`顺丰速运 运单号 ${trackingNumber}`);
      await cooperative.screenshot({ path: `.cache/screenshots/coop-shipped-js-${mode}.png`, fullPage: true });

      // The guest, on the order link again, sees the carrier and the tracking number.
      await page.goto(orderUrl);
      await expect(shipment.locator('.status-pill').textContent()).resolves.toContain('已发货');
      await expect(shipment.locator('.shipment__tracking').textContent()).resolves.toContain(`顺丰速运 运单号 ${trackingNumber}`);
      await page.screenshot({ path: `.cache/screenshots/order-shipped-js-${mode}.png`, fullPage: true });

      expect(errors).toEqual([]);
      expect(deskErrors).toEqual([]);
      expect(portalErrors).toEqual([]);
      await portal.close();
      await desk.close();
      await guest.close();
    });
  }

  it('refuses a transfer amount that does not match, and the order stays unpaid', async () => {
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    await page.goto(`${server.url}${PRODUCT}`);
    await page.getByRole('button', { name: '加入购物车' }).click();
    await page.waitForURL(/\/cart/);
    await page.goto(`${server.url}/checkout`);
    await page.getByLabel('收货人').fill('李四');
    await page.getByLabel('手机号码').fill('13900139000');
    await page.getByLabel('详细地址').fill('园林街道 8 号');
    await page.getByLabel('省份').selectOption('420000');
    await page.getByLabel('城市 / 区县').locator('option[value="429005"]').waitFor({ state: 'attached' });
    await page.getByLabel('城市 / 区县').selectOption('429005');
    await page.getByRole('button', { name: /提交订单/ }).click();
    await page.waitForURL(/\/orders\//);
    const number = (await page.locator('.transfer-facts__reference').textContent())!.trim();

    const desk = await browser.newContext(PHONE);
    const coordinator = await desk.newPage();
    await coordinator.goto(`${server.url}/login?redirectTo=${encodeURIComponent(`/coordinator/payments?q=${number}`)}`);
    await coordinator.getByLabel('账号').fill(COORDINATOR.account);
    await coordinator.getByLabel('密码', { exact: true }).fill(COORDINATOR.password);
    await coordinator.getByRole('button', { name: '登录' }).click();
    await coordinator.waitForURL(/\/coordinator\/payments/);
    const row = coordinator.locator('.transfer-row', { hasText: number });
    await row.getByLabel('实收金额（元）').fill('1.00');
    await row.getByRole('button', { name: '确认到账' }).click();
    await expect(row.locator('.field-error').textContent()).resolves.toContain('金额不符');
    await page.reload();
    await expect(page.locator('.status-pill').first().textContent()).resolves.toContain('待付款');
    await desk.close();
    await context.close();
  });
});
