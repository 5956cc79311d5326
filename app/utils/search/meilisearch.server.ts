/**
 * The Meilisearch adapter: production search when MEILI_URL is set.
 *
 * Chinese in Meilisearch is segmented by jieba and matched by prefix only, so `脐橙` does not
 * find `秭归脐橙` when jieba keeps the longer word whole, and pinyin normalization is off since
 * v1.8. Each document therefore also carries the Postgres adapter's own lexemes (CJK bigrams and
 * single characters, pinyin and initials runs: see tokenize.ts) in tiered fields, and a query is
 * sent as those same lexemes with matchingStrategy `all`. Both adapters then agree on what
 * matches, and a query answered by the fallback finds what Meilisearch would have found.
 */
import {
  Meilisearch,
  MeilisearchApiError,
  type EnqueuedTask,
  type Filter,
  type SearchParams,
  type Settings,
  type Task,
} from 'meilisearch';
import { GI_KIND_LABELS } from './postgres.server';
import { containsHan, documentTokens, escapeHtml, highlightTitle, queryTokens, type FieldClass } from './tokenize';
import type {
  FacetValue,
  SearchAdapter,
  SearchDocument,
  SearchFacets,
  SearchFilters,
  SearchQuery,
  SearchResult,
  SearchSort,
  Suggestion,
} from './types';

export const DEFAULT_INDEX_UID = 'products';
const PRIMARY_KEY = 'id';
/** Chinese, as Meilisearch's own tests spell it (`zh` changed meaning in v1.11). */
const CHINESE = 'cmn';
/** Markers Meilisearch puts around matches; private-use characters, stripped from titles, so they can never come from data. */
const MATCH_OPEN = '\uE000';
const MATCH_CLOSE = '\uE001';
const MARKERS = /[\uE000\uE001]/g;
const BATCH_SIZE = 500;
/** Far past any sell-before day (days since 1970), so products that are not stalled sort last by urgency. */
const NOT_URGENT = 2_147_483_647;
const FACET_SEPARATOR = '|';
/** Errors a correctly set-up index never gives to the adapter's own queries. */
const SETUP_ERRORS = new Set(['index_not_found', 'invalid_search_filter', 'invalid_search_facets', 'invalid_search_sort', 'invalid_search_attributes_to_search_on']);

/**
 * Synonym groups: every word in a group finds the others. Meilisearch applies them to whole query
 * words; the adapter also indexes each name with its synonyms swapped in (`synonymGrams`),
 * because queries are sent as bigrams and `砂糖桔` must still find `砂糖橘`.
 */
export const SYNONYM_GROUPS: readonly (readonly string[])[] = [
  ['小龙虾', '龙虾'],
  ['桔', '橘'],
  ['土豆', '马铃薯', '洋芋'],
  ['番茄', '西红柿'],
  ['红薯', '地瓜', '番薯'],
  ['猕猴桃', '奇异果'],
  ['玉米', '苞谷'],
  ['荸荠', '马蹄'],
  ['山药', '淮山'],
  ['芋头', '芋艿'],
  ['黄花菜', '金针菜'],
];

/** What Meilisearch stores for one product: the shared SearchDocument plus derived fields. */
export interface MeiliProductDocument extends SearchDocument {
  /** CJK lexemes by tier: A title, B GI name, C regions and cooperative, D category and description. */
  gramsA: string;
  gramsB: string;
  gramsC: string;
  gramsD: string;
  /** Latin lexemes by tier: pinyin and initials runs, English and other latin words. */
  wordsA: string;
  wordsB: string;
  wordsC: string;
  wordsD: string;
  /** CJK lexemes of the title and GI name with synonyms swapped in. */
  synonymGrams: string;
  /** The sell-before day when stalled, else a day no one reaches: ascending puts the most urgent first. */
  urgency: number;
  /** `value|label` pairs, so facet counts come back with their labels. */
  provinceFacet: string;
  categoryFacet: string;
  giFacet: string | null;
  cooperativeFacet: string;
}

const CJK_FIELDS = ['title', 'giName', 'description', 'cooperativeName', 'regionNames', 'provinceName', 'categoryName', 'gramsA', 'gramsB', 'gramsC', 'gramsD', 'synonymGrams'];

export const FILTERABLE_ATTRIBUTES = [
  'provinceCode',
  'categorySlug',
  'giSlug',
  'giKind',
  'cooperativeSlug',
  'stalled',
  'inStock',
  'provinceFacet',
  'categoryFacet',
  'giFacet',
  'cooperativeFacet',
];

const FACETS = { province: 'provinceFacet', category: 'categoryFacet', gi: 'giFacet', giKind: 'giKind', cooperative: 'cooperativeFacet' } as const;

/** The index settings, applied to the live index at start and to each rebuilt index before it is swapped in. */
export const PRODUCT_INDEX_SETTINGS = {
  // Order is relevance: a match in the title outranks one in the GI name, then places, then the rest.
  searchableAttributes: [
    'title',
    'gramsA',
    'wordsA',
    'titleEn',
    'giName',
    'gramsB',
    'wordsB',
    'synonymGrams',
    'regionNames',
    'cooperativeName',
    'gramsC',
    'wordsC',
    'categoryName',
    'gramsD',
    'wordsD',
    'description',
  ],
  filterableAttributes: FILTERABLE_ATTRIBUTES,
  sortableAttributes: ['minPriceFen', 'urgency', 'publishedAt', 'id'],
  // As the Postgres adapter: a chosen sort is strict (every hit matches every word anyway), and
  // relevance ties, or a search without words, go to the goods that must sell soonest, then the newest.
  rankingRules: ['sort', 'words', 'typo', 'proximity', 'attribute', 'exactness', 'urgency:asc', 'publishedAt:desc'],
  // Latin lexemes (pinyin) stay unlocalized: a query sent with `locales: ['cmn']` still searches them.
  localizedAttributes: [{ attributePatterns: CJK_FIELDS, locales: [CHINESE] }],
  synonyms: synonymSettings(SYNONYM_GROUPS),
  typoTolerance: {
    enabled: true,
    minWordSizeForTypos: { oneTypo: 5, twoTypos: 9 },
    // Grams are exact by construction; a typo there would match unrelated characters.
    disableOnAttributes: ['gramsA', 'gramsB', 'gramsC', 'gramsD', 'synonymGrams'],
  },
  faceting: { maxValuesPerFacet: 200, sortFacetValuesBy: { '*': 'count' } },
  pagination: { maxTotalHits: 10_000 },
} satisfies Settings;

function synonymSettings(groups: readonly (readonly string[])[]): Record<string, string[]> {
  const synonyms: Record<string, string[]> = {};
  for (const group of groups) {
    for (const word of group) synonyms[word] = [...new Set([...(synonyms[word] ?? []), ...group.filter((w) => w !== word)])];
  }
  return synonyms;
}

// ---------------------------------------------------------------- documents

function splitLexemes(fields: Parameters<typeof documentTokens>[0]) {
  const grams: Record<FieldClass, string[]> = { A: [], B: [], C: [], D: [] };
  const words: Record<FieldClass, string[]> = { A: [], B: [], C: [], D: [] };
  for (const [lexeme, fieldClass] of documentTokens(fields)) (containsHan(lexeme) ? grams : words)[fieldClass].push(lexeme);
  return { grams, words };
}

function synonymGramsOf(texts: (string | null)[]): string {
  const grams = new Set<string>();
  for (const text of texts) {
    if (!text) continue;
    for (const group of SYNONYM_GROUPS) {
      for (const present of group) {
        if (!text.includes(present)) continue;
        for (const other of group) {
          if (other === present) continue;
          const { grams: swapped } = splitLexemes({ title: text.replaceAll(present, other) });
          for (const gram of swapped.A) grams.add(gram);
        }
      }
    }
  }
  return [...grams].join(' ');
}

/** The Meilisearch document for a SearchDocument; pure, so verify can compare what should be indexed with what is. */
export function toMeiliDocument(doc: SearchDocument): MeiliProductDocument {
  const title = doc.title.replace(MARKERS, '');
  const { grams, words } = splitLexemes({
    title,
    titleEn: doc.titleEn,
    giName: doc.giName,
    regionNames: doc.regionNames,
    cooperativeName: doc.cooperativeName,
    categoryName: doc.categoryName,
    description: doc.description,
  });
  const joined = (list: string[]) => list.join(' ');
  return {
    ...doc,
    title,
    gramsA: joined(grams.A),
    gramsB: joined(grams.B),
    gramsC: joined(grams.C),
    gramsD: joined(grams.D),
    wordsA: joined(words.A),
    wordsB: joined(words.B),
    wordsC: joined(words.C),
    wordsD: joined(words.D),
    synonymGrams: synonymGramsOf([title, doc.giName]),
    urgency: doc.stalled && doc.sellBeforeDay !== null ? doc.sellBeforeDay : NOT_URGENT,
    provinceFacet: facetPair(doc.provinceCode, doc.provinceName),
    categoryFacet: facetPair(doc.categorySlug, doc.categoryName),
    giFacet: doc.giSlug ? facetPair(doc.giSlug, doc.giName ?? doc.giSlug) : null,
    cooperativeFacet: facetPair(doc.cooperativeSlug, doc.cooperativeName),
  };
}

function facetPair(value: string, label: string) {
  return `${value}${FACET_SEPARATOR}${label}`;
}

// ---------------------------------------------------------------- queries

/** A filter value in double quotes, with `\` and `"` escaped and control characters dropped: user input never becomes syntax. */
export function quoteFilterValue(value: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, '');
  return `"${clean.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** SearchFilters as Meilisearch's array form (every element must hold), or undefined for none. */
export function toMeiliFilter(filters: SearchFilters): string[] | undefined {
  const clauses: string[] = [];
  const equal = (attribute: string, value: string | undefined) => {
    if (value) clauses.push(`${attribute} = ${quoteFilterValue(value)}`);
  };
  equal('provinceCode', filters.provinceCode);
  equal('categorySlug', filters.categorySlug);
  equal('giSlug', filters.giSlug);
  equal('giKind', filters.giKind);
  equal('cooperativeSlug', filters.cooperativeSlug);
  if (filters.stalledOnly) clauses.push('stalled = true');
  if (filters.inStockOnly) clauses.push('inStock = true');
  return clauses.length > 0 ? clauses : undefined;
}

export function toMeiliSort(sort: SearchSort): string[] | undefined {
  switch (sort) {
    case 'relevance':
      return undefined;
    case 'price_asc':
      return ['minPriceFen:asc', 'id:desc'];
    case 'price_desc':
      return ['minPriceFen:desc', 'id:desc'];
    case 'urgency':
      return ['urgency:asc'];
    case 'newest':
      return ['publishedAt:desc', 'id:desc'];
  }
}

/** The query as the lexemes the documents hold: Chinese words as their bigrams, latin words as typed. */
export function toMeiliQuery(q: string): { q: string; locales?: string[] } {
  const lexemes = queryTokens(q).flatMap((term) => (term.kind === 'cjk' ? term.lexemes : [term.text]));
  const text = lexemes.join(' ');
  return containsHan(text) ? { q: text, locales: [CHINESE] } : { q: text };
}

function markedChars(title: string, formatted: unknown): boolean[] | null {
  if (typeof formatted !== 'string') return null;
  const chars = Array.from(title);
  const marks: boolean[] = [];
  let open = false;
  for (const c of formatted) {
    if (c === MATCH_OPEN) open = true;
    else if (c === MATCH_CLOSE) open = false;
    else {
      if (chars[marks.length] !== c) return null;
      marks.push(open);
    }
  }
  return marks.length === chars.length ? marks : null;
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/** Reads back the marks of tokenize's highlightTitle (escaped text with `<mark>` spans). */
function marksOfHighlight(html: string): boolean[] {
  const marks: boolean[] = [];
  let open = false;
  for (const part of html.split(/(<mark>|<\/mark>)/)) {
    if (part === '<mark>') open = true;
    else if (part === '</mark>') open = false;
    else for (const _ of Array.from(part.replace(/&(?:amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]!))) marks.push(open);
  }
  return marks;
}

/**
 * The title, HTML-escaped, with <mark> around what matched: Meilisearch's own matches (which
 * know typos and synonyms) joined with the shared highlighter's (which knows pinyin and infixes).
 */
export function highlightHit(title: string, formatted: unknown, q: string): string {
  const chars = Array.from(title);
  const fromMeili = markedChars(title, formatted) ?? [];
  const fromQuery = q.trim() ? marksOfHighlight(highlightTitle(title, q)) : [];
  let html = '';
  let open = false;
  chars.forEach((c, i) => {
    const marked = Boolean(fromMeili[i] || (fromQuery.length === chars.length && fromQuery[i]));
    if (marked && !open) html += '<mark>';
    if (!marked && open) html += '</mark>';
    open = marked;
    html += escapeHtml(c);
  });
  return open ? `${html}</mark>` : html;
}

function facetValues(distribution: Record<string, number> | undefined, label?: (value: string) => string): FacetValue[] {
  const values: FacetValue[] = [];
  for (const [raw, count] of Object.entries(distribution ?? {})) {
    if (count <= 0) continue;
    if (label) {
      values.push({ value: raw, label: label(raw), count });
      continue;
    }
    const at = raw.indexOf(FACET_SEPARATOR);
    if (at < 0) continue;
    values.push({ value: raw.slice(0, at), label: raw.slice(at + 1), count });
  }
  return values.sort((a, b) => b.count - a.count || a.label.localeCompare(b.label, 'zh-CN'));
}

function toFacets(distribution: Record<string, Record<string, number>> | undefined): SearchFacets {
  const d = distribution ?? {};
  return {
    province: facetValues(d[FACETS.province]),
    category: facetValues(d[FACETS.category]),
    gi: facetValues(d[FACETS.gi]),
    giKind: facetValues(d[FACETS.giKind], (kind) => GI_KIND_LABELS[kind] ?? kind),
    cooperative: facetValues(d[FACETS.cooperative]),
    stalled: d.stalled?.['true'] ?? 0,
    inStock: d.inStock?.['true'] ?? 0,
  };
}

// ---------------------------------------------------------------- the adapter

export class MeilisearchTaskError extends Error {
  override name = 'MeilisearchTaskError';
  constructor(readonly task: Task) {
    super(
      `Meilisearch task ${task.uid} (${task.type}${task.indexUid ? ` on ${task.indexUid}` : ''}) ${task.status}` +
        (task.error ? `: ${task.error.code}: ${task.error.message}` : ''),
    );
  }
}

export interface MeilisearchOptions {
  url: string;
  apiKey?: string;
  indexUid?: string;
  /** Per-request timeout for searches and suggestions; a slow engine is a failed query (the fallback answers). */
  queryTimeoutMs?: number;
  /** Per-request timeout for writes and reads done by jobs and scripts. */
  requestTimeoutMs?: number;
  /** How long to wait for one task to finish. */
  taskTimeoutMs?: number;
}

export interface RebuildResult {
  indexUid: string;
  documents: number;
}

export interface MeilisearchSearch extends SearchAdapter {
  readonly name: 'meilisearch';
  readonly indexUid: string;
  /** Creates the live index if missing and applies the settings; once per adapter unless it fails. */
  ensureIndex(): Promise<void>;
  /** Sends documents and deletions and returns the enqueued tasks without waiting (see search-sync). */
  enqueueChanges(upserts: SearchDocument[], removals: number[]): Promise<EnqueuedTask[]>;
  /** Waits for tasks; throws MeilisearchTaskError unless every one succeeded. */
  waitForTasks(tasks: EnqueuedTask[]): Promise<void>;
  /**
   * Builds a new index from `documents` with the settings, waits until it is ready, and swaps it
   * with the live one in one atomic step, then deletes the old one: searches never see a gap.
   */
  rebuild(documents: SearchDocument[]): Promise<RebuildResult>;
  /** Every document in the live index. */
  allDocuments(): Promise<MeiliProductDocument[]>;
  /** The live index's settings that differ from PRODUCT_INDEX_SETTINGS, by name. */
  settingsDrift(): Promise<string[]>;
}

export function createMeilisearchSearch(options: MeilisearchOptions): MeilisearchSearch {
  const indexUid = options.indexUid ?? DEFAULT_INDEX_UID;
  const taskTimeoutMs = options.taskTimeoutMs ?? 30_000;
  const query = new Meilisearch({ host: options.url, apiKey: options.apiKey, timeout: options.queryTimeoutMs ?? 300 });
  const write = new Meilisearch({
    host: options.url,
    apiKey: options.apiKey,
    timeout: options.requestTimeoutMs ?? 10_000,
    defaultWaitOptions: { timeout: taskTimeoutMs, interval: 50 },
  });
  let ready: Promise<void> | null = null;

  async function succeeded(enqueued: EnqueuedTask | Promise<EnqueuedTask>): Promise<Task> {
    const task = await write.tasks.waitForTask(await enqueued, { timeout: taskTimeoutMs });
    if (task.status !== 'succeeded') throw new MeilisearchTaskError(task);
    return task;
  }

  async function createIndex(uid: string) {
    try {
      await succeeded(write.createIndex(uid, { primaryKey: PRIMARY_KEY }));
    } catch (error) {
      // Another instance created it first.
      if (!(error instanceof MeilisearchTaskError && error.task.error?.code === 'index_already_exists')) throw error;
    }
    await succeeded(write.index(uid).updateSettings(PRODUCT_INDEX_SETTINGS));
  }

  async function addDocuments(uid: string, documents: SearchDocument[]): Promise<EnqueuedTask[]> {
    const tasks: EnqueuedTask[] = [];
    for (let i = 0; i < documents.length; i += BATCH_SIZE) {
      const batch = documents.slice(i, i + BATCH_SIZE).map(toMeiliDocument);
      tasks.push(await write.index<MeiliProductDocument>(uid).addDocuments(batch, { primaryKey: PRIMARY_KEY }));
    }
    return tasks;
  }

  async function removeLeftoverIndexes() {
    const prefix = `${indexUid}_rebuild_`;
    const { results } = await write.getRawIndexes({ limit: 1000 });
    const hourAgo = Date.now() - 60 * 60 * 1000;
    for (const index of results) {
      // A younger one may belong to a rebuild still running elsewhere.
      if (index.uid.startsWith(prefix) && Date.parse(index.createdAt) < hourAgo) await succeeded(write.deleteIndex(index.uid));
    }
  }

  const adapter: MeilisearchSearch = {
    name: 'meilisearch',
    indexUid,

    ensureIndex() {
      ready ??= (async () => {
        try {
          await write.index(indexUid).getRawInfo();
          await succeeded(write.index(indexUid).updateSettings(PRODUCT_INDEX_SETTINGS));
        } catch (error) {
          if (!(error instanceof MeilisearchApiError && error.cause?.code === 'index_not_found')) throw error;
          await createIndex(indexUid);
        }
      })().catch((error: unknown) => {
        ready = null;
        throw error;
      });
      return ready;
    },

    async search(request: SearchQuery): Promise<SearchResult> {
      const { q, locales } = toMeiliQuery(request.q);
      const params = {
        filter: toMeiliFilter(request.filters) as Filter | undefined,
        sort: toMeiliSort(request.sort),
        page: Math.max(1, Math.floor(request.page)),
        hitsPerPage: Math.max(1, Math.floor(request.pageSize)),
        facets: request.facets ? [...Object.values(FACETS), 'stalled', 'inStock'] : undefined,
        attributesToRetrieve: ['id', 'title'],
        attributesToHighlight: ['title'],
        highlightPreTag: MATCH_OPEN,
        highlightPostTag: MATCH_CLOSE,
        matchingStrategy: 'all',
        locales,
      } satisfies SearchParams;
      const response = await query
        .index<MeiliProductDocument>(indexUid)
        .search(q, params)
        .catch((error: unknown) => {
          // A missing index or lost settings: the next write sets the index up again.
          if (error instanceof MeilisearchApiError && SETUP_ERRORS.has(error.cause?.code ?? '')) ready = null;
          throw error;
        });
      return {
        hits: response.hits.map((hit) => ({
          productId: hit.id,
          highlightedTitle: highlightHit(hit.title, hit._formatted?.title, request.q),
        })),
        total: response.totalHits ?? 0,
        facets: request.facets ? toFacets(response.facetDistribution) : null,
        adapter: 'meilisearch',
        degraded: false,
      };
    },

    async suggest(text: string, limit: number): Promise<Suggestion[]> {
      const { q, locales } = toMeiliQuery(text);
      if (!q) return [];
      const wanted = Math.max(1, Math.floor(limit));
      // Titles only, as the Postgres adapter; many products share a title (one per cooperative), so fetch extra and keep distinct titles.
      const response = await query.index<MeiliProductDocument>(indexUid).search(q, {
        limit: wanted * 4,
        attributesToRetrieve: ['id', 'slug', 'title'],
        attributesToSearchOn: ['title', 'gramsA', 'wordsA'],
        matchingStrategy: 'all',
        locales,
      });
      const seen = new Set<string>();
      const suggestions: Suggestion[] = [];
      for (const hit of response.hits) {
        if (seen.has(hit.title) || suggestions.length >= wanted) continue;
        seen.add(hit.title);
        suggestions.push({ productId: hit.id, slug: hit.slug, title: hit.title });
      }
      return suggestions;
    },

    async upsert(documents: SearchDocument[]) {
      await adapter.waitForTasks(await adapter.enqueueChanges(documents, []));
    },

    async remove(productIds: number[]) {
      await adapter.waitForTasks(await adapter.enqueueChanges([], productIds));
    },

    async enqueueChanges(upserts, removals) {
      if (upserts.length === 0 && removals.length === 0) return [];
      await adapter.ensureIndex();
      const tasks = await addDocuments(indexUid, upserts);
      for (let i = 0; i < removals.length; i += BATCH_SIZE) {
        tasks.push(await write.index(indexUid).deleteDocuments(removals.slice(i, i + BATCH_SIZE)));
      }
      return tasks;
    },

    async waitForTasks(tasks) {
      for (const task of tasks) await succeeded(task);
    },

    async health() {
      try {
        const { status } = await query.health();
        return status === 'available' ? { ok: true } : { ok: false, detail: `status ${String(status)}` };
      } catch (error) {
        return { ok: false, detail: error instanceof Error ? error.message : String(error) };
      }
    },

    async rebuild(documents) {
      await adapter.ensureIndex();
      await removeLeftoverIndexes();
      const buildUid = `${indexUid}_rebuild_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
      try {
        await createIndex(buildUid);
        for (const task of await addDocuments(buildUid, documents)) await succeeded(task);
        // `rename` is left out: servers before v1.18 refuse it as an unknown field, and false is its default.
        await succeeded(write.swapIndexes([{ indexes: [indexUid, buildUid] } as never]));
      } catch (error) {
        // A half-built index is dropped; if even that fails, the next rebuild removes it once it is old.
        await succeeded(write.deleteIndex(buildUid)).catch(() => {});
        throw error;
      }
      // After the swap it holds the old documents.
      await succeeded(write.deleteIndex(buildUid));
      return { indexUid, documents: documents.length };
    },

    async allDocuments() {
      const documents: MeiliProductDocument[] = [];
      const limit = 1000;
      for (let offset = 0; ; offset += limit) {
        const page = await write.index<MeiliProductDocument>(indexUid).getDocuments({ offset, limit });
        documents.push(...page.results);
        if (page.results.length < limit) return documents;
      }
    },

    async settingsDrift() {
      const actual = (await write.index(indexUid).getSettings()) as Record<string, unknown>;
      const expected = PRODUCT_INDEX_SETTINGS as Record<string, unknown>;
      const drift: string[] = [];
      for (const key of ['searchableAttributes', 'filterableAttributes', 'sortableAttributes', 'rankingRules', 'localizedAttributes', 'synonyms']) {
        if (canonical(actual[key], key) !== canonical(expected[key], key)) drift.push(key);
      }
      return drift;
    },
  };
  return adapter;
}

/** Settings compared as values: the order of a set-like list does not matter, the searchable order does. */
function canonical(value: unknown, key: string): string {
  if (Array.isArray(value) && key !== 'searchableAttributes' && key !== 'rankingRules') return JSON.stringify([...value].map((v) => JSON.stringify(v)).sort());
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, Array.isArray(v) ? [...v].sort() : v]);
    return JSON.stringify(entries.sort(([a], [b]) => String(a).localeCompare(String(b))));
  }
  return JSON.stringify(value);
}
