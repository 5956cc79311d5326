/**
 * The Postgres search adapter and the /search page: filters, facets, sorts, pages, suggestions,
 * the search documents kept in step with the catalog, and URLs that never break the page.
 */
import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { cooperatives, giAuthorizations, products, searchDocuments } from '~/db/schema';
import { buildSearchDocuments, rebuildSearchDocuments, syncSearchDocuments } from '~/models/search-documents.server';
import { loader as searchLoader } from '~/routes/search/route';
import { alternativeQueries } from '~/routes/search/search-page.server';
import { searchHref } from '~/routes/search/search-params';
import { parseSearchParams } from '~/routes/search/search-params.server';
import { titleRuns } from '~/routes/search/search-hit';
import { loader as suggestLoader } from '~/routes/search.suggest/route';
import type { AppContext } from '~/utils/context.server';
import { queryRows } from '~/utils/db.server';
import { createPostgresSearch } from '~/utils/search/postgres.server';
import type { SearchAdapter, SearchQuery } from '~/utils/search/types';
import { CATALOG, idOf, loadSearchCatalog, type LoadedCatalog } from '../fixtures/search-catalog';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';

const listed = CATALOG.filter((p) => (p.status ?? 'published') === 'published' && p.coop !== 'yichang-pending');
const query = (q: string, more: Partial<SearchQuery> = {}): SearchQuery => ({
  q,
  filters: {},
  sort: 'relevance',
  page: 1,
  pageSize: 20,
  facets: false,
  ...more,
});

describeEachDriver('Postgres search adapter', (t) => {
  let catalog: LoadedCatalog;
  let search: SearchAdapter;
  const slugs = async (q: SearchQuery) => (await search.search(q)).hits.map((h) => catalog.slugOf(h.productId));

  beforeAll(async () => {
    catalog = await loadSearchCatalog(t.database.db);
    search = createPostgresSearch(t.database.db);
  });

  it('indexes exactly the listed products: published, by a verified cooperative', async () => {
    const rows = await t.database.db.select({ id: searchDocuments.productId }).from(searchDocuments);
    expect(rows.map((r) => catalog.slugOf(r.id)).sort()).toEqual(listed.map((p) => p.slug).sort());
  });

  it('keeps every row narrow: tokens out of line (TOAST) after inserts and updates, the pad dropped on update', async () => {
    const [toast] = await queryRows<{ name: string }>(t.database.db, sql`SELECT reltoastrelid::regclass::text AS name FROM pg_class WHERE oid = 'search_documents'::regclass`);
    const stored = async () =>
      (
        await queryRows<{ documents: number; outOfLine: number }>(
          t.database.db,
          sql`SELECT (SELECT count(*)::int FROM search_documents) AS documents,
                (SELECT count(DISTINCT chunk_id)::int FROM ${sql.raw(toast!.name)}) AS "outOfLine"`,
        )
      )[0];
    expect(await stored()).toEqual({ documents: listed.length, outOfLine: listed.length });
    // Rewritten with new tokens (a changed title), the row's tokens go out of line again, and the pad goes.
    const id = idOf(catalog, 'xiaogan-mijiu');
    const [before] = await t.database.db.select({ title: products.title }).from(products).where(eq(products.id, id));
    await t.database.db.update(products).set({ title: `${before!.title} 新品` }).where(eq(products.id, id));
    await syncSearchDocuments(t.database.db, [id]);
    expect(await stored()).toEqual({ documents: listed.length, outOfLine: listed.length });
    const [row] = await t.database.db.select({ toastPad: searchDocuments.toastPad }).from(searchDocuments).where(eq(searchDocuments.productId, id));
    expect(row?.toastPad).toBeNull();
    await t.database.db.update(products).set({ title: before!.title }).where(eq(products.id, id));
    await syncSearchDocuments(t.database.db, [id]);
  });

  it('counts every facet of the matches, with the names a buyer reads', async () => {
    const result = await search.search(query('脐橙', { facets: true }));
    expect(result.total).toBe(5);
    expect(result.facets?.province).toEqual([
      { value: '420000', label: '湖北省', count: 4 },
      { value: '360000', label: '江西省', count: 1 },
    ]);
    expect(result.facets?.category).toEqual([{ value: 'fruit', label: '水果', count: 5 }]);
    // 屈乡伦晚's GI mark was revoked: it is no 秭归脐橙 product any more.
    expect(result.facets?.gi).toEqual([
      { value: 'zigui-qicheng', label: '秭归脐橙', count: 2 },
      { value: 'gannan-qicheng', label: '赣南脐橙', count: 1 },
    ]);
    expect(result.facets?.giKind).toEqual([
      { value: 'protected_product', label: '地理标志保护产品', count: 2 },
      { value: 'certification_mark', label: '地理标志证明商标', count: 1 },
    ]);
    expect(result.facets?.cooperative).toEqual([
      { value: 'zigui-quxiang', label: '秭归县屈乡脐橙专业合作社', count: 4 },
      { value: 'xinfeng-qicheng', label: '信丰县绿源果业专业合作社', count: 1 },
    ]);
    expect(result.facets?.stalled).toBe(1);
    expect(result.facets?.inStock).toBe(5);
  });

  it('narrows by province, category, GI, GI kind, cooperative, stalled and in-stock', async () => {
    const expectFilter = async (filters: SearchQuery['filters'], predicate: (p: (typeof listed)[number]) => boolean) => {
      const result = await search.search(query('', { filters, pageSize: 50, facets: true }));
      const expected = listed.filter(predicate).map((p) => p.slug);
      expect(result.hits.map((h) => catalog.slugOf(h.productId)).sort()).toEqual(expected.sort());
      expect(result.total).toBe(expected.length);
    };
    await expectFilter({ provinceCode: '420000' }, (p) => p.regionCode.startsWith('42'));
    await expectFilter({ categorySlug: 'tea' }, (p) => p.category === 'tea');
    await expectFilter({ giSlug: 'zigui-qicheng' }, (p) => p.gi === 'zigui-qicheng' && !p.giRevoked);
    await expectFilter({ giKind: 'agricultural_product' }, (p) => ['honghu-lianou', 'suizhou-xianggu'].includes(p.gi ?? ''));
    await expectFilter({ cooperativeSlug: 'enshi-yulu' }, (p) => p.coop === 'enshi-yulu');
    await expectFilter({ stalledOnly: true }, (p) => p.sellBeforeDay !== undefined);
    await expectFilter({ inStockOnly: true }, (p) => p.stock > 0);
    await expectFilter({ provinceCode: '420000', stalledOnly: true, categorySlug: 'vegetable' }, (p) => p.regionCode.startsWith('42') && p.sellBeforeDay !== undefined && p.category === 'vegetable');
  });

  it('sorts and filters a search with words as it does a browse of the same goods', async () => {
    const bySlug = new Map(listed.map((p) => [p.slug, p]));
    for (const q of ['湖北', 'hubei', '茶']) {
      const matched = new Set(await slugs(query(q, { pageSize: 50 })));
      expect(matched.size).toBeGreaterThan(3);
      for (const sort of ['price_asc', 'price_desc', 'newest', 'urgency'] as const) {
        const browsed = (await slugs(query('', { sort, pageSize: 50 }))).filter((slug) => matched.has(slug));
        expect(await slugs(query(q, { sort, pageSize: 50 })), `${q} by ${sort}`).toEqual(browsed);
      }
      // A filter narrows the ranked list and keeps its order; totals and facet counts agree.
      const ranked = await slugs(query(q, { pageSize: 50 }));
      const cases: [SearchQuery['filters'], (slug: string) => boolean][] = [
        [{ stalledOnly: true }, (slug) => bySlug.get(slug)!.sellBeforeDay !== undefined],
        [{ provinceCode: '420000' }, (slug) => bySlug.get(slug)!.regionCode.startsWith('42')],
        [{ inStockOnly: true, stalledOnly: true }, (slug) => bySlug.get(slug)!.sellBeforeDay !== undefined && bySlug.get(slug)!.stock > 0],
      ];
      for (const [filters, keep] of cases) {
        const expected = ranked.filter(keep);
        for (const facets of [false, true]) {
          const result = await search.search(query(q, { filters, pageSize: 50, facets }));
          expect(result.hits.map((h) => catalog.slugOf(h.productId)), `${q} ${JSON.stringify(filters)}`).toEqual(expected);
          expect(result.total).toBe(expected.length);
          if (facets) expect(result.facets?.stalled).toBe(expected.filter((slug) => bySlug.get(slug)!.sellBeforeDay !== undefined).length);
        }
        for (const sort of ['price_asc', 'newest', 'urgency'] as const) {
          const sorted = (await slugs(query(q, { sort, pageSize: 50 }))).filter(keep);
          expect(await slugs(query(q, { sort, filters, pageSize: 50 })), `${q} by ${sort} ${JSON.stringify(filters)}`).toEqual(sorted);
        }
      }
    }
  });

  it('finds nothing for a GI or cooperative that does not exist, rather than everything', async () => {
    expect((await search.search(query('', { filters: { giSlug: 'no-such-gi' } }))).total).toBe(0);
    expect((await search.search(query('', { filters: { cooperativeSlug: 'no-such-coop' } }))).total).toBe(0);
  });

  it('sorts by price both ways, by newest, and by urgency', async () => {
    const all = { pageSize: 50 };
    const byPrice = [...listed].sort((a, b) => a.priceFen - b.priceFen || idOf(catalog, b.slug) - idOf(catalog, a.slug));
    expect(await slugs(query('', { ...all, sort: 'price_asc' }))).toEqual(byPrice.map((p) => p.slug));
    const byPriceDesc = [...listed].sort((a, b) => b.priceFen - a.priceFen || idOf(catalog, b.slug) - idOf(catalog, a.slug));
    expect(await slugs(query('', { ...all, sort: 'price_desc' }))).toEqual(byPriceDesc.map((p) => p.slug));
    const newest = [...listed].sort((a, b) => b.publishedDay - a.publishedDay || idOf(catalog, b.slug) - idOf(catalog, a.slug));
    expect(await slugs(query('', { ...all, sort: 'newest' }))).toEqual(newest.map((p) => p.slug));
    const urgent = (await slugs(query('', { ...all, sort: 'urgency' }))).slice(0, 5);
    const stalled = listed.filter((p) => p.sellBeforeDay !== undefined).sort((a, b) => a.sellBeforeDay! - b.sellBeforeDay!);
    expect(urgent).toEqual(stalled.map((p) => p.slug));
  });

  it('orders a browse without words like the zone: soonest sell-before first, then newest', async () => {
    const order = await slugs(query('', { pageSize: 50 }));
    expect(order.slice(0, 5)).toEqual(['qianjiang-xiaolongxia', 'honghu-lianou', 'zigui-lunwan-5kg', 'enshi-tudou', 'enshi-yulu-100g']);
    expect(order[5]).toBe('zigui-xiacheng');
  });

  it('pages through the results without gaps or repeats, and knows the total on every page', async () => {
    const whole = await slugs(query('湖北', { pageSize: 50 }));
    const paged: string[] = [];
    for (let page = 1; page <= Math.ceil(whole.length / 3); page += 1) {
      const result = await search.search(query('湖北', { page, pageSize: 3 }));
      expect(result.total).toBe(whole.length);
      paged.push(...result.hits.map((h) => catalog.slugOf(h.productId)));
    }
    expect(paged).toEqual(whole);
    const past = await search.search(query('湖北', { page: 20, pageSize: 3, facets: true }));
    expect(past.hits).toEqual([]);
    expect(past.total).toBe(whole.length);
  });

  it('marks the matched characters in titles, escaped', async () => {
    const result = await search.search(query('qicheng'));
    expect(result.hits[0]?.highlightedTitle).toBe('秭归<mark>脐橙</mark> 伦晚 5kg 礼盒');
    expect(result.adapter).toBe('postgres');
    expect(result.degraded).toBe(false);
  });

  it('never fails on hostile or odd input', async () => {
    for (const q of ["'", '\\', "脐橙' OR 1=1 --", '!!', '(a | b) & !c <-> d:*', 'x'.repeat(5000), '\u0000脐橙', '🍊脐橙', '　']) {
      const result = await search.search(query(q, { facets: true }));
      expect(Array.isArray(result.hits)).toBe(true);
    }
    expect(await slugs(query("脐橙' OR 1=1 --"))).not.toContain('honghu-lianou');
  });

  it('suggests distinct titles of listed goods, urgent stalled goods first', async () => {
    const qi = await search.suggest('脐', 8);
    expect(qi.map((s) => s.title)).toEqual(['秭归脐橙 伦晚 5kg 礼盒', ...qi.slice(1).map((s) => s.title)]);
    expect(new Set(qi.map((s) => s.title)).size).toBe(qi.length);
    expect(qi.map((s) => s.slug).sort()).toEqual(['gannan-qicheng-5kg', 'hubei-zigui-10jin', 'zigui-lunwan-5kg']);
    expect(await search.suggest('zgq', 8)).toHaveLength(2);
    expect(await search.suggest('蜜桔', 8)).toEqual([]);
    expect(await search.suggest('', 8)).toEqual([]);
    expect(await search.suggest('z', 8)).toEqual([]);
    expect((await search.suggest('g', 2)).length).toBeLessThanOrEqual(2);
  });

  it('drops a product from search when it is unpublished, and brings it back when published', async () => {
    const id = idOf(catalog, 'caidian-lianou');
    await t.database.db.update(products).set({ status: 'archived' }).where(eq(products.id, id));
    await syncSearchDocuments(t.database.db, [id]);
    expect(await slugs(query('莲藕'))).toEqual(['honghu-lianou']);
    await t.database.db.update(products).set({ status: 'published' }).where(eq(products.id, id));
    await syncSearchDocuments(t.database.db, [id]);
    expect(await slugs(query('莲藕'))).toEqual(['honghu-lianou', 'caidian-lianou']);
  });

  it('drops a suspended cooperative’s goods', async () => {
    const coop = catalog.cooperativeIds.get('kuerle-xiangli')!;
    await t.database.db.update(cooperatives).set({ verificationStatus: 'suspended' }).where(eq(cooperatives.id, coop));
    await syncSearchDocuments(t.database.db, [idOf(catalog, 'kuerle-xiangli')]);
    expect(await slugs(query('香梨'))).toEqual([]);
    await t.database.db.update(cooperatives).set({ verificationStatus: 'verified' }).where(eq(cooperatives.id, coop));
    await syncSearchDocuments(t.database.db, [idOf(catalog, 'kuerle-xiangli')]);
    expect(await slugs(query('香梨'))).toEqual(['kuerle-xiangli']);
  });

  it('stops finding goods by a GI name once the cooperative’s authorization is revoked', async () => {
    const id = idOf(catalog, 'lichuan-hong');
    const authorization = and(
      eq(giAuthorizations.cooperativeId, catalog.cooperativeIds.get('lichuan-hongcha')!),
      eq(giAuthorizations.giId, catalog.giIds.get('lichuan-gongfu-hongcha')!),
    );
    await t.database.db.update(giAuthorizations).set({ status: 'revoked' }).where(authorization);
    await syncSearchDocuments(t.database.db, [id]);
    expect(await slugs(query('利川工夫红茶'))).toEqual([]);
    expect((await search.search(query('', { filters: { giSlug: 'lichuan-gongfu-hongcha' } }))).total).toBe(0);
    expect(await slugs(query('利川红'))).toEqual(['lichuan-hong']);
    await t.database.db.update(giAuthorizations).set({ status: 'approved' }).where(authorization);
    await syncSearchDocuments(t.database.db, [id]);
    expect(await slugs(query('利川工夫红茶'))).toEqual(['lichuan-hong']);
  });

  it('writes and removes documents through the port, with the same tokens as the sync', async () => {
    const id = idOf(catalog, 'xiaogan-mijiu');
    const [before] = await queryRows<{ tokens: string }>(t.database.db, sql`SELECT tokens::text AS tokens FROM search_documents WHERE product_id = ${id}`);
    await search.remove([id]);
    expect(await slugs(query('米酒'))).toEqual([]);
    await search.upsert(await buildSearchDocuments(t.database.db, [id]));
    const [after] = await queryRows<{ tokens: string }>(t.database.db, sql`SELECT tokens::text AS tokens FROM search_documents WHERE product_id = ${id}`);
    expect(after?.tokens).toBe(before?.tokens);
    expect(await slugs(query('米酒'))).toEqual(['xiaogan-mijiu']);
  });

  it('rebuilds every document and removes rows of goods no longer listed', async () => {
    await t.database.db.execute(sql`DELETE FROM search_documents WHERE product_id = ${idOf(catalog, 'anxi-tieguanyin-500g')}`);
    await t.database.db.update(products).set({ status: 'draft' }).where(eq(products.id, idOf(catalog, 'enshi-larou')));
    const report = await rebuildSearchDocuments(t.database.db);
    expect(report).toEqual({ written: listed.length - 1, removed: 1 });
    expect(await slugs(query('铁观音'))).toEqual(['anxi-tieguanyin-500g']);
    await t.database.db.update(products).set({ status: 'published' }).where(eq(products.id, idOf(catalog, 'enshi-larou')));
    await syncSearchDocuments(t.database.db, [idOf(catalog, 'enshi-larou')]);
  });

  it('reports itself healthy', async () => {
    expect(await search.health()).toEqual({ ok: true });
  });
});

describeEachDriver('/search page', (t) => {
  let app: AppContext;
  let catalog: LoadedCatalog;

  beforeAll(async () => {
    catalog = await loadSearchCatalog(t.database.db);
    app = createTestApp(t.database, {}, () => new Date('2020-03-04T04:00:00Z'));
  });

  const load = (path: string) => searchLoader({ request: new Request(`http://localhost${path}`), params: {}, context: { app } });

  it('shows product cards with highlighted titles, facets and the total', async () => {
    const data = await load('/search?q=%E8%84%90%E6%A9%99');
    expect(data.total).toBe(5);
    expect(data.hits.map((h) => h.card.slug)).toEqual(['zigui-lunwan-5kg', 'hubei-zigui-10jin', 'gannan-qicheng-5kg', 'zigui-xiacheng', 'quxiang-lunwan']);
    expect(data.hits[0]?.highlighted).toBe('秭归<mark>脐橙</mark> 伦晚 5kg 礼盒');
    expect(data.facets?.province[0]).toMatchObject({ value: '420000', count: 4 });
    expect(data.categoryNames.fruit).toEqual({ zh: '水果', en: 'Fruit' });
    expect(data.empty).toBeNull();
  });

  it('ignores malformed parameters instead of failing', async () => {
    const data = await load('/search?q=%E8%8E%B2%E8%97%95&province=abc&category=%3Cb%3E&kind=nope&sort=bogus&page=-3&stalled=maybe&gi=../x');
    expect(data.params).toMatchObject({ q: '莲藕', sort: 'relevance', page: 1 });
    expect(data.params.province).toBeUndefined();
    expect(data.params.kind).toBeUndefined();
    expect(data.total).toBe(2);
  });

  it('answers a page past the end with no hits but the true total', async () => {
    const data = await load('/search?q=%E6%B9%96%E5%8C%97&page=99');
    expect(data.hits).toEqual([]);
    expect(data.total).toBeGreaterThan(0);
  });

  it('offers split words and popular GIs when nothing matched', async () => {
    const data = await load(`/search?q=${encodeURIComponent('湖北茶')}`);
    expect(data.total).toBe(0);
    expect(data.empty?.alternatives).toEqual([{ q: '湖北 茶', total: 3 }]);
    expect(data.empty?.popularGis.length).toBeGreaterThan(0);
    expect(data.empty?.filtered).toBe(false);
  });

  it('serves suggestions as short-lived public JSON', async () => {
    const response = await suggestLoader({ request: new Request('http://localhost/search/suggest?q=lianou'), params: {}, context: { app } });
    expect(response.headers.get('Cache-Control')).toBe('public, max-age=60');
    expect(await response.json()).toEqual([
      { slug: 'honghu-lianou', title: '洪湖莲藕 粉藕 5斤' },
      { slug: 'caidian-lianou', title: '蔡甸莲藕 脆藕 2.5kg' },
    ]);
    const blank = await suggestLoader({ request: new Request('http://localhost/search/suggest?q=%20'), params: {}, context: { app } });
    expect(await blank.json()).toEqual([]);
    expect(catalog.productIds.size).toBe(CATALOG.length);
  });
});

describe('search URLs', () => {
  it('writes parameters in one order, drops defaults and goes back to page 1 on a change', () => {
    const params = parseSearchParams(new URLSearchParams('page=3&sort=newest&stalled=1&q=%E8%84%90%E6%A9%99&province=420000'));
    expect(searchHref(params, { category: 'fruit' })).toBe('/search?q=%E8%84%90%E6%A9%99&province=420000&category=fruit&stalled=1&sort=newest');
    expect(searchHref(params, { page: 4 })).toBe('/search?q=%E8%84%90%E6%A9%99&province=420000&stalled=1&sort=newest&page=4');
    expect(searchHref(params, { province: undefined, stalled: undefined, sort: 'relevance' })).toBe('/search?q=%E8%84%90%E6%A9%99');
  });

  it('reads what it writes', () => {
    const params = parseSearchParams(new URLSearchParams('q=hubei+cha&gi=zigui-qicheng&kind=protected_product&coop=zigui-quxiang&instock=1&sort=price_asc&page=2'));
    expect(parseSearchParams(new URL(`http://x${searchHref(params, { page: 2 })}`).searchParams)).toEqual(params);
  });
});

describe('highlighted titles', () => {
  it('become text runs with marks', () => {
    expect(titleRuns('秭归<mark>脐橙</mark> &amp; 礼盒', '秭归脐橙 & 礼盒')).toEqual([
      { text: '秭归', marked: false },
      { text: '脐橙', marked: true },
      { text: ' & 礼盒', marked: false },
    ]);
  });

  it('fall back to the plain title when the markup is anything else', () => {
    const plain = [{ text: '秭归脐橙', marked: false }];
    expect(titleRuns('<img src=x onerror=alert(1)>', '秭归脐橙')).toEqual(plain);
    expect(titleRuns('<mark>秭归</mark>脐', '秭归脐橙')).toEqual(plain);
    expect(titleRuns('<mark><mark>秭归脐橙</mark>', '秭归脐橙')).toEqual(plain);
    expect(titleRuns(undefined, '秭归脐橙')).toEqual(plain);
  });
});

describe('alternative queries', () => {
  it('split a run of Chinese characters into two words', () => {
    expect(alternativeQueries('湖北茶')).toEqual(['湖北 茶', '湖 北茶']);
    expect(alternativeQueries('秭归橙子 5kg')).toEqual(['秭归 橙子 5kg', '秭归橙 子 5kg', '秭 归橙子 5kg']);
    expect(alternativeQueries('脐橙')).toEqual([]);
  });
});
