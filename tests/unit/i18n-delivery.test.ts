/**
 * How translations reach the browser: the server's shared instances and the inline JSON it puts
 * into a page, the /locales/<lng>/<ns>.json resource route, and the browser's instances that start
 * from the inline JSON and fetch what a later page needs (before it renders).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resources } from '~/locales';
import { TRANSLATIONS_VERSION } from '~/locales/resources.server';
import * as localesRoute from '~/routes/locales.$lng.$ns/route';
import { createBrowserI18nHost } from '~/utils/i18n-browser';
import { translationsUrl } from '~/utils/i18n-backend';
import { routeNamespaces, serializeInlineTranslations, useTranslationsLoaded, type InlineTranslations } from '~/utils/i18n-document';
import { createI18n, serverI18nHost } from '~/utils/i18n';

function get(path: string, headers: Record<string, string> = {}) {
  const url = new URL(path, 'http://localhost');
  const [, , lng, ns] = url.pathname.split('/');
  return localesRoute.loader({ request: new Request(url, { headers }), params: { lng, ns }, context: {} } as never);
}

/** A document as entry.client sees it: <html lang> and the inline script. */
function documentWith(text: string | null, lang = 'zh-CN'): Document {
  return {
    documentElement: { lang },
    getElementById: (id: string) => (id === 'i18n-resources' && text !== null ? { textContent: text } : null),
  } as unknown as Document;
}

/** fetch as the browser would call the resource route, recording the URLs. */
function routeFetch(answer?: (url: string) => Response | undefined) {
  const urls: string[] = [];
  const fetchImpl = vi.fn(async (input: string | URL | Request) => {
    const url = String(input);
    urls.push(url);
    return answer?.(url) ?? get(url);
  });
  return { fetchImpl, urls };
}

// Root's Layout calls it while rendering; it uses no React state, so a test may call it directly.
const translationsGate = useTranslationsLoaded;

/** Runs the gate the way React does: it either returns (ready) or throws the promise to wait for. */
async function loadThroughGate(i18n: Parameters<typeof translationsGate>[0], namespaces: Parameters<typeof translationsGate>[1]): Promise<number> {
  let waits = 0;
  for (;;) {
    try {
      translationsGate(i18n, namespaces);
      return waits;
    } catch (thrown) {
      if (!(thrown instanceof Promise)) throw thrown;
      waits += 1;
      await thrown;
    }
  }
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('translations on the server', () => {
  it('keeps one instance per language, built once, whose language never changes', () => {
    const zh = createI18n('zh-CN');
    const en = createI18n('en');
    expect(createI18n('zh-CN')).toBe(zh);
    expect(serverI18nHost('en').instanceFor('en')).toBe(en);
    expect([zh.language, en.language]).toEqual(['zh-CN', 'en']);
    expect(en.t('catalog:giKind.protected_product')).toBe(resources.en.catalog.giKind.protected_product);
    expect(zh.t('catalog:giKind.protected_product')).toBe(resources['zh-CN'].catalog.giKind.protected_product);
  });

  it('puts only the asked language and namespaces into the page', () => {
    const text = serverI18nHost('en').inlineText('en', ['common', 'catalog']);
    expect(JSON.parse(text)).toEqual({ lng: 'en', v: TRANSLATIONS_VERSION, ns: { common: resources.en.common, catalog: resources.en.catalog } });
    expect(serverI18nHost('en').inlineText('en', ['common', 'catalog'])).toBe(text);
  });

  it('escapes < so that no text can close the script element', () => {
    const data = { lng: 'en', v: 'x', ns: { common: { evil: '</script><script>alert(1)</script><!--' } } } as unknown as InlineTranslations;
    const text = serializeInlineTranslations(data);
    expect(text).not.toContain('<');
    expect(JSON.parse(text)).toEqual(data);
  });

  it('collects the matched routes’ namespaces, common always, unknown names ignored', () => {
    expect(routeNamespaces([{ handle: { i18n: ['search'] } }, { handle: undefined }, { handle: { i18n: 'cart' } }, { handle: { i18n: ['catalog', 'nope'] } }])).toEqual([
      'common',
      'catalog',
      'search',
      'cart',
    ]);
  });
});

describe('GET /locales/<lng>/<ns>.json', () => {
  it('answers a known namespace with its JSON, cached for a year at the current version', async () => {
    const response = await get(`/locales/en/catalog.json?v=${TRANSLATIONS_VERSION}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
    expect(await response.json()).toEqual(resources.en.catalog);
    const zh = await get(`/locales/zh-CN/common.json?v=${TRANSLATIONS_VERSION}`);
    expect(await zh.json()).toEqual(resources['zh-CN'].common);
  });

  it('has it revalidated when asked without the current version, and answers 304 to its ETag', async () => {
    const plain = await get('/locales/en/catalog.json');
    expect(plain.headers.get('Cache-Control')).toBe('public, max-age=0, must-revalidate');
    const old = await get('/locales/en/catalog.json?v=000000000000');
    expect(old.headers.get('Cache-Control')).toBe('public, max-age=0, must-revalidate');
    const etag = plain.headers.get('ETag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await get('/locales/en/catalog.json', { 'If-None-Match': `W/"other", ${etag}` });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect((await get('/locales/en/common.json')).headers.get('ETag')).not.toBe(etag);
  });

  it.each(['/locales/fr/catalog.json', '/locales/en/secrets.json', '/locales/en/catalog', '/locales/en/catalog.txt', '/locales/en/..%2Fen%2Fcatalog.json', '/locales/EN/catalog.json'])(
    '404 for %s',
    async (path) => {
      const response = await get(path);
      expect(response.status).toBe(404);
      expect(response.headers.get('Cache-Control')).toBe('no-store');
    },
  );

  it('is GET only: the route has a loader and no action (Remix answers other methods 405)', () => {
    expect(typeof localesRoute.loader).toBe('function');
    expect('action' in localesRoute).toBe(false);
  });
});

describe('translations in the browser', () => {
  const inline = (lng: 'zh-CN' | 'en', namespaces: ('common' | 'catalog' | 'search')[]) => serverI18nHost(lng).inlineText(lng, namespaces);

  it('starts from the inline JSON synchronously, fetching nothing', () => {
    const { fetchImpl } = routeFetch();
    vi.stubGlobal('fetch', fetchImpl);
    const text = inline('en', ['common', 'catalog']);
    const host = createBrowserI18nHost(documentWith(text, 'en'));
    const i18n = host.instanceFor('en');
    expect(host.locale).toBe('en');
    expect(host.inlineText('zh-CN', [])).toBe(text);
    expect(i18n.language).toBe('en');
    expect(i18n.t('catalog:giKind.protected_product')).toBe(resources.en.catalog.giKind.protected_product);
    expect(() => translationsGate(i18n, ['common', 'catalog'])).not.toThrow();
    expect(fetchImpl).not.toHaveBeenCalled();
  });

  it('holds the render of a page that needs another namespace until it is fetched, once', async () => {
    const { fetchImpl, urls } = routeFetch();
    vi.stubGlobal('fetch', fetchImpl);
    const i18n = createBrowserI18nHost(documentWith(inline('zh-CN', ['common', 'search']))).instanceFor('zh-CN');
    expect(i18n.t('cart:title'), 'a missing key shows its namespace').toBe('cart:title');
    expect(await loadThroughGate(i18n, ['common', 'search', 'cart', 'orders'])).toBe(1);
    expect(urls.sort()).toEqual([translationsUrl('zh-CN', 'cart', TRANSLATIONS_VERSION), translationsUrl('zh-CN', 'orders', TRANSLATIONS_VERSION)].sort());
    expect(urls[0]).toMatch(new RegExp(`^/locales/zh-CN/(cart|orders)\\.json\\?v=${TRANSLATIONS_VERSION}$`));
    expect(i18n.t('cart:title')).toBe(resources['zh-CN'].cart.title);
    expect(await loadThroughGate(i18n, ['common', 'cart'])).toBe(0);
    expect(fetchImpl).toHaveBeenCalledTimes(2);
  });

  it('switches language with the new language’s own instance, fetching only that language', async () => {
    const { fetchImpl, urls } = routeFetch();
    vi.stubGlobal('fetch', fetchImpl);
    const host = createBrowserI18nHost(documentWith(inline('zh-CN', ['common', 'catalog'])));
    const zh = host.instanceFor('zh-CN');
    const en = host.instanceFor('en');
    expect(en).not.toBe(zh);
    expect(host.instanceFor('en')).toBe(en);
    await loadThroughGate(en, ['common', 'catalog']);
    expect(urls.every((url) => url.startsWith('/locales/en/'))).toBe(true);
    expect(en.t('common:zone.title')).toBe(resources.en.common.zone.title);
    expect(zh.language).toBe('zh-CN');
    expect(zh.t('common:zone.title')).toBe(resources['zh-CN'].common.zone.title);
  });

  it('without inline data, takes the language from <html lang> and fetches everything before rendering', async () => {
    const { fetchImpl } = routeFetch();
    vi.stubGlobal('fetch', fetchImpl);
    const i18n = createBrowserI18nHost(documentWith(null, 'en')).instanceFor('en');
    expect(await loadThroughGate(i18n, ['common'])).toBe(1);
    expect(i18n.t('zone.title')).toBe(resources.en.common.zone.title);
  });

  it('loads the page from the server again when a namespace cannot be fetched (never shows raw keys)', async () => {
    const { fetchImpl } = routeFetch((url) => (url.includes('/cart.json') ? new Response('Not found', { status: 404 }) : undefined));
    const reload = vi.fn();
    vi.stubGlobal('fetch', fetchImpl);
    vi.stubGlobal('window', { location: { reload } });
    const i18n = createBrowserI18nHost(documentWith(inline('zh-CN', ['common']))).instanceFor('zh-CN');
    let thrown: unknown;
    try {
      translationsGate(i18n, ['common', 'cart']);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Promise);
    // The promise never settles (the page is going away); wait for the reload instead.
    await vi.waitFor(() => expect(reload).toHaveBeenCalledTimes(1));
    // a 404 is not retried
    expect(fetchImpl).toHaveBeenCalledTimes(1);
  });
});
