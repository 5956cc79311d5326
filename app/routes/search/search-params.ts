/**
 * The /search URL: `?q=&province=&category=&gi=&kind=&coop=&stalled=1&instock=1&sort=&page=`.
 * Parsed leniently (a malformed value is dropped, never an error) and written back in one
 * canonical order, so links are shareable and stable. Shared by the loader and the page.
 */
import type { GiKind } from '~/db/schema';
import type { SearchFilters, SearchSort } from '~/utils/search/types';

export const GI_KINDS = ['protected_product', 'certification_mark', 'collective_mark', 'agricultural_product'] as const satisfies readonly GiKind[];
/** Deeper pages answer empty rather than making the database skip far. */
export const MAX_SEARCH_PAGE = 100;
export const MAX_QUERY_LENGTH = 100;

export interface SearchParams {
  q: string;
  province?: string;
  category?: string;
  gi?: string;
  kind?: GiKind;
  coop?: string;
  stalled?: true;
  instock?: true;
  sort: SearchSort;
  page: number;
}

export type FilterName = 'province' | 'category' | 'gi' | 'kind' | 'coop' | 'stalled' | 'instock';
export const FILTER_NAMES: FilterName[] = ['province', 'category', 'gi', 'kind', 'coop', 'stalled', 'instock'];

export function toFilters(params: SearchParams): SearchFilters {
  return {
    provinceCode: params.province,
    categorySlug: params.category,
    giSlug: params.gi,
    giKind: params.kind,
    cooperativeSlug: params.coop,
    stalledOnly: params.stalled,
    inStockOnly: params.instock,
  };
}

export function hasFilters(params: SearchParams): boolean {
  return FILTER_NAMES.some((name) => params[name] !== undefined);
}

/**
 * The /search URL for these parameters with `change` applied. Changing anything but the page
 * goes back to page 1; `undefined` removes a parameter.
 */
export function searchHref(params: SearchParams, change: Partial<Record<keyof SearchParams, string | number | true | undefined>> = {}): `/search${string}` {
  const next: Record<string, unknown> = { ...params, ...change };
  if (!('page' in change)) next.page = 1;
  const query = new URLSearchParams();
  if (next.q) query.set('q', String(next.q));
  for (const name of FILTER_NAMES) {
    const value = next[name];
    if (value === true) query.set(name, '1');
    else if (typeof value === 'string' && value) query.set(name, value);
  }
  if (next.sort && next.sort !== 'relevance') query.set('sort', String(next.sort));
  if (typeof next.page === 'number' && next.page > 1) query.set('page', String(next.page));
  const text = query.toString();
  return text ? `/search?${text}` : '/search';
}
