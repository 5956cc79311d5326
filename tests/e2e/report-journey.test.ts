/**
 * A logistics report from filing to resolution in Chromium, on a phone: the Hubei association's
 * staff file a cold-chain shortage for 潜江龙虾 in 潜江市 (without JavaScript), the product page
 * warns buyers that shipping may be delayed, the Hubei coordinator acknowledges, assigns,
 * comments and resolves it (with JavaScript), the reporter sees each step — but never the
 * internal note — and the warning is gone.
 */
import fs from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './helpers/browser';
import { startServer, type RunningServer } from './helpers/server';

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' };
const PRODUCT = '/products/qianjiang-longxia-live-2-5kg';
const SUMMARY = '冷链车不够，潜江活虾发不出去';

describe('report journey: a cold-chain shortage from filing to resolution', () => {
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await server?.stop();
  });

  async function signedIn(account: string, password: string, javaScriptEnabled: boolean): Promise<Page> {
    const context = await browser.newContext({ ...PHONE, javaScriptEnabled });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    await page.goto(`${server.url}/login`);
    await page.getByLabel('账号').fill(account);
    await page.getByLabel('密码', { exact: true }).fill(password);
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/login'));
    return page;
  }

  const main = (page: Page) => page.locator('main').innerText();

  it('files, warns buyers, is worked through by the coordinator and stops warning once resolved', async () => {
    fs.mkdirSync('.cache/screenshots', { recursive: true });

    // ---- the association's staff file the report, without JavaScript
    const reporter = await signedIn('association-hubei@demo.dibiao.example', 'Demo-Association-2020', false);
    await reporter.goto(`${server.url}/reports/new`);
    await reporter.locator('#kind-logistics_blocked').check();
    await reporter.getByLabel('物流受阻的原因').selectOption('cold_chain_shortage');
    await reporter.getByLabel('市、县（区）').selectOption('429005');
    await reporter.getByLabel('具体位置（选填）').fill('熊口镇 G318 路口');
    await reporter.getByLabel('潜江龙虾 鲜活小龙虾 4–6 钱 2.5kg').check();
    await reporter.getByLabel('面临损失的数量（选填）').fill('15000');
    await reporter.getByLabel('几天后货会坏掉或失去价值（选填）').fill('5');
    await reporter.getByLabel('详细说明（选填）').fill('合作社的冷链车被征用，活虾已到上市规格。');
    const photo = await sharp({ create: { width: 120, height: 80, channels: 3, background: { r: 40, g: 90, b: 160 } } }).png().toBuffer();
    const attachment = { name: 'truck.png', mimeType: 'image/png', buffer: photo };
    await reporter.getByLabel('照片或文件（选填）').setInputFiles(attachment);
    await reporter.getByLabel('联系电话').fill('0728-6200000');

    // Sent without a summary: the page comes back with the error, everything typed, and a note to choose the photo again.
    await reporter.getByRole('button', { name: '提交报告' }).click();
    await reporter.getByText('请用一句话概括情况').waitFor();
    expect(await reporter.locator('#kind-logistics_blocked').isChecked()).toBe(true);
    expect(await reporter.getByLabel('物流受阻的原因').inputValue()).toBe('cold_chain_shortage');
    expect(await reporter.getByLabel('市、县（区）').inputValue()).toBe('429005');
    expect(await reporter.getByLabel('具体位置（选填）').inputValue()).toBe('熊口镇 G318 路口');
    expect(await reporter.getByLabel('潜江龙虾 鲜活小龙虾 4–6 钱 2.5kg').isChecked()).toBe(true);
    expect(await reporter.getByLabel('面临损失的数量（选填）').inputValue()).toBe('15000');
    expect(await reporter.getByLabel('联系电话').inputValue()).toBe('0728-6200000');
    expect(await main(reporter)).toContain('请重新选择：truck.png');

    await reporter.getByLabel('一句话概括').fill(SUMMARY);
    await reporter.getByLabel('照片或文件（选填）').setInputFiles(attachment);
    await reporter.screenshot({ path: '.cache/screenshots/report-form.png', fullPage: true });
    await reporter.getByRole('button', { name: '提交报告' }).click();
    await reporter.waitForURL(/\/reports\/[0-9a-f-]{36}\?filed=1/);
    const reportUrl = reporter.url().replace(/\?.*$/, '');
    expect(await main(reporter)).toContain('报告已提交');
    expect(await main(reporter)).toContain('待受理');
    expect(await main(reporter)).toContain(SUMMARY);
    expect(await reporter.getByRole('link', { name: /附件 1/ }).count()).toBe(1);

    // ---- buyers are told shipping may be delayed
    const buyer = await browser.newContext(PHONE);
    contexts.push(buyer);
    const shop = await buyer.newPage();
    await shop.goto(`${server.url}${PRODUCT}`);
    const notice = shop.locator('.delay-notice');
    await expect(notice.innerText()).resolves.toContain('发货可能延迟');
    await expect(notice.innerText()).resolves.toContain(SUMMARY);
    await shop.screenshot({ path: '.cache/screenshots/report-product-notice.png' });

    // ---- the Hubei coordinator works it through, with JavaScript
    const coordinator = await signedIn('coordinator-hubei@demo.dibiao.example', 'Demo-Coordinator-2020', true);
    await coordinator.goto(`${server.url}/notifications`);
    expect(await main(coordinator)).toContain('新报告：潜江市 物流受阻');
    await coordinator.goto(`${server.url}/coordinator?province=420000`);
    await coordinator.screenshot({ path: '.cache/screenshots/report-board.png', fullPage: true });
    await coordinator.getByRole('link', { name: SUMMARY }).first().click();
    await coordinator.waitForURL(reportUrl);

    const reporterSees = async (text: string | RegExp) => {
      await reporter.goto(reportUrl);
      const body = await main(reporter);
      if (typeof text === 'string') expect(body).toContain(text);
      else expect(body).toMatch(text);
      return body;
    };

    await coordinator.getByRole('button', { name: '受理' }).click();
    await coordinator.getByText('已受理这份报告。').waitFor();
    await reporterSees(/已受理/);

    await coordinator.getByLabel('协调员', { exact: true }).selectOption({ label: '湖北协调员（演示）' });
    await coordinator.getByLabel('对接部门', { exact: true }).selectOption('transport');
    await coordinator.getByRole('button', { name: '保存分派' }).click();
    await coordinator.getByText('分派已保存。').waitFor();
    await reporterSees('交通运输');

    await coordinator.getByLabel('留言', { exact: true }).fill('已联系交通运输部门，明天开通绿色通道');
    await coordinator.getByRole('button', { name: '发送留言' }).click();
    await coordinator.getByText('留言已发送。').waitFor();
    expect(await coordinator.getByLabel('留言', { exact: true }).inputValue()).toBe('');
    await coordinator.getByLabel('内部备注', { exact: true }).fill('内部：冷链车明早从武汉调两辆');
    await coordinator.getByRole('button', { name: '添加内部备注' }).click();
    await coordinator.getByText('内部备注已添加。').waitFor();
    expect(await main(coordinator)).toContain('内部：冷链车明早从武汉调两辆');
    const afterComment = await reporterSees('已联系交通运输部门，明天开通绿色通道');
    expect(afterComment).not.toContain('内部：冷链车明早从武汉调两辆');

    await coordinator.getByRole('button', { name: '开始处理' }).click();
    await coordinator.getByText('已开始处理。').waitFor();
    await reporterSees('处理中');
    await coordinator.getByRole('button', { name: '标记为已解决' }).click();
    await coordinator.getByText('已标记为解决。').waitFor();
    await coordinator.screenshot({ path: '.cache/screenshots/report-detail.png', fullPage: true });

    const finalView = await reporterSees('已解决');
    expect(finalView).toContain('状态：处理中 → 已解决');
    expect(finalView).not.toContain('内部：冷链车明早从武汉调两辆');
    await reporter.goto(`${server.url}/notifications`);
    const inbox = await main(reporter);
    expect(inbox).toMatch(/报告 [0-9A-F]{8} 已受理/);
    expect(inbox).toMatch(/报告 [0-9A-F]{8} 已解决/);
    expect(inbox).toMatch(/有新留言/);

    // ---- the warning is gone
    await shop.goto(`${server.url}${PRODUCT}`);
    expect(await shop.locator('.delay-notice').count()).toBe(0);
    expect(await shop.locator('main').innerText()).not.toContain('发货可能延迟');

    // The one deliberate 400 is the form sent without a summary; nothing else may fail.
    expect(pageErrors.filter((e) => !e.includes('status of 400'))).toEqual([]);
    expect(pageErrors.filter((e) => e.includes('status of 400'))).toHaveLength(1);
  });
});
