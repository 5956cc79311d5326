/**
 * What buyers type, and what they must see first: a fixed catalog with known dates, the expected
 * top results in order (titles before GI names, before places and cooperatives, before category
 * and description; stalled goods first within each), and what must never come back.
 */
import { beforeAll, expect, it } from 'vitest';
import { createPostgresSearch } from '~/utils/search/postgres.server';
import type { SearchAdapter } from '~/utils/search/types';
import { loadSearchCatalog, type LoadedCatalog } from '../fixtures/search-catalog';
import { describeEachDriver } from '../setup/db';

interface Case {
  q: string;
  why: string;
  /** The first results, in this order (all of them when the list is complete). */
  top: string[];
  /** True when `top` is every result. */
  only?: boolean;
  never?: string[];
}

const CASES: Case[] = [
  { q: '脐橙', why: 'a 2-character word inside longer names, stalled first', top: ['zigui-lunwan-5kg', 'hubei-zigui-10jin', 'gannan-qicheng-5kg', 'zigui-xiacheng', 'quxiang-lunwan'], only: true, never: ['honghu-lianou', 'caidian-lianou'] },
  { q: '莲藕', why: 'the other way round', top: ['honghu-lianou', 'caidian-lianou'], only: true, never: ['zigui-lunwan-5kg', 'gannan-qicheng-5kg'] },
  { q: '秭归', why: 'a county in titles, then in the origin', top: ['zigui-lunwan-5kg', 'zigui-xiacheng', 'hubei-zigui-10jin', 'quxiang-lunwan'], only: true, never: ['gannan-qicheng-5kg'] },
  { q: '湖北', why: 'a province: the title that names it, then Hubei goods, most urgent first', top: ['hubei-zigui-10jin', 'qianjiang-xiaolongxia', 'honghu-lianou', 'zigui-lunwan-5kg'], never: ['gannan-qicheng-5kg', 'wuchang-dami-5kg', 'anxi-tieguanyin-500g', 'kuerle-xiangli'] },
  { q: '潜江', why: 'a county-level city under the province', top: ['qianjiang-xiaolongxia'], only: true },
  { q: '小龙虾', why: 'what people call 潜江龙虾', top: ['qianjiang-xiaolongxia'], only: true },
  { q: '龙虾', why: 'a 2-character word inside 小龙虾', top: ['qianjiang-xiaolongxia'], only: true },
  { q: '恩施', why: 'a city in a title, then in origins (恩施州 too)', top: ['enshi-yulu-100g', 'enshi-tudou', 'lichuan-hong', 'enshi-larou'], only: true },
  { q: '新疆', why: 'an autonomous region', top: ['kuerle-xiangli'], only: true },
  { q: '福建', why: 'a province only in the origin', top: ['anxi-tieguanyin-500g'], only: true },
  { q: '秭归脐橙', why: 'a GI name: every bigram required; a revoked GI does not count', top: ['zigui-lunwan-5kg', 'hubei-zigui-10jin'], only: true, never: ['quxiang-lunwan', 'gannan-qicheng-5kg', 'zigui-xiacheng', 'zigui-draft'] },
  { q: '利川工夫红茶', why: 'a GI name the title does not spell out', top: ['lichuan-hong'], only: true },
  { q: '红茶', why: 'found in the GI name', top: ['lichuan-hong'], only: true },
  { q: '铁观音', why: 'part of a GI name', top: ['anxi-tieguanyin-500g'], only: true },
  { q: '五常', why: 'a place inside a GI name', top: ['wuchang-dami-5kg'], only: true },
  { q: '屈乡', why: 'a cooperative’s name: its own title first, then its goods', top: ['quxiang-lunwan', 'zigui-lunwan-5kg', 'zigui-xiacheng', 'hubei-zigui-10jin'], only: true },
  { q: '玉露', why: 'title first, then goods of the cooperative named after it', top: ['enshi-yulu-100g', 'enshi-tudou', 'enshi-larou'], only: true },
  { q: '茶', why: 'a category word: title, then GI, then category', top: ['yingshan-yunwu-250g', 'lichuan-hong', 'enshi-yulu-100g', 'anxi-tieguanyin-500g'], only: true },
  { q: '大米', why: 'title, then the 大米杂粮 category', top: ['wuchang-dami-5kg', 'jingshan-qiaomi-10kg'], only: true },
  { q: '柏树', why: 'only in a description', top: ['enshi-larou'], only: true },
  { q: '伦晚', why: 'a variety in two titles, stalled first', top: ['zigui-lunwan-5kg', 'quxiang-lunwan'], only: true },
  { q: '米酒', why: 'a short product name', top: ['xiaogan-mijiu'], only: true },
  { q: '香梨', why: 'a product word', top: ['kuerle-xiangli'], only: true },
  { q: 'qicheng', why: 'full pinyin of 脐橙, as a prefix of the title pinyin', top: ['zigui-lunwan-5kg', 'hubei-zigui-10jin', 'gannan-qicheng-5kg'], only: true, never: ['zigui-xiacheng'] },
  { q: 'ＱＩＣＨＥＮＧ', why: 'full-width capitals fold to the same', top: ['zigui-lunwan-5kg', 'hubei-zigui-10jin', 'gannan-qicheng-5kg'], only: true },
  { q: 'ziguiqicheng', why: 'full pinyin of a GI name inside a longer title', top: ['zigui-lunwan-5kg', 'hubei-zigui-10jin'], only: true, never: ['gannan-qicheng-5kg', 'quxiang-lunwan'] },
  { q: 'zgqc', why: 'initials of 秭归脐橙', top: ['zigui-lunwan-5kg', 'hubei-zigui-10jin'], only: true },
  { q: 'zigui', why: 'pinyin of a county: titles, then the origin', top: ['zigui-lunwan-5kg', 'zigui-xiacheng', 'hubei-zigui-10jin', 'quxiang-lunwan'], only: true },
  { q: 'hubei', why: 'pinyin of the province', top: ['hubei-zigui-10jin', 'qianjiang-xiaolongxia', 'honghu-lianou', 'zigui-lunwan-5kg'], never: ['gannan-qicheng-5kg', 'anxi-tieguanyin-500g'] },
  { q: 'lianou', why: 'pinyin of 莲藕', top: ['honghu-lianou', 'caidian-lianou'], only: true },
  { q: 'hhlo', why: 'initials of 洪湖莲藕', top: ['honghu-lianou'], only: true },
  { q: 'xianggu', why: 'pinyin of 香菇, not 香梨', top: ['suizhou-xianggu'], only: true, never: ['kuerle-xiangli'] },
  { q: 'tieguanyin', why: 'pinyin of 铁观音', top: ['anxi-tieguanyin-500g'], only: true },
  { q: 'wuchang', why: 'pinyin of 五常', top: ['wuchang-dami-5kg'], only: true },
  { q: 'yulu', why: 'pinyin finds names, not cooperative names', top: ['enshi-yulu-100g'], only: true },
  { q: '湖北 茶', why: 'a place and a category: Hubei teas only', top: ['lichuan-hong', 'yingshan-yunwu-250g', 'enshi-yulu-100g'], only: true, never: ['anxi-tieguanyin-500g'] },
  { q: '湖北 脐橙', why: 'both in the title beats the place in the origin', top: ['hubei-zigui-10jin', 'zigui-lunwan-5kg', 'zigui-xiacheng', 'quxiang-lunwan'], only: true, never: ['gannan-qicheng-5kg'] },
  { q: '江西 脐橙', why: 'the same word from another province', top: ['gannan-qicheng-5kg'], only: true, never: ['zigui-lunwan-5kg', 'hubei-zigui-10jin'] },
  { q: 'hubei lianou', why: 'pinyin of a place and a product', top: ['honghu-lianou', 'caidian-lianou'], only: true },
  { q: '小龙', why: 'a word half typed', top: ['qianjiang-xiaolongxia'], only: true },
  { q: '10kg', why: 'a spec', top: ['jingshan-qiaomi-10kg'], only: true },
  { q: 'navel', why: 'an English title word', top: ['zigui-lunwan-5kg'], only: true },
  { q: '宜昌蜜桔', why: 'goods of an unverified cooperative are not listed', top: [], only: true, never: ['yichang-mijie'] },
];

describeEachDriver('search relevance', (t) => {
  let catalog: LoadedCatalog;
  let search: SearchAdapter;

  beforeAll(async () => {
    catalog = await loadSearchCatalog(t.database.db);
    search = createPostgresSearch(t.database.db);
  });

  async function slugsFor(q: string) {
    const result = await search.search({ q, filters: {}, sort: 'relevance', page: 1, pageSize: 20, facets: false });
    return result.hits.map((h) => catalog.slugOf(h.productId));
  }

  it('has a fixed catalog and at least 30 queries with expected top results', () => {
    expect(CASES.filter((c) => c.top.length > 0).length).toBeGreaterThanOrEqual(30);
  });

  for (const c of CASES) {
    it(`${c.q} — ${c.why}`, async () => {
      const slugs = await slugsFor(c.q);
      if (c.only) expect(slugs).toEqual(c.top);
      else expect(slugs.slice(0, c.top.length)).toEqual(c.top);
      for (const slug of c.never ?? []) expect(slugs).not.toContain(slug);
    });
  }
});
