/**
 * A local HTTP double of Meilisearch v1.x for the subset the app uses, written from the documented
 * API (/work/shared/API-FACTS.md, Meilisearch's OpenAPI file, error table and its own tests):
 *
 * - Bearer auth: 401 `missing_authorization_header`, 403 `invalid_api_key`; /health is open.
 * - Requests are validated and refused as Meilisearch refuses them: unknown fields (`bad_request`),
 *   wrong types (`invalid_search_*`, `invalid_settings_*` with "Invalid value type at `.x`"),
 *   malformed JSON, a missing body or Content-Type, filters on attributes that are not filterable,
 *   sorts on attributes that are not sortable, bad locales. Errors have the documented shape
 *   `{message, code, type, link}`. Parts of the API the double does not implement answer 501
 *   `double_not_implemented`, never a silent success.
 * - Writes answer 202 with a summarized task; tasks then go enqueued → processing → succeeded or
 *   failed, one at a time in order, after a small delay, as Meilisearch's scheduler does.
 * - Search is simple but honest: words are runs of letters or digits, a run of Chinese characters
 *   is ONE word (a segmenter with an empty dictionary, stricter than jieba), matching is exact,
 *   prefix for the last word, typo-tolerant by Levenshtein distance with the index's settings, with
 *   synonyms; matchingStrategy `last` / `all` / `frequency`; ranking by the index's ranking rules
 *   (words, typo, attribute, sort, exactness; proximity and word position are not modelled);
 *   filters, facets (distribution and stats), page and offset pagination, highlighting.
 *
 * Test controls: `setDown(true)` refuses connections (or answers 503 with mode 'unavailable'),
 * `setLatency(ms)` delays every answer, `failNextTask(code)` makes the next processed task fail.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

// ---------------------------------------------------------------- errors

type ErrorType = 'invalid_request' | 'internal' | 'auth' | 'system';

export interface MeiliErrorBody {
  message: string;
  code: string;
  type: ErrorType;
  link: string;
}

export class MeiliError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: ErrorType = 'invalid_request',
  ) {
    super(message);
  }

  body(): MeiliErrorBody {
    return errorBody(this.code, this.message, this.type);
  }
}

function errorBody(code: string, message: string, type: ErrorType = 'invalid_request'): MeiliErrorBody {
  return { message, code, type, link: `https://docs.meilisearch.com/errors#${code}` };
}

const notImplemented = (what: string) =>
  new MeiliError(501, 'double_not_implemented', `The Meilisearch double does not implement ${what}.`, 'internal');

/** How deserr names a JSON value in "expected …, but found …". */
function found(value: unknown): string {
  const json = JSON.stringify(value);
  if (value === null) return 'null';
  if (typeof value === 'string') return `a string: \`${json}\``;
  if (typeof value === 'boolean') return `a boolean: \`${json}\``;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return `a number: \`${json}\``;
    return value < 0 ? `a negative integer: \`${json}\`` : `a positive integer: \`${json}\``;
  }
  if (Array.isArray(value)) return `an array: \`${json}\``;
  return `an object: \`${json}\``;
}

const typeError = (code: string, path: string, expected: string, value: unknown) =>
  new MeiliError(400, code, `Invalid value type at \`${path}\`: expected ${expected}, but found ${found(value)}`);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function expectObject(value: unknown, path: string, code: string, allowed: readonly string[]): Record<string, unknown> {
  if (!isObject(value)) throw typeError(code, path, 'an object', value);
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      const inside = path === '' ? '' : ` inside \`${path}\``;
      throw new MeiliError(400, path === '' ? 'bad_request' : code, `Unknown field \`${key}\`${inside}: expected one of ${allowed.map((a) => `\`${a}\``).join(', ')}`);
    }
  }
  return value;
}

function expectString(value: unknown, path: string, code: string): string {
  if (typeof value !== 'string') throw typeError(code, path, 'a string', value);
  return value;
}

function expectBoolean(value: unknown, path: string, code: string): boolean {
  if (typeof value !== 'boolean') throw typeError(code, path, 'a boolean', value);
  return value;
}

function expectNaturalNumber(value: unknown, path: string, code: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw typeError(code, path, 'a positive integer', value);
  return value;
}

function expectStringArray(value: unknown, path: string, code: string): string[] {
  if (!Array.isArray(value)) throw typeError(code, path, 'an array', value);
  value.forEach((item, i) => expectString(item, `${path}[${i}]`, code));
  return value as string[];
}

function expectOneOf<T extends string>(value: unknown, path: string, code: string, allowed: readonly T[]): T {
  const text = expectString(value, path, code);
  if (!(allowed as readonly string[]).includes(text)) {
    throw new MeiliError(400, code, `Unknown value \`${text}\` at \`${path}\`: expected one of ${allowed.map((a) => `\`${a}\``).join(', ')}`);
  }
  return text as T;
}

// ---------------------------------------------------------------- locales

/** The locales Meilisearch accepts, in the order its settings error lists them [meilisearch tests/search/locales.rs]. */
const LOCALES_TWO = 'af ak am ar az be bn bg ca cs da de el en eo et fi fr gu he hi hr hu hy id it jv ja kn ka km ko la lv lt ml mr mk my ne nl nb or pa fa pl pt ro ru si sk sl sn es sr sv ta te tl th tk tr uk ur uz vi yi zh zu'.split(' ');
const LOCALES_THREE = 'afr aka amh ara aze bel ben bul cat ces dan deu ell eng epo est fin fra guj heb hin hrv hun hye ind ita jav jpn kan kat khm kor lat lav lit mal mar mkd mya nep nld nob ori pan pes pol por ron rus sin slk slv sna spa srp swe tam tel tgl tha tuk tur ukr urd uzb vie yid zho zul'.split(' ');
export const MEILI_LOCALES = [...LOCALES_TWO, ...LOCALES_THREE, 'cmn'];

/** Two-letter codes name the same language as their three-letter twin (since v1.11 `zh` is `zho`, not `cmn`). */
function canonicalLocale(locale: string): string {
  const i = LOCALES_TWO.indexOf(locale);
  return i >= 0 ? LOCALES_THREE[i]! : locale;
}

// ---------------------------------------------------------------- settings

const RANKING_RULES = ['words', 'typo', 'proximity', 'attribute', 'sort', 'exactness', 'attributeRank', 'wordPosition'];

interface FilterableRule {
  patterns: string[];
  equality: boolean;
  comparison: boolean;
}

export interface IndexSettings {
  displayedAttributes: string[];
  searchableAttributes: string[];
  filterableAttributes: (string | Record<string, unknown>)[];
  sortableAttributes: string[];
  rankingRules: string[];
  stopWords: string[];
  nonSeparatorTokens: string[];
  separatorTokens: string[];
  dictionary: string[];
  synonyms: Record<string, string[]>;
  distinctAttribute: string | null;
  proximityPrecision: string;
  typoTolerance: {
    enabled: boolean;
    minWordSizeForTypos: { oneTypo: number; twoTypos: number };
    disableOnWords: string[];
    disableOnAttributes: string[];
    disableOnNumbers: boolean;
  };
  faceting: { maxValuesPerFacet: number; sortFacetValuesBy: Record<string, 'alpha' | 'count'> };
  pagination: { maxTotalHits: number };
  searchCutoffMs: number | null;
  localizedAttributes: { attributePatterns: string[]; locales: string[] }[] | null;
  facetSearch: boolean;
  prefixSearch: 'indexingTime' | 'disabled';
  embedders: Record<string, never>;
}

function defaultSettings(): IndexSettings {
  return {
    displayedAttributes: ['*'],
    searchableAttributes: ['*'],
    filterableAttributes: [],
    sortableAttributes: [],
    rankingRules: ['words', 'typo', 'proximity', 'attributeRank', 'sort', 'wordPosition', 'exactness'],
    stopWords: [],
    nonSeparatorTokens: [],
    separatorTokens: [],
    dictionary: [],
    synonyms: {},
    distinctAttribute: null,
    proximityPrecision: 'byWord',
    typoTolerance: {
      enabled: true,
      minWordSizeForTypos: { oneTypo: 5, twoTypos: 9 },
      disableOnWords: [],
      disableOnAttributes: [],
      disableOnNumbers: false,
    },
    faceting: { maxValuesPerFacet: 100, sortFacetValuesBy: { '*': 'alpha' } },
    pagination: { maxTotalHits: 1000 },
    searchCutoffMs: null,
    localizedAttributes: null,
    facetSearch: true,
    prefixSearch: 'indexingTime',
    embedders: {},
  };
}

const SETTING_NAMES = [
  'displayedAttributes',
  'searchableAttributes',
  'filterableAttributes',
  'sortableAttributes',
  'rankingRules',
  'stopWords',
  'nonSeparatorTokens',
  'separatorTokens',
  'dictionary',
  'synonyms',
  'distinctAttribute',
  'proximityPrecision',
  'typoTolerance',
  'faceting',
  'pagination',
  'embedders',
  'searchCutoffMs',
  'localizedAttributes',
  'facetSearch',
  'prefixSearch',
  'chat',
  'vectorStore',
] as const;

const settingCode = (name: string) => `invalid_settings_${name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;

/** Checks a settings PATCH body as Meilisearch does, synchronously; returns it unchanged when valid. */
export function validateSettings(body: unknown): Record<string, unknown> {
  const settings = expectObject(body, '', 'bad_request', SETTING_NAMES);
  for (const [name, value] of Object.entries(settings)) {
    const code = settingCode(name);
    const path = `.${name}`;
    if (value === null) continue;
    switch (name) {
      case 'displayedAttributes':
      case 'searchableAttributes':
      case 'sortableAttributes':
      case 'stopWords':
      case 'nonSeparatorTokens':
      case 'separatorTokens':
      case 'dictionary':
        expectStringArray(value, path, code);
        break;
      case 'filterableAttributes': {
        if (!Array.isArray(value)) throw typeError(code, path, 'an array', value);
        value.forEach((rule, i) => {
          if (typeof rule === 'string') return;
          const at = `${path}[${i}]`;
          const object = expectObject(rule, at, code, ['attributePatterns', 'features']);
          if (!('attributePatterns' in object)) throw new MeiliError(400, code, `Missing field \`attributePatterns\` inside \`${at}\``);
          expectStringArray(object.attributePatterns, `${at}.attributePatterns`, code);
          if (object.features !== undefined) {
            const features = expectObject(object.features, `${at}.features`, code, ['facetSearch', 'filter']);
            if (features.facetSearch !== undefined) expectBoolean(features.facetSearch, `${at}.features.facetSearch`, code);
            if (features.filter !== undefined) {
              const filter = expectObject(features.filter, `${at}.features.filter`, code, ['equality', 'comparison']);
              if (filter.equality !== undefined) expectBoolean(filter.equality, `${at}.features.filter.equality`, code);
              if (filter.comparison !== undefined) expectBoolean(filter.comparison, `${at}.features.filter.comparison`, code);
            }
          }
        });
        break;
      }
      case 'rankingRules': {
        const rules = expectStringArray(value, path, code);
        rules.forEach((rule, i) => {
          if (RANKING_RULES.includes(rule) || /^[^:\s]+:(asc|desc)$/.test(rule)) return;
          throw new MeiliError(
            400,
            code,
            `Invalid value at \`${path}[${i}]\`: \`${rule}\` ranking rule is invalid. Valid ranking rules are words, typo, sort, proximity, attribute, attributeRank, wordPosition, exactness and custom ranking rules.`,
          );
        });
        if (rules.includes('attribute') && (rules.includes('attributeRank') || rules.includes('wordPosition'))) {
          throw new MeiliError(
            400,
            code,
            `Invalid value at \`${path}\`: \`attribute\` ranking rule cannot be used together with \`attributeRank\` or \`wordPosition\`.`,
          );
        }
        break;
      }
      case 'synonyms': {
        if (!isObject(value)) throw typeError(code, path, 'an object', value);
        for (const [word, list] of Object.entries(value)) expectStringArray(list, `${path}.${word}`, code);
        break;
      }
      case 'distinctAttribute':
        expectString(value, path, code);
        break;
      case 'proximityPrecision':
        expectOneOf(value, path, code, ['byWord', 'byAttribute']);
        break;
      case 'typoTolerance': {
        const typo = expectObject(value, path, code, ['enabled', 'minWordSizeForTypos', 'disableOnWords', 'disableOnAttributes', 'disableOnNumbers']);
        if (typo.enabled !== undefined && typo.enabled !== null) expectBoolean(typo.enabled, `${path}.enabled`, code);
        if (typo.minWordSizeForTypos !== undefined && typo.minWordSizeForTypos !== null) {
          const sizes = expectObject(typo.minWordSizeForTypos, `${path}.minWordSizeForTypos`, code, ['oneTypo', 'twoTypos']);
          const one = sizes.oneTypo === undefined ? 5 : expectNaturalNumber(sizes.oneTypo, `${path}.minWordSizeForTypos.oneTypo`, code);
          const two = sizes.twoTypos === undefined ? 9 : expectNaturalNumber(sizes.twoTypos, `${path}.minWordSizeForTypos.twoTypos`, code);
          if (one > 255 || two > 255 || two < one) {
            throw new MeiliError(
              400,
              code,
              `\`minWordSizeForTypos\` setting is invalid. \`oneTypo\` and \`twoTypos\` fields should be between \`0\` and \`255\`, and \`twoTypos\` should be greater or equals to \`oneTypo\` but found \`oneTypo: ${one}\` and twoTypos: ${two}\`.`,
            );
          }
        }
        if (typo.disableOnWords != null) expectStringArray(typo.disableOnWords, `${path}.disableOnWords`, code);
        if (typo.disableOnAttributes != null) expectStringArray(typo.disableOnAttributes, `${path}.disableOnAttributes`, code);
        if (typo.disableOnNumbers != null) expectBoolean(typo.disableOnNumbers, `${path}.disableOnNumbers`, code);
        break;
      }
      case 'faceting': {
        const faceting = expectObject(value, path, code, ['maxValuesPerFacet', 'sortFacetValuesBy']);
        if (faceting.maxValuesPerFacet != null) expectNaturalNumber(faceting.maxValuesPerFacet, `${path}.maxValuesPerFacet`, code);
        if (faceting.sortFacetValuesBy != null) {
          if (!isObject(faceting.sortFacetValuesBy)) throw typeError(code, `${path}.sortFacetValuesBy`, 'an object', faceting.sortFacetValuesBy);
          for (const [attribute, order] of Object.entries(faceting.sortFacetValuesBy)) {
            expectOneOf(order, `${path}.sortFacetValuesBy.${attribute}`, code, ['alpha', 'count']);
          }
        }
        break;
      }
      case 'pagination': {
        const pagination = expectObject(value, path, code, ['maxTotalHits']);
        if (pagination.maxTotalHits != null) expectNaturalNumber(pagination.maxTotalHits, `${path}.maxTotalHits`, code);
        break;
      }
      case 'searchCutoffMs':
        expectNaturalNumber(value, path, code);
        break;
      case 'localizedAttributes': {
        if (!Array.isArray(value)) throw typeError(code, path, 'an array', value);
        value.forEach((rule, i) => {
          const at = `${path}[${i}]`;
          const object = expectObject(rule, at, code, ['attributePatterns', 'locales']);
          for (const field of ['attributePatterns', 'locales']) {
            if (!(field in object)) throw new MeiliError(400, code, `Missing field \`${field}\` inside \`${at}\``);
          }
          expectStringArray(object.attributePatterns, `${at}.attributePatterns`, code);
          expectStringArray(object.locales, `${at}.locales`, code).forEach((locale, j) => expectOneOf(locale, `${at}.locales[${j}]`, code, MEILI_LOCALES));
        });
        break;
      }
      case 'facetSearch':
        expectBoolean(value, path, code);
        break;
      case 'prefixSearch':
        expectOneOf(value, path, code, ['indexingTime', 'disabled']);
        break;
      case 'embedders':
        if (!isObject(value) || Object.keys(value).length > 0) throw notImplemented('embedders');
        break;
      default:
        throw notImplemented(`the \`${name}\` setting`);
    }
  }
  return settings;
}

function applySettings(current: IndexSettings, patch: Record<string, unknown>): IndexSettings {
  const next = structuredClone(current) as unknown as Record<string, unknown>;
  const defaults = defaultSettings() as unknown as Record<string, unknown>;
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) next[name] = structuredClone(defaults[name]);
    else if (name === 'typoTolerance' || name === 'faceting' || name === 'pagination') {
      // Nested settings are merged field by field; a null field goes back to its default.
      const merged = { ...(next[name] as Record<string, unknown>) };
      for (const [field, fieldValue] of Object.entries(value as Record<string, unknown>)) {
        merged[field] = fieldValue === null ? (defaults[name] as Record<string, unknown>)[field] : fieldValue;
      }
      if (name === 'typoTolerance' && isObject(merged.minWordSizeForTypos)) {
        merged.minWordSizeForTypos = { oneTypo: 5, twoTypos: 9, ...merged.minWordSizeForTypos };
      }
      next[name] = merged;
    } else next[name] = structuredClone(value);
  }
  return next as unknown as IndexSettings;
}

function filterableRules(settings: IndexSettings): FilterableRule[] {
  return settings.filterableAttributes.map((rule) => {
    if (typeof rule === 'string') return { patterns: [rule], equality: true, comparison: true };
    const filter = ((rule.features as Record<string, unknown> | undefined)?.filter ?? {}) as Record<string, unknown>;
    return {
      patterns: rule.attributePatterns as string[],
      equality: filter.equality !== false,
      // In the object form comparison is off unless asked for [OAS FilterFeatures].
      comparison: filter.comparison === true,
    };
  });
}

function matchesPattern(attribute: string, pattern: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*') && pattern.endsWith('*') && pattern.length > 1) return attribute.includes(pattern.slice(1, -1));
  if (pattern.startsWith('*')) return attribute.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return attribute.startsWith(pattern.slice(0, -1));
  return attribute === pattern || attribute.startsWith(`${pattern}.`);
}

// ---------------------------------------------------------------- filters

type FilterNode =
  | { kind: 'and' | 'or'; children: FilterNode[] }
  | { kind: 'not'; child: FilterNode }
  | { kind: 'condition'; attribute: string; start: number; end: number; op: string; values: string[] };

interface Token {
  type: 'word' | 'quoted' | 'op' | 'punct';
  text: string;
  start: number;
}

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'IN', 'TO', 'EXISTS', 'IS', 'NULL', 'EMPTY', 'CONTAINS', 'STARTS', 'WITH']);

class FilterSyntaxError extends Error {}

function tokenizeFilter(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      let value = '';
      for (;;) {
        if (j >= text.length) throw new FilterSyntaxError(`Expression \`${text.slice(i)}\` is missing the following closing delimiter: \`${c}\`.`);
        const d = text[j]!;
        if (d === '\\') {
          const next = text[j + 1];
          if (next === undefined) throw new FilterSyntaxError(`Malformed value \`${text.slice(i)}\`.`);
          value += next === c || next === '\\' ? next : next === 'n' ? '\n' : next === 't' ? '\t' : `\\${next}`;
          j += 2;
        } else if (d === c) {
          break;
        } else {
          value += d;
          j += 1;
        }
      }
      tokens.push({ type: 'quoted', text: value, start: i });
      i = j + 1;
    } else if (c === '(' || c === ')' || c === '[' || c === ']' || c === ',') {
      tokens.push({ type: 'punct', text: c, start: i });
      i += 1;
    } else if (c === '!' || c === '=' || c === '<' || c === '>') {
      const two = text.slice(i, i + 2);
      const op = ['!=', '>=', '<='].includes(two) ? two : c;
      if (op === '!') throw new FilterSyntaxError(`Was expecting an operation \`=\`, \`!=\`, \`>=\`, \`>\`, \`<=\`, \`<\`, \`IN\`, \`NOT IN\`, \`TO\`, \`EXISTS\`, \`NOT EXISTS\`, \`IS NULL\`, \`IS NOT NULL\`, \`IS EMPTY\`, \`IS NOT EMPTY\`, \`CONTAINS\`, \`NOT CONTAINS\`, \`STARTS WITH\`, \`NOT STARTS WITH\`, \`_geoRadius\`, or \`_geoBoundingBox\` at \`${text}\`.`);
      tokens.push({ type: 'op', text: op, start: i });
      i += op.length;
    } else {
      const match = /^[\p{L}\p{N}_\-.]+/u.exec(text.slice(i));
      if (!match) {
        throw new FilterSyntaxError(
          `Was expecting an operation \`=\`, \`!=\`, \`>=\`, \`>\`, \`<=\`, \`<\`, \`IN\`, \`NOT IN\`, \`TO\`, \`EXISTS\`, \`NOT EXISTS\`, \`IS NULL\`, \`IS NOT NULL\`, \`IS EMPTY\`, \`IS NOT EMPTY\`, \`CONTAINS\`, \`NOT CONTAINS\`, \`STARTS WITH\`, \`NOT STARTS WITH\`, \`_geoRadius\`, or \`_geoBoundingBox\` at \`${text}\`.`,
        );
      }
      tokens.push({ type: 'word', text: match[0], start: i });
      i += match[0].length;
    }
  }
  return tokens;
}

/** Parses one filter expression (NOT > AND > OR, parentheses, the operators the app uses and a few more). */
export function parseFilterExpression(text: string): FilterNode {
  const tokens = tokenizeFilter(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const isKeyword = (token: Token | undefined, word: string) => token?.type === 'word' && token.text === word;
  const expectValue = (): string => {
    const token = tokens[pos];
    if (!token || (token.type === 'word' && KEYWORDS.has(token.text)) || (token.type !== 'word' && token.type !== 'quoted')) {
      throw new FilterSyntaxError(`Was expecting a value but instead got ${token ? `\`${token.text}\`` : 'nothing'}.`);
    }
    pos += 1;
    return token.text;
  };

  function parseOr(): FilterNode {
    const children = [parseAnd()];
    while (isKeyword(peek(), 'OR')) {
      pos += 1;
      children.push(parseAnd());
    }
    return children.length === 1 ? children[0]! : { kind: 'or', children };
  }
  function parseAnd(): FilterNode {
    const children = [parseNot()];
    while (isKeyword(peek(), 'AND')) {
      pos += 1;
      children.push(parseNot());
    }
    return children.length === 1 ? children[0]! : { kind: 'and', children };
  }
  function parseNot(): FilterNode {
    if (isKeyword(peek(), 'NOT')) {
      pos += 1;
      return { kind: 'not', child: parseNot() };
    }
    return parsePrimary();
  }
  function parsePrimary(): FilterNode {
    const token = peek();
    if (token?.type === 'punct' && token.text === '(') {
      pos += 1;
      const inner = parseOr();
      const close = peek();
      if (!(close?.type === 'punct' && close.text === ')')) {
        throw new FilterSyntaxError(`Expression \`${text.slice(token.start)}\` is missing the following closing delimiter: \`)\`.`);
      }
      pos += 1;
      return inner;
    }
    if (!token || (token.type !== 'word' && token.type !== 'quoted') || (token.type === 'word' && KEYWORDS.has(token.text))) {
      throw new FilterSyntaxError(`Was expecting a value but instead got ${token ? `\`${token.text}\`` : 'nothing'}.`);
    }
    pos += 1;
    const attribute = token.text;
    const span = { attribute, start: token.start + 1, end: token.start + 1 + Array.from(token.type === 'quoted' ? `"${attribute}"` : attribute).length };
    if (attribute.startsWith('_geo')) {
      throw new FilterSyntaxError(
        `\`${attribute}\` is a reserved keyword and thus can't be used as a filter expression. Use the \`_geoRadius(latitude, longitude, distance)\` or \`_geoBoundingBox([latitude, longitude], [latitude, longitude])\` built-in rules to filter on \`_geo\` coordinates.`,
      );
    }
    const next = peek();
    if (next?.type === 'op') {
      pos += 1;
      return { kind: 'condition', ...span, op: next.text, values: [expectValue()] };
    }
    if (isKeyword(next, 'IN')) {
      pos += 1;
      return { kind: 'condition', ...span, op: 'IN', values: parseList() };
    }
    if (isKeyword(next, 'NOT')) {
      pos += 1;
      const after = peek();
      if (isKeyword(after, 'IN')) {
        pos += 1;
        return { kind: 'not', child: { kind: 'condition', ...span, op: 'IN', values: parseList() } };
      }
      if (isKeyword(after, 'EXISTS')) {
        pos += 1;
        return { kind: 'not', child: { kind: 'condition', ...span, op: 'EXISTS', values: [] } };
      }
      throw operationExpected();
    }
    if (isKeyword(next, 'EXISTS')) {
      pos += 1;
      return { kind: 'condition', ...span, op: 'EXISTS', values: [] };
    }
    if (isKeyword(next, 'IS')) {
      pos += 1;
      const negate = isKeyword(peek(), 'NOT');
      if (negate) pos += 1;
      const what = peek();
      if (!isKeyword(what, 'NULL') && !isKeyword(what, 'EMPTY')) throw operationExpected();
      pos += 1;
      const condition: FilterNode = { kind: 'condition', ...span, op: `IS ${what!.text}`, values: [] };
      return negate ? { kind: 'not', child: condition } : condition;
    }
    if (next && (next.type === 'word' || next.type === 'quoted') && !KEYWORDS.has(next.text) && isKeyword(tokens[pos + 1], 'TO')) {
      pos += 2;
      return { kind: 'condition', ...span, op: 'TO', values: [next.text, expectValue()] };
    }
    throw operationExpected();
  }
  function parseList(): string[] {
    const open = peek();
    if (!(open?.type === 'punct' && open.text === '[')) throw new FilterSyntaxError(`Expected \`[\` after \`IN\` keyword.`);
    pos += 1;
    const values: string[] = [];
    for (;;) {
      const token = peek();
      if (token?.type === 'punct' && token.text === ']') {
        pos += 1;
        return values;
      }
      values.push(expectValue());
      const sep = peek();
      if (sep?.type === 'punct' && sep.text === ',') pos += 1;
      else if (!(sep?.type === 'punct' && sep.text === ']')) throw new FilterSyntaxError(`Expected only comma-separated field names inside \`IN[..]\` but instead found \`${sep?.text ?? ''}\`.`);
    }
  }
  function operationExpected() {
    return new FilterSyntaxError(
      `Was expecting an operation \`=\`, \`!=\`, \`>=\`, \`>\`, \`<=\`, \`<\`, \`IN\`, \`NOT IN\`, \`TO\`, \`EXISTS\`, \`NOT EXISTS\`, \`IS NULL\`, \`IS NOT NULL\`, \`IS EMPTY\`, \`IS NOT EMPTY\`, \`CONTAINS\`, \`NOT CONTAINS\`, \`STARTS WITH\`, \`NOT STARTS WITH\`, \`_geoRadius\`, or \`_geoBoundingBox\` at \`${text}\`.`,
    );
  }

  const tree = parseOr();
  if (pos < tokens.length) {
    const rest = text.slice(tokens[pos]!.start);
    throw new FilterSyntaxError(`Found unexpected characters at the end of the filter: \`${rest}\`. You probably forgot an \`OR\` or an \`AND\` rule.`);
  }
  return tree;
}

function conditionsOf(node: FilterNode): Extract<FilterNode, { kind: 'condition' }>[] {
  if (node.kind === 'condition') return [node];
  if (node.kind === 'not') return conditionsOf(node.child);
  return node.children.flatMap(conditionsOf);
}

/**
 * Parses the `filter` parameter (a string, or the array form: outer AND, inner OR, depth 2) and
 * checks every attribute against the filterable rules. Throws MeiliError with `code`.
 */
function compileFilter(filter: unknown, index: IndexState, code: string): FilterNode | null {
  if (filter === null || filter === undefined) return null;
  const parseOne = (text: string): FilterNode | null => {
    if (text.trim() === '') return null;
    let tree: FilterNode;
    try {
      tree = parseFilterExpression(text);
    } catch (error) {
      if (error instanceof FilterSyntaxError) throw new MeiliError(400, code, `${error.message}\n1:${Array.from(text).length + 1} ${text}`);
      throw error;
    }
    checkFilterable(tree, index, text, code);
    return tree;
  };
  if (typeof filter === 'string') return parseOne(filter);
  if (!Array.isArray(filter)) throw new MeiliError(400, code, `Invalid syntax for the filter parameter: \`expected String, Array, found: ${JSON.stringify(filter)}\`.`);
  const children: FilterNode[] = [];
  for (const item of filter) {
    if (typeof item === 'string') {
      const node = parseOne(item);
      if (node) children.push(node);
    } else if (Array.isArray(item)) {
      const alternatives: FilterNode[] = [];
      for (const inner of item) {
        if (typeof inner !== 'string') {
          throw new MeiliError(400, code, `Invalid syntax for the filter parameter: \`expected String, found: ${JSON.stringify(inner)}\`.`);
        }
        const node = parseOne(inner);
        if (node) alternatives.push(node);
      }
      if (alternatives.length > 0) children.push({ kind: 'or', children: alternatives });
    } else {
      throw new MeiliError(400, code, `Invalid syntax for the filter parameter: \`expected String, Array, found: ${JSON.stringify(item)}\`.`);
    }
  }
  return children.length === 0 ? null : { kind: 'and', children };
}

function checkFilterable(tree: FilterNode, index: IndexState, text: string, code: string) {
  const rules = filterableRules(index.settings);
  for (const condition of conditionsOf(tree)) {
    const ruleIndex = rules.findIndex((rule) => rule.patterns.some((p) => matchesPattern(condition.attribute, p)));
    if (ruleIndex < 0) {
      const available = index.settings.filterableAttributes.flatMap((r) => (typeof r === 'string' ? [r] : (r.attributePatterns as string[])));
      const detail =
        available.length === 0
          ? 'This index does not have configured filterable attributes.'
          : `Available filterable attribute patterns are: ${[...available].sort().map((a) => `\`${a}\``).join(', ')}.`;
      throw new MeiliError(
        400,
        code,
        `Index \`${index.uid}\`: Attribute \`${condition.attribute}\` is not filterable. ${detail}\n${condition.start}:${condition.end} ${text}`,
      );
    }
    const rule = rules[ruleIndex]!;
    const comparison = ['>', '>=', '<', '<=', 'TO'].includes(condition.op);
    const equality = ['=', '!=', 'IN'].includes(condition.op);
    if ((comparison && !rule.comparison) || (equality && !rule.equality)) {
      const op = condition.op === 'IN' ? '=' : condition.op;
      const allowed = ['OR', 'AND', 'NOT', ...(rule.equality ? ['=', '!=', 'IN'] : []), ...(rule.comparison ? ['<', '>', '<=', '>=', 'TO'] : []), 'IS EMPTY', 'IS NULL', 'EXISTS'];
      throw new MeiliError(
        400,
        code,
        `Index \`${index.uid}\`: Filter operator \`${op}\` is not allowed for the attribute \`${condition.attribute}\`.\n  - Note: allowed operators: ${allowed.join(', ')}.\n  - Note: field \`${condition.attribute}\` matched rule #${ruleIndex} in \`filterableAttributes\``,
      );
    }
  }
}

/** The values at a dotted path: `raw` as stored, `values` with arrays flattened. */
function valuesAt(document: Record<string, unknown>, attribute: string): { present: boolean; raw: unknown[]; values: unknown[] } {
  let current: unknown[] = [document];
  let present = true;
  for (const part of attribute.split('.')) {
    const next: unknown[] = [];
    let any = false;
    for (const value of current.flatMap((v) => (Array.isArray(v) ? v : [v]))) {
      if (isObject(value) && part in value) {
        any = true;
        next.push(value[part]);
      }
    }
    present = any;
    current = next;
    if (!any) break;
  }
  return { present, raw: current, values: current.flatMap((v) => (Array.isArray(v) ? v : [v])) };
}

function normalizeValue(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

function equalsFilterValue(value: unknown, expected: string): boolean {
  if (typeof value === 'number') return expected.trim() !== '' && Number(expected) === value;
  if (typeof value === 'boolean') return String(value) === expected.toLowerCase();
  if (typeof value === 'string') return normalizeValue(value) === normalizeValue(expected);
  return false;
}

function compareFilterValue(value: unknown, expected: string): number | null {
  if (typeof value === 'number' && expected.trim() !== '' && !Number.isNaN(Number(expected))) return value - Number(expected);
  if (typeof value === 'string') return normalizeValue(value) < normalizeValue(expected) ? -1 : normalizeValue(value) > normalizeValue(expected) ? 1 : 0;
  return null;
}

function evaluateFilter(node: FilterNode, document: Record<string, unknown>): boolean {
  switch (node.kind) {
    case 'and':
      return node.children.every((child) => evaluateFilter(child, document));
    case 'or':
      return node.children.some((child) => evaluateFilter(child, document));
    case 'not':
      return !evaluateFilter(node.child, document);
    case 'condition': {
      const { present, raw, values } = valuesAt(document, node.attribute);
      const compare = (test: (c: number) => boolean) => values.some((v) => {
        const c = compareFilterValue(v, node.values[0]!);
        return c !== null && test(c);
      });
      switch (node.op) {
        case '=':
          return values.some((v) => equalsFilterValue(v, node.values[0]!));
        case '!=':
          return !values.some((v) => equalsFilterValue(v, node.values[0]!));
        case 'IN':
          return values.some((v) => node.values.some((expected) => equalsFilterValue(v, expected)));
        case '>':
          return compare((c) => c > 0);
        case '>=':
          return compare((c) => c >= 0);
        case '<':
          return compare((c) => c < 0);
        case '<=':
          return compare((c) => c <= 0);
        case 'TO':
          return values.some((v) => {
            const low = compareFilterValue(v, node.values[0]!);
            const high = compareFilterValue(v, node.values[1]!);
            return low !== null && high !== null && low >= 0 && high <= 0;
          });
        case 'EXISTS':
          return present;
        case 'IS NULL':
          return present && raw.some((v) => v === null);
        case 'IS EMPTY':
          return present && raw.some((v) => v === '' || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0));
        default:
          return false;
      }
    }
  }
}

// ---------------------------------------------------------------- text matching

interface WordSpan {
  word: string;
  start: number;
  end: number;
}

/** Words: runs of Chinese characters (one word per run), or runs of other letters and digits. */
const WORDS = /\p{Script=Han}+|(?:(?!\p{Script=Han})[\p{L}\p{N}])+/gu;

function wordsOf(text: string): WordSpan[] {
  return [...text.matchAll(WORDS)].map((m) => ({ word: normalizeValue(m[0]), start: m.index, end: m.index + m[0].length }));
}

function levenshtein(a: string, b: string, max: number): number {
  const x = Array.from(a);
  const y = Array.from(b);
  if (Math.abs(x.length - y.length) > max) return max + 1;
  let previous = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= y.length; j += 1) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[y.length]!;
}

interface QueryWord {
  text: string;
  /** Alternatives from synonyms; each alternative is one or more words that must all occur. */
  synonyms: string[][];
  prefix: boolean;
}

interface WordMatch {
  typos: number;
  exact: boolean;
  /** Length, in characters, of the matched part of the document word (a prefix may match less). */
  length: number;
}

interface SearchContext {
  settings: IndexSettings;
  words: QueryWord[];
  attributes: string[];
}

function matchWord(query: QueryWord, word: string, attribute: string, settings: IndexSettings): WordMatch | null {
  if (word === query.text) return { typos: 0, exact: true, length: Array.from(word).length };
  const queryLength = Array.from(query.text).length;
  if (query.prefix && word.startsWith(query.text)) return { typos: 0, exact: false, length: queryLength };
  const typo = settings.typoTolerance;
  if (!typo.enabled || typo.disableOnAttributes.includes(attribute) || typo.disableOnWords.map(normalizeValue).includes(query.text)) return null;
  if (typo.disableOnNumbers && /^\p{N}+$/u.test(query.text)) return null;
  const allowed = queryLength >= typo.minWordSizeForTypos.twoTypos ? 2 : queryLength >= typo.minWordSizeForTypos.oneTypo ? 1 : 0;
  if (allowed === 0) return null;
  const candidate = query.prefix ? Array.from(word).slice(0, queryLength).join('') : word;
  const distance = levenshtein(query.text, candidate, allowed);
  return distance <= allowed ? { typos: distance, exact: false, length: query.prefix ? queryLength : Array.from(word).length } : null;
}

function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'number') return [String(value)];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (isObject(value)) return Object.values(value).flatMap(stringsOf);
  return [];
}

interface DocumentMatch {
  /** For each query word, its best match or null. */
  matches: ({ typos: number; exact: boolean; attributeRank: number } | null)[];
}

function matchDocument(document: Record<string, unknown>, context: SearchContext): DocumentMatch {
  const matches: DocumentMatch['matches'] = context.words.map(() => null);
  context.attributes.forEach((attribute, attributeRank) => {
    const words = stringsOf(valuesAt(document, attribute).values).flatMap((text) => wordsOf(text).map((w) => w.word));
    if (words.length === 0) return;
    const wordSet = new Set(words);
    context.words.forEach((query, i) => {
      let best: WordMatch | null = null;
      for (const word of words) {
        const match = matchWord(query, word, attribute, context.settings);
        if (match && (!best || match.typos < best.typos || (match.typos === best.typos && match.exact && !best.exact))) best = match;
      }
      if (!best && query.synonyms.some((alternative) => alternative.every((w) => wordSet.has(w)))) best = { typos: 0, exact: true, length: 0 };
      const current = matches[i];
      if (best && (!current || best.typos < current.typos || (best.typos === current.typos && attributeRank < current.attributeRank))) {
        matches[i] = { typos: best.typos, exact: best.exact, attributeRank };
      }
    });
  });
  return { matches };
}

function highlightText(text: string, context: SearchContext, attribute: string, pre: string, post: string): string {
  let out = '';
  let last = 0;
  for (const span of wordsOf(text)) {
    let length = 0;
    for (const query of context.words) {
      const match = matchWord(query, span.word, attribute, context.settings);
      if (match) length = Math.max(length, match.length);
      else if (query.synonyms.some((alternative) => alternative.includes(span.word))) length = Math.max(length, Array.from(span.word).length);
    }
    if (length === 0) continue;
    const original = text.slice(span.start, span.end);
    const chars = Array.from(original);
    // A prefix match marks only the typed part when normalization kept the length.
    const marked = chars.length === Array.from(span.word).length ? chars.slice(0, length).join('') : original;
    out += text.slice(last, span.start) + pre + marked + post + original.slice(marked.length);
    last = span.end;
  }
  return out + text.slice(last);
}

// ---------------------------------------------------------------- state

interface IndexState {
  uid: string;
  primaryKey: string | null;
  createdAt: string;
  updatedAt: string;
  settings: IndexSettings;
  documents: Map<string, Record<string, unknown>>;
}

export type TaskStatus = 'enqueued' | 'processing' | 'succeeded' | 'failed' | 'canceled';

export interface TaskView {
  uid: number;
  batchUid: number | null;
  indexUid: string | null;
  status: TaskStatus;
  type: string;
  canceledBy: number | null;
  details: Record<string, unknown>;
  error: MeiliErrorBody | null;
  duration: string | null;
  enqueuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

interface TaskEntry {
  view: TaskView;
  /** Applies the change; throws MeiliError to fail the task; may return details to merge. */
  apply: () => Record<string, unknown> | void;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
}

export interface MeilisearchDoubleOptions {
  /** The master key; null runs without authentication (as Meilisearch does without one). */
  masterKey?: string | null;
  /** Milliseconds a task waits in each of `enqueued` and `processing`. */
  taskDelayMs?: number;
}

export interface MeilisearchDouble {
  readonly url: string;
  readonly masterKey: string | null;
  /** Every request answered, oldest first. */
  readonly requests: RecordedRequest[];
  /** 'refuse' closes the port (connection refused); 'unavailable' answers 503 with an empty body. */
  setDown(down: boolean, mode?: 'refuse' | 'unavailable'): Promise<void>;
  setLatency(ms: number): void;
  /** The next task to be processed fails with this code (and a message in Meilisearch's words). */
  failNextTask(code?: string, message?: string): void;
  tasks(): TaskView[];
  indexUids(): string[];
  documents(uid: string): Record<string, unknown>[];
  settings(uid: string): IndexSettings | null;
  /** Resolves once no task is enqueued or processing. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const INDEX_UID = /^[a-zA-Z0-9_-]{1,400}$/;
const DOCUMENT_ID = /^[a-zA-Z0-9_-]{1,511}$/;

function checkIndexUid(uid: string) {
  if (!INDEX_UID.test(uid)) {
    throw new MeiliError(
      400,
      'invalid_index_uid',
      `\`${uid}\` is not a valid index uid. Index uid can be an integer or a string containing only alphanumeric characters, hyphens (-) and underscores (_), and can not be more than 512 bytes.`,
    );
  }
}

const indexNotFound = (uid: string) => new MeiliError(404, 'index_not_found', `Index \`${uid}\` not found.`);

const SEARCH_FIELDS = [
  'q',
  'vector',
  'offset',
  'limit',
  'page',
  'hitsPerPage',
  'attributesToRetrieve',
  'retrieveVectors',
  'attributesToCrop',
  'cropLength',
  'attributesToHighlight',
  'showMatchesPosition',
  'showRankingScore',
  'showRankingScoreDetails',
  'showPerformanceDetails',
  'filter',
  'sort',
  'distinct',
  'facets',
  'highlightPreTag',
  'highlightPostTag',
  'cropMarker',
  'matchingStrategy',
  'attributesToSearchOn',
  'hybrid',
  'rankingScoreThreshold',
  'locales',
  'media',
  'personalize',
];
const SEARCH_NOT_IMPLEMENTED = ['vector', 'retrieveVectors', 'attributesToCrop', 'cropLength', 'cropMarker', 'showMatchesPosition', 'showRankingScore', 'showRankingScoreDetails', 'showPerformanceDetails', 'distinct', 'hybrid', 'rankingScoreThreshold', 'media', 'personalize'];

function searchCode(field: string) {
  return `invalid_search_${field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;
}

/** Starts the double on 127.0.0.1 on a free port. */
export async function startMeilisearchDouble(options: MeilisearchDoubleOptions = {}): Promise<MeilisearchDouble> {
  const masterKey = options.masterKey === undefined ? 'double-master-key' : options.masterKey;
  const taskDelayMs = options.taskDelayMs ?? 3;
  const indexes = new Map<string, IndexState>();
  const tasks: TaskEntry[] = [];
  const requests: RecordedRequest[] = [];
  let latencyMs = 0;
  let down: false | 'refuse' | 'unavailable' = false;
  let failNext: { code: string; message?: string } | null = null;
  let nextTaskUid = 0;
  let nextBatchUid = 0;
  let working = false;
  let closed = false;
  let idleWaiters: (() => void)[] = [];

  const now = () => new Date().toISOString();
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  function enqueue(type: string, indexUid: string | null, details: Record<string, unknown>, apply: TaskEntry['apply']) {
    const view: TaskView = {
      uid: nextTaskUid++,
      batchUid: null,
      indexUid,
      status: 'enqueued',
      type,
      canceledBy: null,
      details,
      error: null,
      duration: null,
      enqueuedAt: now(),
      startedAt: null,
      finishedAt: null,
    };
    tasks.push({ view, apply });
    void work();
    return { taskUid: view.uid, indexUid, status: view.status, type, enqueuedAt: view.enqueuedAt };
  }

  // One task at a time, in order, as Meilisearch's scheduler; paused while the server is down.
  async function work() {
    if (working) return;
    working = true;
    try {
      for (;;) {
        const entry = tasks.find((t) => t.view.status === 'enqueued');
        if (!entry || closed) break;
        if (down) {
          await sleep(10);
          continue;
        }
        await sleep(taskDelayMs);
        const started = Date.now();
        entry.view.status = 'processing';
        entry.view.batchUid = nextBatchUid++;
        entry.view.startedAt = now();
        await sleep(taskDelayMs);
        try {
          if (failNext) {
            const { code, message } = failNext;
            failNext = null;
            throw new MeiliError(500, code, message ?? defaultTaskFailure(code), code === 'internal' ? 'internal' : 'invalid_request');
          }
          Object.assign(entry.view.details, entry.apply() ?? {});
          entry.view.status = 'succeeded';
        } catch (error) {
          if (!(error instanceof MeiliError)) throw error;
          entry.view.status = 'failed';
          entry.view.error = error.body();
          for (const key of ['indexedDocuments', 'deletedDocuments']) if (key in entry.view.details) entry.view.details[key] = 0;
        }
        entry.view.finishedAt = now();
        entry.view.duration = `PT${((Date.now() - started) / 1000).toFixed(3)}S`;
      }
    } finally {
      working = false;
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  function defaultTaskFailure(code: string): string {
    switch (code) {
      case 'internal':
        return 'An internal error has occurred. `Resource temporarily unavailable`.';
      case 'index_not_found':
        return 'Index `unknown` not found.';
      case 'no_space_left_on_device':
        return 'There was no space left on the device.';
      default:
        return `The task failed with \`${code}\`.`;
    }
  }

  function getIndex(uid: string): IndexState {
    checkIndexUid(uid);
    const index = indexes.get(uid);
    if (!index) throw indexNotFound(uid);
    return index;
  }

  function createIndexState(uid: string, primaryKey: string | null): IndexState {
    const at = now();
    const index: IndexState = { uid, primaryKey, createdAt: at, updatedAt: at, settings: defaultSettings(), documents: new Map() };
    indexes.set(uid, index);
    return index;
  }

  const indexView = (index: IndexState) => ({ uid: index.uid, createdAt: index.createdAt, updatedAt: index.updatedAt, primaryKey: index.primaryKey });

  function displayed(index: IndexState, document: Record<string, unknown>, fields?: string[]): Record<string, unknown> {
    const shown = index.settings.displayedAttributes;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(document)) {
      if (!shown.some((p) => matchesPattern(key, p))) continue;
      if (fields && !fields.some((p) => matchesPattern(key, p))) continue;
      out[key] = value;
    }
    return out;
  }

  // -------------------------------------------------------------- documents

  function addDocuments(uid: string, body: unknown, query: Record<string, string>, merge: boolean) {
    checkIndexUid(uid);
    for (const key of Object.keys(query)) {
      if (!['primaryKey', 'csvDelimiter', 'customMetadata', 'skipCreation'].includes(key)) {
        throw new MeiliError(400, 'bad_request', `Unknown parameter \`${key}\`: expected one of \`primaryKey\`, \`csvDelimiter\`, \`customMetadata\`, \`skipCreation\``);
      }
    }
    if (query.skipCreation !== undefined || query.customMetadata !== undefined) throw notImplemented('skipCreation and customMetadata');
    const documents = Array.isArray(body) ? body : [body];
    documents.forEach((document) => {
      if (!isObject(document)) {
        throw new MeiliError(400, 'malformed_payload', `The \`json\` payload provided is malformed. \`Couldn't serialize document value: invalid type: ${found(document)}, expected a map\`.`);
      }
    });
    const requestedKey = query.primaryKey;
    return enqueue('documentAdditionOrUpdate', uid, { receivedDocuments: documents.length, indexedDocuments: null }, () => {
      const existing = indexes.get(uid);
      if (existing?.primaryKey && requestedKey && existing.primaryKey !== requestedKey) {
        throw new MeiliError(400, 'index_primary_key_already_exists', `Index \`${uid}\`: Index already has a primary key: \`${existing.primaryKey}\`.`);
      }
      let primaryKey = existing?.primaryKey ?? requestedKey ?? null;
      if (!primaryKey) {
        const first = (documents[0] ?? {}) as Record<string, unknown>;
        const candidates = Object.keys(first).filter((k) => k.toLowerCase().endsWith('id'));
        if (candidates.length === 0) {
          throw new MeiliError(
            400,
            'index_primary_key_no_candidate_found',
            `The primary key inference failed as the engine did not find any field ending with \`id\` in its name. Please specify the primary key manually using the \`primaryKey\` query parameter.`,
          );
        }
        if (candidates.length > 1) {
          throw new MeiliError(
            400,
            'index_primary_key_multiple_candidates_found',
            `The primary key inference failed as the engine found ${candidates.length} fields ending with \`id\` in their names: '${candidates.slice(0, -1).join("', '")}' and '${candidates.at(-1)}'. Please specify the primary key manually using the \`primaryKey\` query parameter.`,
          );
        }
        primaryKey = candidates[0]!;
      }
      const keyed: [string, Record<string, unknown>][] = [];
      for (const document of documents as Record<string, unknown>[]) {
        const id = document[primaryKey];
        if (id === undefined) {
          throw new MeiliError(400, 'missing_document_id', `Document doesn't have a \`${primaryKey}\` attribute: \`${JSON.stringify(document)}\`.`);
        }
        const valid = (typeof id === 'number' && Number.isInteger(id) && id >= 0) || (typeof id === 'string' && DOCUMENT_ID.test(id));
        if (!valid) {
          throw new MeiliError(
            400,
            'invalid_document_id',
            `Document identifier \`${JSON.stringify(id)}\` is invalid. A document identifier can be of type integer or string, only composed of alphanumeric characters (a-z A-Z 0-9), hyphens (-) and underscores (_), and can not be more than 511 bytes.`,
          );
        }
        keyed.push([String(id), structuredClone(document)]);
      }
      const index = existing ?? createIndexState(uid, primaryKey);
      index.primaryKey = primaryKey;
      for (const [id, document] of keyed) {
        const previous = index.documents.get(id);
        index.documents.set(id, merge && previous ? { ...previous, ...document } : document);
      }
      index.updatedAt = now();
      return { indexedDocuments: keyed.length };
    });
  }

  function deleteDocuments(uid: string, ids: string[], providedIds: number) {
    checkIndexUid(uid);
    return enqueue('documentDeletion', uid, { providedIds, deletedDocuments: null }, () => {
      const index = indexes.get(uid);
      if (!index) throw indexNotFound(uid);
      let deleted = 0;
      for (const id of ids) if (index.documents.delete(id)) deleted += 1;
      index.updatedAt = now();
      return { deletedDocuments: deleted };
    });
  }

  function browseDocuments(uid: string, params: { offset?: unknown; limit?: unknown; fields?: unknown; filter?: unknown; ids?: unknown; sort?: unknown }) {
    const index = getIndex(uid);
    const offset = params.offset === undefined ? 0 : expectNaturalNumber(params.offset, '.offset', 'invalid_document_offset');
    const limit = params.limit === undefined ? 20 : expectNaturalNumber(params.limit, '.limit', 'invalid_document_limit');
    const fields = params.fields == null ? undefined : expectStringArray(params.fields, '.fields', 'invalid_document_fields');
    if (params.sort != null) throw notImplemented('sorting documents');
    const filter = compileFilter(params.filter, index, 'invalid_document_filter');
    let documents = [...index.documents.entries()];
    if (params.ids != null) {
      if (!Array.isArray(params.ids)) throw typeError('invalid_document_ids', '.ids', 'an array', params.ids);
      const wanted = new Set(params.ids.map(String));
      documents = documents.filter(([id]) => wanted.has(id));
    }
    const matching = documents.map(([, d]) => d).filter((d) => !filter || evaluateFilter(filter, d));
    return {
      results: matching.slice(offset, offset + limit).map((d) => displayed(index, d, fields)),
      offset,
      limit,
      total: matching.length,
    };
  }

  // -------------------------------------------------------------- search

  function search(uid: string, body: unknown) {
    const request = expectObject(body, '', 'bad_request', SEARCH_FIELDS);
    const value = <T>(field: string, check: (v: unknown, path: string, code: string) => T): T | undefined =>
      request[field] === undefined || request[field] === null ? undefined : check(request[field], `.${field}`, searchCode(field));
    const q = value('q', expectString) ?? '';
    const offset = value('offset', expectNaturalNumber);
    const limit = value('limit', expectNaturalNumber);
    const page = value('page', expectNaturalNumber);
    const hitsPerPage = value('hitsPerPage', expectNaturalNumber);
    const attributesToRetrieve = value('attributesToRetrieve', expectStringArray);
    const attributesToHighlight = value('attributesToHighlight', expectStringArray);
    const highlightPreTag = value('highlightPreTag', expectString) ?? '<em>';
    const highlightPostTag = value('highlightPostTag', expectString) ?? '</em>';
    const sort = value('sort', expectStringArray);
    const facets = value('facets', expectStringArray);
    const attributesToSearchOn = value('attributesToSearchOn', expectStringArray);
    const matchingStrategy = value('matchingStrategy', (v, p, c) => expectOneOf(v, p, c, ['last', 'all', 'frequency'])) ?? 'last';
    const locales = value('locales', (v, p, c) => expectStringArray(v, p, c).map((l, i) => expectOneOf(l, `${p}[${i}]`, c, MEILI_LOCALES)));
    if (request.filter !== undefined && request.filter !== null && typeof request.filter !== 'string' && !Array.isArray(request.filter)) {
      throw new MeiliError(400, 'invalid_search_filter', `Invalid syntax for the filter parameter: \`expected String, Array, found: ${JSON.stringify(request.filter)}\`.`);
    }
    for (const field of SEARCH_NOT_IMPLEMENTED) {
      if (request[field] !== undefined && request[field] !== null && request[field] !== false) throw notImplemented(`the search parameter \`${field}\``);
    }

    const index = getIndex(uid);
    const { settings } = index;
    const filter = compileFilter(request.filter, index, 'invalid_search_filter');

    const sortRules = (sort ?? []).map((expression) => {
      const match = /^(.+):(asc|desc)$/.exec(expression);
      if (!match) {
        throw new MeiliError(400, 'invalid_search_sort', `Invalid syntax for the sort parameter: expected expression ending by \`:asc\` or \`:desc\`, found \`${expression}\`.`);
      }
      const attribute = match[1]!;
      if (attribute.startsWith('_geo')) throw notImplemented('geo sorting');
      if (!settings.sortableAttributes.some((p) => matchesPattern(attribute, p))) {
        const available = settings.sortableAttributes.length
          ? `Available sortable attributes are: \`${[...settings.sortableAttributes].sort().join(', ')}\`.`
          : 'This index does not have configured sortable attributes.';
        throw new MeiliError(400, 'invalid_search_sort', `Index \`${uid}\`: Attribute \`${attribute}\` is not sortable. ${available}`);
      }
      return { attribute, descending: match[2] === 'desc' };
    });
    if (sortRules.length > 0 && !settings.rankingRules.includes('sort')) {
      throw new MeiliError(400, 'invalid_search_sort', `Index \`${uid}\`: You must specify where \`sort\` is listed in the rankingRules setting to use the sort parameter at search time.`);
    }

    if (facets) {
      const rules = filterableRules(settings);
      const missing = facets.filter((f) => f !== '*' && !rules.some((r) => r.patterns.some((p) => matchesPattern(f, p))));
      if (missing.length > 0) {
        const names = settings.filterableAttributes.flatMap((r) => (typeof r === 'string' ? [r] : (r.attributePatterns as string[]))).sort();
        const subject = missing.length === 1 ? `Attribute \`${missing[0]}\` is` : `Attributes \`${missing.join(', ')}\` are`;
        const detail = names.length ? `Available filterable attributes patterns are: \`${names.join(', ')}\`.` : 'This index does not have configured filterable attributes.';
        throw new MeiliError(400, 'invalid_search_facets', `Invalid facet distribution: ${subject} not filterable. ${detail}`);
      }
    }

    const allDocuments = [...index.documents.values()];
    const fieldsInOrder = [...new Set(allDocuments.flatMap((d) => Object.keys(d)))];
    let searchable = settings.searchableAttributes.includes('*') ? fieldsInOrder : settings.searchableAttributes;
    if (attributesToSearchOn && !attributesToSearchOn.includes('*')) {
      const unknown = attributesToSearchOn.find((a) => !searchable.includes(a));
      if (unknown !== undefined) {
        throw new MeiliError(
          400,
          'invalid_search_attributes_to_search_on',
          `Index \`${uid}\`: Attribute \`${unknown}\` is not searchable. Available searchable attributes are: \`${searchable.join(', ')}\`.`,
        );
      }
      searchable = searchable.filter((a) => attributesToSearchOn.includes(a));
    }
    if (locales && settings.localizedAttributes) {
      const wanted = new Set(locales.map(canonicalLocale));
      searchable = searchable.filter((attribute) => {
        const rule = settings.localizedAttributes!.find((r) => r.attributePatterns.some((p) => matchesPattern(attribute, p)));
        return !rule || rule.locales.some((l) => wanted.has(canonicalLocale(l)));
      });
    }

    const synonyms = new Map<string, string[][]>();
    for (const [word, list] of Object.entries(settings.synonyms)) {
      synonyms.set(normalizeValue(word), list.map((s) => wordsOf(s).map((w) => w.word)));
    }
    const queryWords = wordsOf(q);
    const endsWithSeparator = q.length > 0 && !/[\p{L}\p{N}]$/u.test(q);
    const words: QueryWord[] = queryWords.map((w, i) => ({
      text: w.word,
      synonyms: synonyms.get(w.word) ?? [],
      prefix: i === queryWords.length - 1 && !endsWithSeparator && settings.prefixSearch !== 'disabled',
    }));
    const context: SearchContext = { settings, words, attributes: searchable };

    type Candidate = { document: Record<string, unknown>; position: number; bucket: number; typos: number; attributeRank: number; exact: number };
    const candidates: Candidate[] = [];
    const filtered = allDocuments.filter((d) => !filter || evaluateFilter(filter, d));
    const matched = filtered.map((document) => ({ document, match: words.length ? matchDocument(document, context) : null }));
    // For `frequency`, the words that occur in the most documents are given up first.
    const dropOrder =
      matchingStrategy === 'frequency'
        ? words.map((_, i) => i).sort((a, b) => matched.filter((m) => m.match?.matches[b]).length - matched.filter((m) => m.match?.matches[a]).length)
        : words.map((_, i) => words.length - 1 - i);
    matched.forEach(({ document, match }, position) => {
      if (!match) {
        candidates.push({ document, position, bucket: 0, typos: 0, attributeRank: 0, exact: 0 });
        return;
      }
      let bucket = words.length;
      const required = new Set(words.map((_, i) => i));
      for (const drop of [-1, ...dropOrder]) {
        if (drop >= 0) required.delete(drop);
        bucket = required.size;
        if ([...required].every((i) => match.matches[i])) break;
      }
      if (bucket === 0 || (matchingStrategy === 'all' && bucket < words.length)) return;
      const used = match.matches.filter((m): m is NonNullable<typeof m> => m !== null);
      candidates.push({
        document,
        position,
        bucket,
        typos: used.reduce((sum, m) => sum + m.typos, 0),
        attributeRank: Math.min(...used.map((m) => m.attributeRank)),
        exact: used.filter((m) => m.exact).length,
      });
    });

    const sortValue = (document: Record<string, unknown>, attribute: string, descending: boolean) => {
      const values = valuesAt(document, attribute).values.filter((v) => typeof v === 'number' || typeof v === 'string') as (number | string)[];
      if (values.length === 0) return undefined;
      const numbers = values.filter((v): v is number => typeof v === 'number');
      if (numbers.length) return descending ? Math.max(...numbers) : Math.min(...numbers);
      const strings = (values as string[]).map(normalizeValue).sort();
      return descending ? strings.at(-1) : strings[0];
    };
    // Numbers before strings; documents without a value come last whatever the direction.
    const compareSort = (a: Candidate, b: Candidate, attribute: string, descending: boolean) => {
      const x = sortValue(a.document, attribute, descending);
      const y = sortValue(b.document, attribute, descending);
      if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? 1 : -1;
      if (typeof x !== typeof y) return typeof x === 'number' ? -1 : 1;
      const order = x < y ? -1 : x > y ? 1 : 0;
      return descending ? -order : order;
    };
    candidates.sort((a, b) => {
      for (const rule of settings.rankingRules) {
        let order = 0;
        if (rule === 'words') order = b.bucket - a.bucket;
        else if (rule === 'typo') order = a.typos - b.typos;
        else if (rule === 'attribute' || rule === 'attributeRank') order = a.attributeRank - b.attributeRank;
        else if (rule === 'exactness') order = b.exact - a.exact;
        else if (rule === 'sort') {
          for (const { attribute, descending } of sortRules) {
            order = compareSort(a, b, attribute, descending);
            if (order !== 0) break;
          }
        } else {
          const custom = /^(.+):(asc|desc)$/.exec(rule);
          if (custom) order = compareSort(a, b, custom[1]!, custom[2] === 'desc');
        }
        if (order !== 0) return order;
      }
      return a.position - b.position;
    });

    const maxTotalHits = settings.pagination.maxTotalHits;
    const total = Math.min(candidates.length, maxTotalHits);
    const pageMode = page !== undefined || hitsPerPage !== undefined;
    let slice: Candidate[];
    const response: Record<string, unknown> = {};
    if (pageMode) {
      const currentPage = page ?? 1;
      const perPage = hitsPerPage ?? 20;
      slice = currentPage === 0 ? [] : candidates.slice(0, total).slice((currentPage - 1) * perPage, currentPage * perPage);
      Object.assign(response, { hitsPerPage: perPage, page: currentPage, totalPages: perPage === 0 ? 0 : Math.ceil(total / perPage), totalHits: total });
    } else {
      const from = offset ?? 0;
      const count = limit ?? 20;
      slice = candidates.slice(0, total).slice(from, from + count);
      Object.assign(response, { limit: count, offset: from, estimatedTotalHits: total });
    }

    const highlight = attributesToHighlight ?? [];
    const hits = slice.map(({ document }) => {
      const hit = displayed(index, document, attributesToRetrieve?.includes('*') ? undefined : attributesToRetrieve);
      if (highlight.length > 0) {
        const formatted: Record<string, unknown> = {};
        const source = displayed(index, document);
        const fields = new Set([...Object.keys(hit), ...Object.keys(source).filter((k) => highlight.some((p) => matchesPattern(k, p)))]);
        for (const key of fields) {
          const raw = source[key];
          const toFormat = highlight.some((p) => matchesPattern(key, p));
          const format = (v: unknown): unknown => {
            if (typeof v === 'string') return toFormat ? highlightText(v, context, key, highlightPreTag, highlightPostTag) : v;
            // Meilisearch formats numbers as strings in `_formatted`.
            if (typeof v === 'number') return String(v);
            if (Array.isArray(v)) return v.map(format);
            return v;
          };
          formatted[key] = format(raw);
        }
        hit._formatted = formatted;
      }
      return hit;
    });

    const result: Record<string, unknown> = { hits, query: q, processingTimeMs: 0, ...response };
    if (facets) {
      const names = facets.includes('*') ? fieldsInOrder.filter((f) => filterableRules(settings).some((r) => r.patterns.some((p) => matchesPattern(f, p)))) : facets;
      const distribution: Record<string, Record<string, number>> = {};
      const stats: Record<string, { min: number; max: number }> = {};
      for (const facet of names) {
        const counts = new Map<string, { label: string; count: number }>();
        const numbers: number[] = [];
        for (const { document } of candidates) {
          const seen = new Set<string>();
          for (const v of valuesAt(document, facet).values) {
            if (typeof v === 'number') numbers.push(v);
            if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') continue;
            const label = String(v);
            const key = normalizeValue(label);
            if (seen.has(key)) continue;
            seen.add(key);
            const entry = counts.get(key) ?? { label, count: 0 };
            entry.count += 1;
            counts.set(key, entry);
          }
        }
        const order = settings.faceting.sortFacetValuesBy[facet] ?? settings.faceting.sortFacetValuesBy['*'] ?? 'alpha';
        const entries = [...counts.entries()].sort(([ka, a], [kb, b]) => (order === 'count' ? b.count - a.count : 0) || (ka < kb ? -1 : ka > kb ? 1 : 0));
        distribution[facet] = Object.fromEntries(entries.slice(0, settings.faceting.maxValuesPerFacet).map(([, e]) => [e.label, e.count]));
        if (numbers.length > 0) stats[facet] = { min: Math.min(...numbers), max: Math.max(...numbers) };
      }
      result.facetDistribution = distribution;
      result.facetStats = stats;
    }
    return result;
  }

  // -------------------------------------------------------------- routing

  function route(method: string, parts: string[], query: Record<string, string>, body: unknown): { status: number; body?: unknown } {
    const accepted = (task: unknown) => ({ status: 202, body: task });
    const [root, uid, sub, subsub] = parts;
    if (root === 'health' && parts.length === 1) {
      if (method !== 'GET') return { status: 405 };
      return { status: 200, body: { status: 'available' } };
    }
    if (root === 'swap-indexes' && parts.length === 1) {
      if (method !== 'POST') return { status: 405 };
      return accepted(swapIndexes(body));
    }
    if (root === 'tasks') {
      if (parts.length === 1 && method === 'GET') return { status: 200, body: listTasks(query) };
      if (parts.length === 2 && method === 'GET') {
        if (!/^\d+$/.test(uid!)) throw new MeiliError(400, 'invalid_task_uids', `Invalid value in parameter \`taskUid\`: could not parse \`${uid}\` as a positive integer`);
        const task = tasks.find((t) => t.view.uid === Number(uid));
        if (!task) throw new MeiliError(404, 'task_not_found', `Task \`${uid}\` not found.`);
        return { status: 200, body: task.view };
      }
      throw notImplemented(`${method} /${parts.join('/')}`);
    }
    if (root !== 'indexes') throw notImplemented(`${method} /${parts.join('/')}`);

    if (parts.length === 1) {
      if (method === 'GET') {
        const offset = query.offset === undefined ? 0 : Number(query.offset);
        const limit = query.limit === undefined ? 20 : Number(query.limit);
        const all = [...indexes.values()].sort((a, b) => (a.uid < b.uid ? -1 : 1));
        return { status: 200, body: { results: all.slice(offset, offset + limit).map(indexView), offset, limit, total: all.length } };
      }
      if (method === 'POST') {
        const request = expectObject(body, '', 'bad_request', ['uid', 'primaryKey']);
        if (request.uid === undefined) throw new MeiliError(400, 'missing_index_uid', 'Missing field `uid`');
        const newUid = expectString(request.uid, '.uid', 'invalid_index_uid');
        checkIndexUid(newUid);
        const primaryKey = request.primaryKey == null ? null : expectString(request.primaryKey, '.primaryKey', 'invalid_index_primary_key');
        return accepted(
          enqueue('indexCreation', newUid, { primaryKey }, () => {
            if (indexes.has(newUid)) throw new MeiliError(409, 'index_already_exists', `Index \`${newUid}\` already exists.`);
            createIndexState(newUid, primaryKey);
          }),
        );
      }
      return { status: 405 };
    }

    checkIndexUid(uid!);
    if (parts.length === 2) {
      if (method === 'GET') return { status: 200, body: indexView(getIndex(uid!)) };
      if (method === 'DELETE') {
        return accepted(
          enqueue('indexDeletion', uid!, { deletedDocuments: null }, () => {
            const index = indexes.get(uid!);
            if (!index) throw indexNotFound(uid!);
            indexes.delete(uid!);
            return { deletedDocuments: index.documents.size };
          }),
        );
      }
      if (method === 'PATCH') throw notImplemented('index updates');
      return { status: 405 };
    }

    if (sub === 'settings' && parts.length === 3) {
      if (method === 'GET') return { status: 200, body: structuredClone(getIndex(uid!).settings) };
      if (method === 'PATCH') {
        const patch = validateSettings(body);
        return accepted(
          // PATCH creates a missing index [T:settings/get_settings.rs].
          enqueue('settingsUpdate', uid!, structuredClone(patch), () => {
            const index = indexes.get(uid!) ?? createIndexState(uid!, null);
            index.settings = applySettings(index.settings, patch);
            index.updatedAt = now();
          }),
        );
      }
      if (method === 'DELETE') {
        return accepted(
          enqueue('settingsUpdate', uid!, {}, () => {
            const index = indexes.get(uid!);
            if (!index) throw indexNotFound(uid!);
            index.settings = defaultSettings();
          }),
        );
      }
      return { status: 405 };
    }

    if (sub === 'search' && parts.length === 3) {
      if (method === 'POST') return { status: 200, body: search(uid!, body) };
      if (method === 'GET') throw notImplemented('GET search');
      return { status: 405 };
    }

    if (sub === 'documents') {
      if (parts.length === 3) {
        if (method === 'POST' || method === 'PUT') return accepted(addDocuments(uid!, body, query, method === 'PUT'));
        if (method === 'GET') {
          const allowed = ['offset', 'limit', 'fields', 'filter', 'ids', 'retrieveVectors', 'sort'];
          for (const key of Object.keys(query)) {
            if (!allowed.includes(key)) throw new MeiliError(400, 'bad_request', `Unknown parameter \`${key}\`: expected one of ${allowed.map((a) => `\`${a}\``).join(', ')}`);
          }
          const natural = (key: string, code: string) => {
            const raw = query[key];
            if (raw === undefined) return undefined;
            if (!/^\d+$/.test(raw)) throw new MeiliError(400, code, `Invalid value in parameter \`${key}\`: could not parse \`${raw}\` as a positive integer`);
            return Number(raw);
          };
          return {
            status: 200,
            body: browseDocuments(uid!, {
              offset: natural('offset', 'invalid_document_offset'),
              limit: natural('limit', 'invalid_document_limit'),
              fields: query.fields === undefined ? undefined : query.fields.split(','),
              filter: query.filter,
              ids: query.ids === undefined ? undefined : query.ids.split(','),
              sort: query.sort,
            }),
          };
        }
        if (method === 'DELETE') {
          return accepted(
            enqueue('documentDeletion', uid!, { providedIds: 0, deletedDocuments: null }, () => {
              const index = indexes.get(uid!);
              if (!index) throw indexNotFound(uid!);
              const deleted = index.documents.size;
              index.documents.clear();
              return { deletedDocuments: deleted };
            }),
          );
        }
        return { status: 405 };
      }
      if (parts.length === 4 && subsub === 'delete-batch') {
        if (method !== 'POST') return { status: 405 };
        if (!Array.isArray(body) || body.some((id) => typeof id !== 'string' && typeof id !== 'number')) {
          throw new MeiliError(400, 'bad_request', `Invalid value type: expected an array of document ids, but found ${found(body)}`);
        }
        return accepted(deleteDocuments(uid!, body.map(String), body.length));
      }
      if (parts.length === 4 && subsub === 'delete') {
        if (method !== 'POST') return { status: 405 };
        const request = expectObject(body, '', 'bad_request', ['filter']);
        if (request.filter === undefined) throw new MeiliError(400, 'missing_document_filter', 'Missing field `filter`');
        const filter = request.filter;
        if ((typeof filter === 'string' && filter.trim() === '') || (Array.isArray(filter) && filter.length === 0)) {
          throw new MeiliError(400, 'bad_request', 'Sending an empty filter is forbidden.');
        }
        if (typeof filter !== 'string' && !Array.isArray(filter)) {
          throw new MeiliError(400, 'invalid_document_filter', `Invalid syntax for the filter parameter: \`expected String, Array, found: ${JSON.stringify(filter)}\`.`);
        }
        // Syntax is checked now; whether the attributes are filterable, when the task runs.
        compileFilter(filter, { uid: uid!, settings: { ...defaultSettings(), filterableAttributes: ['*'] } } as IndexState, 'invalid_document_filter');
        return accepted(
          enqueue('documentDeletion', uid!, { providedIds: 0, deletedDocuments: null, originalFilter: JSON.stringify(filter) }, () => {
            const index = indexes.get(uid!);
            if (!index) throw indexNotFound(uid!);
            const tree = compileFilter(filter, index, 'invalid_document_filter');
            let deleted = 0;
            for (const [id, document] of index.documents) {
              if (!tree || evaluateFilter(tree, document)) {
                index.documents.delete(id);
                deleted += 1;
              }
            }
            return { deletedDocuments: deleted };
          }),
        );
      }
      if (parts.length === 4 && subsub === 'fetch') {
        if (method !== 'POST') return { status: 405 };
        const request = expectObject(body, '', 'bad_request', ['offset', 'limit', 'fields', 'filter', 'ids', 'retrieveVectors', 'sort']);
        if (request.retrieveVectors) throw notImplemented('retrieveVectors');
        return { status: 200, body: browseDocuments(uid!, request) };
      }
      if (parts.length === 4) {
        const id = decodeURIComponent(subsub!);
        if (method === 'GET') {
          const index = getIndex(uid!);
          const document = index.documents.get(id);
          if (!document) throw new MeiliError(404, 'document_not_found', `Document \`${id}\` not found.`);
          return { status: 200, body: displayed(index, document, query.fields?.split(',')) };
        }
        if (method === 'DELETE') return accepted(deleteDocuments(uid!, [id], 1));
        return { status: 405 };
      }
    }
    throw notImplemented(`${method} /${parts.join('/')}`);
  }

  function swapIndexes(body: unknown) {
    if (!Array.isArray(body)) throw new MeiliError(400, 'bad_request', `Invalid value type: expected an array, but found ${found(body)}`);
    const swaps = body.map((item, i) => {
      const swap = expectObject(item, `[${i}]`, 'invalid_swap_indexes', ['indexes', 'rename']);
      if (swap.indexes === undefined) throw new MeiliError(400, 'missing_swap_indexes', `Missing field \`indexes\` inside \`[${i}]\``);
      const pair = expectStringArray(swap.indexes, `[${i}].indexes`, 'invalid_swap_indexes');
      if (pair.length !== 2) {
        throw new MeiliError(
          400,
          'invalid_swap_indexes',
          `Invalid value at \`[${i}].indexes\`: two indexes must be given for each swap. The list \`[${pair.map((p) => JSON.stringify(p)).join(', ')}]\` contains ${pair.length} indexes.`,
        );
      }
      pair.forEach(checkIndexUid);
      const rename = swap.rename === undefined ? false : expectBoolean(swap.rename, `[${i}].rename`, 'invalid_swap_rename');
      return { indexes: pair as [string, string], rename };
    });
    const seen = new Set<string>();
    for (const swap of swaps) {
      for (const uid of swap.indexes) {
        if (seen.has(uid)) {
          throw new MeiliError(400, 'invalid_swap_duplicate_index_found', `Indexes must be declared only once during a swap. \`${uid}\` was specified several times.`);
        }
        seen.add(uid);
      }
    }
    return enqueue('indexSwap', null, { swaps }, () => {
      const missing = swaps.flatMap((s) => (s.rename ? [s.indexes[0]] : s.indexes)).filter((uid) => !indexes.has(uid));
      if (missing.length > 0) {
        throw new MeiliError(
          404,
          'index_not_found',
          missing.length === 1 ? `Index \`${missing[0]}\` not found.` : `Indexes ${missing.map((m) => `\`${m}\``).join(', ')} not found.`,
        );
      }
      for (const { indexes: [a, b], rename } of swaps) {
        const first = indexes.get(a)!;
        if (rename) {
          if (indexes.has(b)) throw new MeiliError(409, 'index_already_exists', `Index \`${b}\` already exists.`);
          indexes.delete(a);
          indexes.set(b, { ...first, uid: b });
          continue;
        }
        const second = indexes.get(b)!;
        // Both indexes change at once, and the task history follows the names (as documented).
        indexes.set(a, { ...second, uid: a });
        indexes.set(b, { ...first, uid: b });
        for (const { view } of tasks) {
          if (view.status === 'succeeded' || view.status === 'failed') {
            if (view.indexUid === a) view.indexUid = b;
            else if (view.indexUid === b) view.indexUid = a;
          }
        }
      }
    });
  }

  function listTasks(query: Record<string, string>) {
    const list = (key: string) => query[key]?.split(',').filter(Boolean);
    const uids = list('uids')?.map(Number);
    const statuses = list('statuses');
    const types = list('types');
    const indexUids = list('indexUids');
    const limit = query.limit === undefined ? 20 : Number(query.limit);
    const from = query.from === undefined ? undefined : Number(query.from);
    const matching = tasks
      .map((t) => t.view)
      .filter((t) => (!uids || uids.includes(t.uid)) && (!statuses || statuses.includes(t.status)) && (!types || types.includes(t.type)))
      .filter((t) => !indexUids || (t.indexUid !== null && indexUids.includes(t.indexUid)))
      .filter((t) => from === undefined || t.uid <= from)
      .sort((a, b) => b.uid - a.uid);
    const page = matching.slice(0, limit);
    return { results: page, total: matching.length, limit, from: page[0]?.uid ?? null, next: matching[limit]?.uid ?? null };
  }

  // -------------------------------------------------------------- HTTP

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        if (latencyMs > 0) await sleep(latencyMs);
        const url = new URL(req.url ?? '/', 'http://double');
        const method = req.method ?? 'GET';
        const query = Object.fromEntries(url.searchParams);
        const raw = Buffer.concat(chunks).toString('utf8');
        let status = 500;
        let payload: unknown;
        let parsedBody: unknown;
        try {
          if (down === 'unavailable') {
            status = 503;
          } else {
            const parts = url.pathname.split('/').filter(Boolean);
            const isHealth = parts.length === 1 && parts[0] === 'health';
            if (masterKey !== null && !isHealth) {
              const header = req.headers.authorization;
              if (!header) {
                throw new MeiliError(401, 'missing_authorization_header', 'The Authorization header is missing. It must use the bearer authorization method.', 'auth');
              }
              if (header !== `Bearer ${masterKey}`) throw new MeiliError(403, 'invalid_api_key', 'The provided API key is invalid.', 'auth');
            }
            if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
              const contentType = req.headers['content-type'];
              const isDocuments = parts[2] === 'documents' && parts.length === 3;
              const accepted = isDocuments ? '`application/json`, `application/x-ndjson`, `text/csv`' : '`application/json`';
              if (!contentType) {
                throw new MeiliError(415, 'missing_content_type', `A Content-Type header is missing. Accepted values for the Content-Type header are: ${accepted}`);
              }
              const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
              if (mediaType !== 'application/json') {
                if (isDocuments && (mediaType === 'application/x-ndjson' || mediaType === 'text/csv')) throw notImplemented(`${mediaType} documents`);
                throw new MeiliError(415, 'invalid_content_type', `The Content-Type \`${contentType}\` is invalid. Accepted values for the Content-Type header are: ${accepted}`);
              }
              if (raw.trim() === '') throw new MeiliError(400, 'missing_payload', 'A json payload is missing.');
              try {
                parsedBody = JSON.parse(raw);
              } catch (error) {
                throw new MeiliError(400, 'malformed_payload', `The json payload provided is malformed. \`${(error as Error).message}\`.`);
              }
            }
            const answer = route(method, parts, query, parsedBody);
            status = answer.status;
            payload = answer.body;
          }
        } catch (error) {
          if (error instanceof MeiliError) {
            status = error.status;
            payload = error.body();
          } else {
            status = 500;
            payload = errorBody('internal', `The Meilisearch double failed: ${(error as Error).message}`, 'internal');
          }
        }
        requests.push({ method, path: url.pathname, query, body: parsedBody ?? (raw || undefined), status });
        if (res.destroyed) return;
        if (payload === undefined) {
          res.writeHead(status).end();
        } else {
          res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(payload));
        }
      })();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    masterKey,
    requests,
    async setDown(value, mode = 'refuse') {
      if (!value) {
        if (down === 'refuse') await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
        down = false;
        void work();
        return;
      }
      if (mode === 'refuse' && down !== 'refuse') {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
      }
      if (mode === 'unavailable' && down === 'refuse') await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      down = mode;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    failNextTask(code = 'internal', message) {
      failNext = { code, message };
    },
    tasks: () => tasks.map((t) => structuredClone(t.view)),
    indexUids: () => [...indexes.keys()].sort(),
    documents: (uid) => [...(indexes.get(uid)?.documents.values() ?? [])].map((d) => structuredClone(d)),
    settings: (uid) => (indexes.has(uid) ? structuredClone(indexes.get(uid)!.settings) : null),
    idle() {
      if (!working && !tasks.some((t) => t.view.status === 'enqueued' || t.view.status === 'processing')) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    async close() {
      closed = true;
      down = 'refuse';
      if (server.listening) {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
      }
    },
  };
}
