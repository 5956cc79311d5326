/**
 * The search port: what the storefront asks of a search engine, whichever adapter answers
 * (Postgres by default, Meilisearch when MEILI_URL is set).
 */
import type { GiKind } from '~/db/schema';

export const SEARCH_SORTS = ['relevance', 'price_asc', 'price_desc', 'urgency', 'newest'] as const;
export type SearchSort = (typeof SEARCH_SORTS)[number];

export interface SearchFilters {
  provinceCode?: string;
  categorySlug?: string;
  giSlug?: string;
  giKind?: GiKind;
  cooperativeSlug?: string;
  stalledOnly?: boolean;
  inStockOnly?: boolean;
}

export interface SearchQuery {
  /** What the buyer typed: Chinese, pinyin, initials or a mix, possibly empty. */
  q: string;
  filters: SearchFilters;
  sort: SearchSort;
  page: number;
  pageSize: number;
  /** Whether to count facet values (the results page does; suggestions do not). */
  facets: boolean;
}

export interface FacetValue {
  value: string;
  label: string;
  count: number;
}

export interface SearchFacets {
  province: FacetValue[];
  category: FacetValue[];
  gi: FacetValue[];
  giKind: FacetValue[];
  cooperative: FacetValue[];
  stalled: number;
  inStock: number;
}

export interface SearchHit {
  productId: number;
  /** Title with matches wrapped in <mark>…</mark>, HTML-escaped otherwise. */
  highlightedTitle: string;
}

export interface SearchResult {
  hits: SearchHit[];
  total: number;
  facets: SearchFacets | null;
  /** Which adapter answered ('meilisearch' or 'postgres'), and whether it was a fallback. */
  adapter: 'postgres' | 'meilisearch';
  degraded: boolean;
}

export interface Suggestion {
  productId: number;
  slug: string;
  title: string;
}

/**
 * The document both adapters index for one listed product. Field names are the Meilisearch
 * document's; the Postgres adapter stores the same values in `search_documents`.
 */
export interface SearchDocument {
  id: number;
  slug: string;
  title: string;
  titleEn: string | null;
  titlePinyin: string;
  titleInitials: string;
  description: string;
  giName: string | null;
  giSlug: string | null;
  giKind: GiKind | null;
  categorySlug: string;
  categoryName: string;
  regionCode: string;
  regionNames: string[];
  provinceCode: string;
  provinceName: string;
  cooperativeId: number;
  cooperativeSlug: string;
  cooperativeName: string;
  stalled: boolean;
  /** Sell-before date as days since the Unix epoch (sortable), null when not stalled. */
  sellBeforeDay: number | null;
  inStock: boolean;
  minPriceFen: number | null;
  publishedAt: number | null;
}

export interface SearchAdapter {
  readonly name: 'postgres' | 'meilisearch';
  search(query: SearchQuery): Promise<SearchResult>;
  suggest(q: string, limit: number): Promise<Suggestion[]>;
  /** Writes or replaces the documents; resolves when the engine has applied them. */
  upsert(documents: SearchDocument[]): Promise<void>;
  remove(productIds: number[]): Promise<void>;
  health(): Promise<{ ok: boolean; detail?: string }>;
}
