/**
 * The full-page cache for anonymous visitors, through the real server (production build, PGlite):
 * every response carries its own CSP nonce, compressed or not; signed-in visitors and carts are
 * never served a stored page; a stock change reaches the cached product page through the outbox
 * (the TTL is set far longer than the wait here, so only the invalidation can make it pass).
 */
import http from 'node:http';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './helpers/server';

const PRODUCT = '/products/zigui-qicheng-5kg-gift-box';
const COOP = 'zigui-chengxiang';

function cspNonce(headers: Headers): string {
  const m = /'nonce-([^']+)'/.exec(headers.get('content-security-policy') ?? '');
  if (!m) throw new Error('no nonce in the CSP header');
  return m[1]!;
}

function nonceAttributes(html: string): string[] {
  return [...html.matchAll(/nonce="([^"]*)"/g)].map((m) => m[1]!);
}

function stockOf(html: string, variantId: string): number | null {
  const m = new RegExp(`name="variantId"[^>]*value="${variantId}"/>.*?库存 (\\d+)<`).exec(html);
  return m ? Number(m[1]) : null;
}

describe('full-page cache for anonymous visitors', () => {
  let server: RunningServer;
  let origin: string;

  beforeAll(async () => {
    // TTLs of five minutes: whatever refreshes a page within this test is the outbox, not expiry.
    server = await startServer({ env: { PAGE_CACHE_TTL_SECONDS: '300', CATALOG_CACHE_SECONDS: '300' } });
    origin = server.url;
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function get(path: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${origin}${path}`, { headers: { 'Accept-Language': 'zh-CN', ...headers } });
    return { res, html: await res.text() };
  }

  it('stores anonymous pages and gives every response its own nonce, matching its CSP header', async () => {
    await get(PRODUCT);
    const a = await get(PRODUCT);
    const b = await get(PRODUCT);
    expect(a.res.headers.get('x-page-cache')).toBe('hit');
    expect(b.res.headers.get('x-page-cache')).toBe('hit');
    const [na, nb] = [cspNonce(a.res.headers), cspNonce(b.res.headers)];
    expect(na).not.toBe(nb);
    for (const [page, nonce] of [[a.html, na], [b.html, nb]] as const) {
      const attrs = nonceAttributes(page);
      expect(attrs.length).toBeGreaterThan(0);
      expect(new Set(attrs)).toEqual(new Set([nonce]));
    }
    // Apart from the nonce the two pages are the same document.
    expect(a.html.replaceAll(na, 'N')).toBe(b.html.replaceAll(nb, 'N'));
  });

  it('serves stored pages gzip-compressed, with the fresh nonce inside the compressed bytes', async () => {
    const plain = await get('/');
    // node:http, not fetch: fetch would decompress the body itself.
    const res = await new Promise<{ headers: http.IncomingHttpHeaders; raw: Buffer }>((resolve, reject) => {
      http
        .get(`${origin}/`, { headers: { 'Accept-Language': 'zh-CN', 'Accept-Encoding': 'gzip' } }, (r) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => resolve({ headers: r.headers, raw: Buffer.concat(chunks) }));
        })
        .on('error', reject);
    });
    expect(res.headers['x-page-cache']).toBe('hit');
    expect(res.headers['content-encoding']).toBe('gzip');
    const raw = res.raw;
    expect(raw.length).toBe(Number(res.headers['content-length']));
    const html = zlib.gunzipSync(raw).toString('utf8');
    const nonce = cspNonce(new Headers({ 'content-security-policy': String(res.headers['content-security-policy']) }));
    expect(new Set(nonceAttributes(html))).toEqual(new Set([nonce]));
    expect(html.replaceAll(nonce, 'N')).toBe(plain.html.replaceAll(cspNonce(plain.res.headers), 'N'));
    // Much smaller than the page: it really is compressed.
    expect(raw.length).toBeLessThan(Buffer.byteLength(html) / 3);
  });

  it('keys pages by locale', async () => {
    await get('/', { 'Accept-Language': 'en' });
    const en = await get('/', { 'Accept-Language': 'en' });
    const zh = await get('/', { 'Accept-Language': 'zh-CN' });
    expect(en.res.headers.get('x-page-cache')).toBe('hit');
    expect(en.html).toContain('<html lang="en"');
    expect(zh.html).toContain('<html lang="zh-CN"');
  });

  it('never serves a stored page to a signed-in visitor, and signs nobody in from one', async () => {
    await get('/');
    const login = await fetch(`${origin}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Origin: origin, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ account: 'customer@demo.dibiao.example', password: 'Demo-Customer-2020' }),
    });
    expect(login.status).toBe(302);
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    expect(cookie).toMatch(/session=/);
    for (let i = 0; i < 3; i++) {
      const page = await get('/', { Cookie: cookie });
      expect(page.res.headers.get('x-page-cache')).toBe('bypass');
      expect(page.res.headers.get('cache-control') ?? '').not.toMatch(/public/);
    }
    // The cookie is a live session (its account page opens), and the stored copy stays anonymous.
    const account = await fetch(`${origin}/account`, { headers: { Cookie: cookie }, redirect: 'manual' });
    expect(account.status).toBe(200);
    const anonymous = await get('/');
    expect(anonymous.res.headers.get('x-page-cache')).toBe('hit');
    expect(anonymous.res.headers.getSetCookie()).toEqual([]);
  });

  it('does not store pages for visitors with a cart, nor non-page requests', async () => {
    const withCart = await get('/', { Cookie: 'cart=anything' });
    expect(withCart.res.headers.get('x-page-cache')).toBe('bypass');
    const data = await fetch(`${origin}${PRODUCT}.data`);
    expect(data.headers.get('x-page-cache')).toBe('bypass');
    const cartPage = await get('/cart');
    expect(cartPage.res.headers.get('x-page-cache')).toBe('bypass');
    // A missing product is rendered (a miss), sent compressed, and not kept.
    for (let i = 0; i < 2; i += 1) {
      const missing = await fetch(`${origin}/products/no-such-product`, { headers: { 'Accept-Encoding': 'gzip' } });
      expect(missing.status).toBe(404);
      expect(missing.headers.get('x-page-cache')).toBe('miss');
      expect(missing.headers.get('content-encoding')).toBe('gzip');
      expect(await missing.text()).toContain('<html');
    }
  });

  async function signInCooperative(): Promise<string> {
    const login = await fetch(`${origin}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Origin: origin, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ account: `coop-${COOP}@demo.dibiao.example`, password: 'Demo-Cooperative-2020' }),
    });
    return login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  }

  /** The portal paths of the product holding this variant. */
  async function findProduct(cookie: string, variantId: string) {
    const list = await (await fetch(`${origin}/coop/${COOP}/products`, { headers: { Cookie: cookie } })).text();
    const productIds = [...new Set([...list.matchAll(new RegExp(`/coop/${COOP}/products/(\\d+)`, 'g'))].map((m) => m[1]!))];
    for (const id of productIds) {
      const page = await (await fetch(`${origin}/coop/${COOP}/products/${id}/stock`, { headers: { Cookie: cookie } })).text();
      if (page.includes(`value="${variantId}"`)) return { stockPath: `/coop/${COOP}/products/${id}/stock`, editPath: `/coop/${COOP}/products/${id}` };
    }
    throw new Error(`no product of ${COOP} holds variant ${variantId}`);
  }

  it('shows a stock change on the cached product page soon after it commits (through the outbox)', async () => {
    await get(PRODUCT);
    const before = await get(PRODUCT);
    expect(before.res.headers.get('x-page-cache')).toBe('hit');
    const variantId = /name="variantId"[^>]*value="(\d+)"/.exec(before.html)?.[1];
    expect(variantId).toBeTruthy();
    const stock = stockOf(before.html, variantId!);
    expect(stock).toBeGreaterThan(0);

    // The cooperative lowers its stock in its portal.
    const cookie = await signInCooperative();
    const { stockPath } = await findProduct(cookie, variantId!);
    const adjust = await fetch(`${origin}${stockPath}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Origin: origin, Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ variantId: variantId!, delta: '-1', reason: '盘点损耗' }),
    });
    expect([200, 302, 303]).toContain(adjust.status);

    // The page refreshes within a few poll intervals (1 s each); the TTL (5 min) plays no part.
    let seen: number | null = stock;
    for (let i = 0; i < 50 && seen === stock; i++) {
      await new Promise((r) => setTimeout(r, 200));
      seen = stockOf((await get(PRODUCT)).html, variantId!);
    }
    expect(seen).toBe(stock! - 1);
  });

  /** Archives a product as its cooperative and waits for the signed-in zone's count to drop by one (then lists it again). */
  async function zoneCountFollowsArchive(pageCacheHeader: string | null) {
    const cookie = await signInCooperative();
    const listed = async () => {
      const { res, html } = await get('/', { Cookie: cookie });
      expect(res.headers.get('x-page-cache')).toBe(pageCacheHeader);
      const m = /(\d+) 件商品/.exec(html);
      expect(m).toBeTruthy();
      return Number(m![1]);
    };
    const before = await listed();
    expect(await listed()).toBe(before);
    const variantId = /name="variantId"[^>]*value="(\d+)"/.exec((await get(PRODUCT)).html)?.[1];
    const { editPath } = await findProduct(cookie, variantId!);
    const setStatus = async (intent: string) => {
      const res = await fetch(`${origin}${editPath}?index`, {
        method: 'POST',
        redirect: 'manual',
        headers: { Origin: origin, Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ intent }),
      });
      expect([200, 302, 303]).toContain(res.status);
    };
    await setStatus('archive');
    try {
      let seen = before;
      for (let i = 0; i < 50 && seen === before; i++) {
        await new Promise((r) => setTimeout(r, 200));
        seen = await listed();
      }
      expect(seen).toBe(before - 1);
    } finally {
      await setStatus('restore');
      await setStatus('publish');
    }
  }

  it('follows catalog changes for signed-in visitors too: the zone\'s shared counts empty through the outbox', async () => {
    await zoneCountFollowsArchive('bypass');
  });

  it('follows catalog changes in the zone\'s shared counts with the page cache turned off (PAGE_CACHE=off)', async () => {
    const uncached = await startServer({ env: { PAGE_CACHE: 'off', CATALOG_CACHE_SECONDS: '300' } });
    const cachedOrigin = origin;
    origin = uncached.url;
    try {
      await zoneCountFollowsArchive(null);
    } finally {
      origin = cachedOrigin;
      await uncached.stop();
    }
  });

  it('names every response and its log lines with a request id (a proxy\'s id is kept when well-formed)', async () => {
    const given = `req-${Date.now()}-abcdef`;
    const res = await fetch(`${origin}/search?q=%E8%84%90%E6%A9%99`, { headers: { 'X-Request-Id': given } });
    expect(res.headers.get('x-request-id')).toBe(given);
    const forged = await fetch(`${origin}/`, { headers: { 'X-Request-Id': '<script>alert(1)</script>' } });
    expect(forged.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    await new Promise((r) => setTimeout(r, 100));
    const lines = server.logs.join('').split('\n').filter((l) => l.includes(given));
    const access = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'request');
    expect(access).toMatchObject({ requestId: given, method: 'GET', path: '/search', status: 200 });
    // The query (what someone searched for) stays out of the log.
    expect(lines.join('')).not.toContain('q=');
  });
});
