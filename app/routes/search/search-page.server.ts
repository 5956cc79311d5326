/** What the /search page shows: hits as product cards, facets, and help when nothing matched. */
import { listCategories } from '~/models/categories.server';
import { getProductCardsByIds, listGisWithProducts } from '~/models/catalog.server';
import type { AppContext } from '~/utils/context.server';
import type { SearchAdapter } from '~/utils/search/types';
import { hasFilters, toFilters, type SearchParams } from './search-params';

export const SEARCH_PAGE_SIZE = 24;
const HAN_RUN = /\p{Script=Han}{3,}/u;

/**
 * Other ways to read a query that found nothing: a run of three or more characters split into
 * two words (湖北茶 → 湖北 茶), since every two characters of a word must occur together.
 */
export function alternativeQueries(q: string): string[] {
  const match = HAN_RUN.exec(q);
  if (!match) return [];
  const run = Array.from(match[0]);
  const before = q.slice(0, match.index);
  const after = q.slice(match.index + match[0].length);
  const splits = new Set<string>();
  for (const at of [2, run.length - 2, run.length - 1, 1]) {
    if (at < 1 || at >= run.length) continue;
    splits.add(`${before}${run.slice(0, at).join('')} ${run.slice(at).join('')}${after}`.replace(/\s+/g, ' ').trim());
  }
  return [...splits].slice(0, 3);
}

async function findAlternatives(search: SearchAdapter, params: SearchParams) {
  const found: { q: string; total: number }[] = [];
  for (const q of alternativeQueries(params.q)) {
    const result = await search.search({ q, filters: toFilters(params), sort: 'relevance', page: 1, pageSize: 1, facets: false });
    if (result.total > 0) found.push({ q, total: result.total });
  }
  return found;
}

export async function loadSearchPage(app: Pick<AppContext, 'db' | 'search' | 'logger' | 'catalogCache'>, params: SearchParams) {
  const result = await app.search.search({
    q: params.q,
    filters: toFilters(params),
    sort: params.sort,
    page: params.page,
    pageSize: SEARCH_PAGE_SIZE,
    facets: true,
  });
  const [cards, categories] = await Promise.all([
    getProductCardsByIds(app.db, result.hits.map((h) => h.productId)),
    listCategories(app.db),
  ]);
  const highlighted = Object.fromEntries(result.hits.map((h) => [h.productId, h.highlightedTitle]));
  const nothing = result.total === 0;
  const [alternatives, popularGis] = nothing
    ? await Promise.all([params.q ? findAlternatives(app.search, params) : [], app.catalogCache.get('search:popular-gis', () => listGisWithProducts(app.db, { limit: 8 }))])
    : [[], []];
  if (result.degraded) app.logger.warn({ adapter: result.adapter }, 'search answered by the fallback adapter');
  return {
    hits: cards.map((card) => ({ card, highlighted: highlighted[card.id] })),
    total: result.total,
    facets: result.facets,
    degraded: result.degraded,
    categoryNames: Object.fromEntries(categories.map((c) => [c.slug, { zh: c.nameZh, en: c.nameEn }])),
    empty: nothing ? { alternatives, popularGis, filtered: hasFilters(params) } : null,
  };
}
