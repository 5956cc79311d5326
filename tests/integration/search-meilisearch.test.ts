/**
 * The Meilisearch adapter, against the local double and, when MEILI_URL is set, against a real
 * Meilisearch server with the very same test body (see README: starting Meilisearch for the live suite).
 */
import { Meilisearch, MeilisearchApiError } from 'meilisearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMeilisearchSearch,
  MeilisearchTaskError,
  PRODUCT_INDEX_SETTINGS,
  quoteFilterValue,
  toMeiliFilter,
  toMeiliQuery,
  type MeilisearchSearch,
} from '~/utils/search/meilisearch.server';
import type { SearchDocument, SearchQuery } from '~/utils/search/types';
import { startMeilisearchDouble, type MeilisearchDouble } from '../doubles/meilisearch-double';

const DAY = 20_000;

function product(overrides: Partial<SearchDocument> & Pick<SearchDocument, 'id' | 'title'>): SearchDocument {
  return {
    slug: `p-${overrides.id}`,
    titleEn: null,
    titlePinyin: '',
    titleInitials: '',
    description: '',
    giName: null,
    giSlug: null,
    giKind: null,
    categorySlug: 'fruit',
    categoryName: '水果',
    regionCode: '420527',
    regionNames: ['湖北省', '宜昌市', '秭归县'],
    provinceCode: '420000',
    provinceName: '湖北省',
    cooperativeId: 1,
    cooperativeSlug: 'zigui-coop',
    cooperativeName: '秭归县橙农专业合作社',
    stalled: false,
    sellBeforeDay: null,
    inStock: true,
    minPriceFen: 5000,
    publishedAt: 1_580_000_000_000 + overrides.id * 1000,
    ...overrides,
  };
}

const DOCUMENTS: SearchDocument[] = [
  product({
    id: 1,
    title: '湖北秭归脐橙',
    titleEn: 'Zigui navel oranges',
    titlePinyin: 'hubeiziguiqicheng',
    titleInitials: 'hbzgqc',
    giName: '秭归脐橙',
    giSlug: 'zigui-navel-orange',
    giKind: 'protected_product',
    stalled: true,
    sellBeforeDay: DAY + 9,
    minPriceFen: 3990,
  }),
  product({
    id: 2,
    title: '赣南脐橙',
    giName: '赣南脐橙',
    giSlug: 'gannan-navel-orange',
    giKind: 'certification_mark',
    regionCode: '360700',
    regionNames: ['江西省', '赣州市'],
    provinceCode: '360000',
    provinceName: '江西省',
    cooperativeId: 2,
    cooperativeSlug: 'gannan-coop',
    cooperativeName: '赣州橙香合作社',
    minPriceFen: 4590,
  }),
  product({
    id: 3,
    title: '潜江小龙虾',
    giName: '潜江龙虾',
    giSlug: 'qianjiang-crayfish',
    giKind: 'collective_mark',
    categorySlug: 'aquatic',
    categoryName: '水产',
    regionCode: '429005',
    regionNames: ['湖北省', '潜江市'],
    cooperativeId: 3,
    cooperativeSlug: 'qianjiang-coop',
    cooperativeName: '潜江虾稻合作社',
    stalled: true,
    sellBeforeDay: DAY + 2,
    minPriceFen: 8800,
  }),
  product({
    id: 4,
    title: '澳洲龙虾',
    categorySlug: 'aquatic',
    categoryName: '水产',
    regionCode: '440300',
    regionNames: ['广东省', '深圳市'],
    provinceCode: '440000',
    provinceName: '广东省',
    cooperativeId: 4,
    cooperativeSlug: 'shenzhen-coop',
    cooperativeName: '深圳海鲜合作社',
    inStock: false,
    minPriceFen: null,
  }),
  product({
    id: 5,
    title: '砂糖桔',
    regionCode: '450300',
    regionNames: ['广西壮族自治区', '桂林市'],
    provinceCode: '450000',
    provinceName: '广西壮族自治区',
    cooperativeId: 5,
    cooperativeSlug: 'guilin-coop',
    cooperativeName: '桂林果业合作社',
    minPriceFen: 2990,
  }),
  product({
    id: 6,
    title: '定西土豆',
    categorySlug: 'vegetable',
    categoryName: '蔬菜',
    regionCode: '621100',
    regionNames: ['甘肃省', '定西市'],
    provinceCode: '620000',
    provinceName: '甘肃省',
    cooperativeId: 6,
    cooperativeSlug: 'dingxi-coop',
    cooperativeName: '定西薯业合作社',
    minPriceFen: 1990,
  }),
  product({ id: 7, title: '<b>恩施</b>玉露 & "茶"', categorySlug: 'tea', categoryName: '茶叶', minPriceFen: 12800 }),
];

function query(overrides: Partial<SearchQuery> = {}): SearchQuery {
  return { q: '', filters: {}, sort: 'relevance', page: 1, pageSize: 20, facets: false, ...overrides };
}

const ids = async (search: MeilisearchSearch, overrides: Partial<SearchQuery>) => (await search.search(query(overrides))).hits.map((h) => h.productId);
const sorted = (list: number[]) => [...list].sort((a, b) => a - b);

interface Target {
  url: string;
  apiKey: string | undefined;
  indexUid: string;
}

/** The same expectations for the double and a real server. */
function adapterSpecification(target: () => Target) {
  let search: MeilisearchSearch;
  let client: Meilisearch;

  beforeAll(async () => {
    const { url, apiKey, indexUid } = target();
    search = createMeilisearchSearch({ url, apiKey, indexUid, queryTimeoutMs: 2000 });
    client = new Meilisearch({ host: url, apiKey });
    await search.upsert(DOCUMENTS);
  });

  afterAll(async () => {
    await client.deleteIndex(target().indexUid).waitTask();
  });

  it('applies the settings: Chinese (cmn) localized attributes, filters, sorts, synonyms and typo tolerance', async () => {
    const settings = await client.index(target().indexUid).getSettings();
    expect(settings.localizedAttributes).toEqual([{ attributePatterns: expect.arrayContaining(['title', 'gramsA', 'giName']), locales: ['cmn'] }]);
    expect(settings.searchableAttributes?.slice(0, 3)).toEqual(['title', 'gramsA', 'wordsA']);
    expect(settings.filterableAttributes).toEqual(expect.arrayContaining(['provinceCode', 'giKind', 'stalled', 'inStock']));
    expect(settings.sortableAttributes).toEqual(expect.arrayContaining(['minPriceFen', 'urgency', 'publishedAt']));
    expect(settings.synonyms).toMatchObject({ 小龙虾: ['龙虾'], 龙虾: ['小龙虾'], 桔: ['橘'], 橘: ['桔'] });
    expect(settings.typoTolerance).toMatchObject({ enabled: true, minWordSizeForTypos: { oneTypo: 5, twoTypos: 9 } });
    expect(await search.settingsDrift()).toEqual([]);
  });

  it('finds a two-character word inside longer Chinese names', async () => {
    expect(sorted(await ids(search, { q: '脐橙' }))).toEqual([1, 2]);
    expect(await ids(search, { q: '秭归脐橙' })).toEqual([1]);
  });

  it('finds names by pinyin, initials and a pinyin prefix', async () => {
    expect(sorted(await ids(search, { q: 'qicheng' }))).toEqual([1, 2]);
    expect(await ids(search, { q: 'zgqc' })).toEqual([1]);
    expect(await ids(search, { q: 'ziguiqich' })).toEqual([1]);
  });

  it('applies synonyms in both directions: 小龙虾/龙虾, 桔/橘, 马铃薯/土豆', async () => {
    expect(sorted(await ids(search, { q: '小龙虾' }))).toEqual([3, 4]);
    expect(sorted(await ids(search, { q: '龙虾' }))).toEqual([3, 4]);
    expect(await ids(search, { q: '砂糖橘' })).toEqual([5]);
    expect(await ids(search, { q: '马铃薯' })).toEqual([6]);
  });

  it('filters by province, GI, GI kind, cooperative, stalled and in-stock, alone and together', async () => {
    expect(sorted(await ids(search, { filters: { provinceCode: '420000' } }))).toEqual([1, 3, 7]);
    expect(await ids(search, { filters: { giSlug: 'gannan-navel-orange' } })).toEqual([2]);
    expect(await ids(search, { filters: { giKind: 'collective_mark' } })).toEqual([3]);
    expect(await ids(search, { filters: { cooperativeSlug: 'dingxi-coop' } })).toEqual([6]);
    expect(sorted(await ids(search, { filters: { stalledOnly: true } }))).toEqual([1, 3]);
    expect(await ids(search, { q: '龙虾', filters: { inStockOnly: true } })).toEqual([3]);
    expect(await ids(search, { q: '脐橙', filters: { provinceCode: '420000', categorySlug: 'fruit', stalledOnly: true } })).toEqual([1]);
  });

  it('never lets a filter value become filter syntax', async () => {
    expect(await ids(search, { filters: { categorySlug: 'fruit" OR provinceCode = "360000' } })).toEqual([]);
    expect(await ids(search, { filters: { cooperativeSlug: 'a\\" OR stalled = true OR slug = \\"b' } })).toEqual([]);
  });

  it('counts facets with their labels over the matching products', async () => {
    const result = await search.search(query({ facets: true }));
    expect(result.total).toBe(7);
    expect(result.facets?.province[0]).toEqual({ value: '420000', label: '湖北省', count: 3 });
    expect(result.facets?.province).toHaveLength(5);
    expect(result.facets?.category).toEqual(expect.arrayContaining([{ value: 'aquatic', label: '水产', count: 2 }]));
    expect(result.facets?.gi).toEqual(expect.arrayContaining([{ value: 'zigui-navel-orange', label: '秭归脐橙', count: 1 }]));
    expect(result.facets?.giKind).toEqual(expect.arrayContaining([{ value: 'protected_product', label: '地理标志保护产品', count: 1 }]));
    expect(result.facets?.cooperative).toEqual(expect.arrayContaining([{ value: 'qianjiang-coop', label: '潜江虾稻合作社', count: 1 }]));
    expect(result.facets?.stalled).toBe(2);
    expect(result.facets?.inStock).toBe(6);

    const narrowed = await search.search(query({ q: '脐橙', facets: true }));
    expect(narrowed.facets?.province.map((f) => [f.value, f.count])).toEqual(
      expect.arrayContaining([
        ['420000', 1],
        ['360000', 1],
      ]),
    );
    expect(narrowed.facets?.province).toHaveLength(2);
    expect((await search.search(query({ facets: false }))).facets).toBeNull();
  });

  it('sorts by price (unpriced last), by urgency (stalled first, soonest first) and by newest', async () => {
    expect(await ids(search, { sort: 'price_asc' })).toEqual([6, 5, 1, 2, 3, 7, 4]);
    expect(await ids(search, { sort: 'price_desc' })).toEqual([7, 3, 2, 1, 5, 6, 4]);
    expect((await ids(search, { sort: 'urgency' })).slice(0, 2)).toEqual([3, 1]);
    expect(await ids(search, { sort: 'newest' })).toEqual([7, 6, 5, 4, 3, 2, 1]);
    expect((await ids(search, { sort: 'relevance' })).slice(0, 2)).toEqual([3, 1]);
  });

  it('pages through results and reports the total', async () => {
    const page = await search.search(query({ sort: 'newest', page: 2, pageSize: 3 }));
    expect(page.hits.map((h) => h.productId)).toEqual([4, 3, 2]);
    expect(page.total).toBe(7);
    expect(page).toMatchObject({ adapter: 'meilisearch', degraded: false });
  });

  it('highlights the matched part of the title with <mark> and escapes the rest', async () => {
    const [hit] = (await search.search(query({ q: '秭归' }))).hits;
    expect(hit?.highlightedTitle).toBe('湖北<mark>秭归</mark>脐橙');
    const [tea] = (await search.search(query({ q: '玉露' }))).hits;
    expect(tea?.highlightedTitle).toBe('&lt;b&gt;恩施&lt;/b&gt;<mark>玉露</mark> &amp; &quot;茶&quot;');
    const [plain] = (await search.search(query({ filters: { cooperativeSlug: 'dingxi-coop' } }))).hits;
    expect(plain?.highlightedTitle).toBe('定西土豆');
  });

  it('suggests distinct titles with their slugs', async () => {
    expect(await search.suggest('qich', 5)).toEqual(
      expect.arrayContaining([
        { productId: 1, slug: 'p-1', title: '湖北秭归脐橙' },
        { productId: 2, slug: 'p-2', title: '赣南脐橙' },
      ]),
    );
    expect(await search.suggest('  ', 5)).toEqual([]);
  });

  it('replaces a document on upsert and forgets it on remove', async () => {
    await search.upsert([{ ...DOCUMENTS[5]!, title: '定西马铃薯', minPriceFen: 990 }]);
    expect((await search.search(query({ q: '定西' }))).hits).toEqual([{ productId: 6, highlightedTitle: '<mark>定西</mark>马铃薯' }]);
    await search.remove([6]);
    expect(await ids(search, { q: '定西' })).toEqual([]);
    await search.upsert([DOCUMENTS[5]!]);
  });

  it('reports health, and refuses a wrong key', async () => {
    expect(await search.health()).toEqual({ ok: true });
    const intruder = createMeilisearchSearch({ url: target().url, apiKey: 'wrong-key', indexUid: target().indexUid, queryTimeoutMs: 2000 });
    const error = await intruder.search(query({ q: '脐橙' })).catch((e: unknown) => e);
    if (target().apiKey) {
      expect(error).toBeInstanceOf(MeilisearchApiError);
      expect((error as MeilisearchApiError).cause?.code).toBe('invalid_api_key');
    }
  });

  it('fails a search on an index that does not exist with index_not_found', async () => {
    const missing = createMeilisearchSearch({ url: target().url, apiKey: target().apiKey, indexUid: `${target().indexUid}_missing`, queryTimeoutMs: 2000 });
    const error = await missing.search(query({ q: '脐橙' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeilisearchApiError);
    expect((error as MeilisearchApiError).cause).toMatchObject({ code: 'index_not_found', type: 'invalid_request' });
  });
}

describe('query building', () => {
  it('quotes filter values and escapes backslashes and quotes', () => {
    expect(quoteFilterValue('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(quoteFilterValue('x\ny')).toBe('"xy"');
    expect(toMeiliFilter({ provinceCode: '420000', stalledOnly: true, inStockOnly: false })).toEqual(['provinceCode = "420000"', 'stalled = true']);
    expect(toMeiliFilter({})).toBeUndefined();
  });

  it('sends Chinese as bigrams with the cmn locale and latin words as typed', () => {
    expect(toMeiliQuery('秭归脐橙')).toEqual({ q: '秭归 归脐 脐橙', locales: ['cmn'] });
    expect(toMeiliQuery('湖北 qicheng')).toEqual({ q: '湖北 qicheng', locales: ['cmn'] });
    expect(toMeiliQuery('ZGQC')).toEqual({ q: 'zgqc' });
    expect(toMeiliQuery('  !! ')).toEqual({ q: '' });
  });

  it('keeps the settings within what every Meilisearch v1.10+ accepts', () => {
    expect(Object.keys(PRODUCT_INDEX_SETTINGS).sort()).toEqual(
      ['faceting', 'filterableAttributes', 'localizedAttributes', 'pagination', 'rankingRules', 'searchableAttributes', 'sortableAttributes', 'synonyms', 'typoTolerance'].sort(),
    );
    expect(PRODUCT_INDEX_SETTINGS.rankingRules).not.toContain('attributeRank');
  });
});

describe('Meilisearch adapter against the double', () => {
  let double: MeilisearchDouble;
  beforeAll(async () => {
    double = await startMeilisearchDouble();
  });
  afterAll(async () => {
    await double.close();
  });

  adapterSpecification(() => ({ url: double.url, apiKey: double.masterKey ?? undefined, indexUid: 'products_spec' }));

  describe('failures', () => {
    it('rejects an upsert whose task fails, with the task error', async () => {
      const search = createMeilisearchSearch({ url: double.url, apiKey: double.masterKey!, indexUid: 'products_failures' });
      await search.ensureIndex();
      double.failNextTask('internal');
      const error = await search.upsert(DOCUMENTS.slice(0, 1)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MeilisearchTaskError);
      expect((error as MeilisearchTaskError).task).toMatchObject({ status: 'failed', error: { code: 'internal' } });
      await search.upsert(DOCUMENTS.slice(0, 1));
      expect(double.documents('products_failures').map((d) => d.id)).toEqual([1]);
    });

    it('gives up on a query slower than the query timeout', async () => {
      const search = createMeilisearchSearch({ url: double.url, apiKey: double.masterKey!, indexUid: 'products_spec', queryTimeoutMs: 100 });
      double.setLatency(400);
      try {
        const started = Date.now();
        await expect(search.search(query({ q: '脐橙' }))).rejects.toThrow(/timed out|has failed/);
        expect(Date.now() - started).toBeLessThan(350);
      } finally {
        double.setLatency(0);
      }
    });

    it('rejects queries and reports unhealthy while the server refuses connections', async () => {
      const search = createMeilisearchSearch({ url: double.url, apiKey: double.masterKey!, indexUid: 'products_spec' });
      await double.setDown(true);
      try {
        await expect(search.search(query({ q: '脐橙' }))).rejects.toThrow();
        expect((await search.health()).ok).toBe(false);
      } finally {
        await double.setDown(false);
      }
      expect((await search.health()).ok).toBe(true);
    });

    it('rebuilds into a new index and swaps it in, leaving no temporary index behind', async () => {
      const search = createMeilisearchSearch({ url: double.url, apiKey: double.masterKey!, indexUid: 'products_rebuild' });
      await search.upsert(DOCUMENTS);
      const result = await search.rebuild(DOCUMENTS.slice(0, 2));
      expect(result).toEqual({ indexUid: 'products_rebuild', documents: 2 });
      expect(double.indexUids().filter((uid) => uid.startsWith('products_rebuild'))).toEqual(['products_rebuild']);
      expect(double.documents('products_rebuild').map((d) => d.id)).toEqual([1, 2]);
      expect(double.settings('products_rebuild')?.localizedAttributes).toEqual(PRODUCT_INDEX_SETTINGS.localizedAttributes);
      const swap = double.requests.find((r) => r.path === '/swap-indexes');
      expect(swap?.body).toEqual([{ indexes: ['products_rebuild', expect.stringMatching(/^products_rebuild_rebuild_/)] }]);
    });
  });
});

const live = process.env.MEILI_URL;
const liveIndexUid = `products_test_${process.pid}_${Date.now().toString(36)}`;
describe.skipIf(!live)('live Meilisearch (set MEILI_URL to run)', () => {
  adapterSpecification(() => ({ url: live!, apiKey: process.env.MEILI_MASTER_KEY || undefined, indexUid: liveIndexUid }));
});
