/**
 * Search tokens for Chinese product names, shared by indexing and querying.
 *
 * ICU word segmentation does not know place or product names (it splits 秭归 into 秭 / 归), and
 * trigrams give nothing for 2-character queries, so a document is indexed as overlapping CJK
 * bigrams plus single characters, and as pinyin: the full pinyin and the initials of the run
 * starting at each character of a name (so `qicheng`, `ziguiqicheng`, `zgqc` and `hubei` find
 * their names as prefixes). A query is an AND of its terms; a Chinese term is the AND of its
 * bigrams; a latin term is a prefix.
 *
 * Pure functions: no database, no I/O. Values become `tsvector` / `tsquery` literals that are
 * passed as bound parameters and cast, never spliced into SQL text.
 */
import { pinyin } from 'pinyin-pro';

export interface DocumentFields {
  /** Class A. */
  title: string;
  titleEn?: string | null;
  /** Class B. */
  giName?: string | null;
  /** Class C: the origin's province, city and county names. */
  regionNames?: readonly string[];
  cooperativeName?: string | null;
  /** Class D. */
  categoryName?: string | null;
  description?: string | null;
}

/** Longest run (in characters) whose pinyin is indexed as one token starting at each character. */
const PINYIN_SPAN = 6;
/** Latin words longer than this are not names anyone types; skipping them bounds lexeme size. */
const MAX_LATIN_WORD = 40;
/** A query is cut to this many terms so a pasted paragraph cannot make a huge tsquery. */
const MAX_QUERY_TERMS = 8;
const MAX_QUERY_LENGTH = 100;

const HAN = /\p{Script=Han}/u;
const RUNS = /(\p{Script=Han}+)|((?:(?!\p{Script=Han})[\p{L}\p{N}])+)/gu;

type Run = { kind: 'cjk'; text: string; chars: string[]; start: number } | { kind: 'latin'; text: string; start: number };

/** Full-width letters and digits become ASCII; latin is lower-cased; ü is typed as v. */
export function normalizeSearchText(text: string): string {
  // ASCII and the main CJK block are already in NFKC form: most text skips the costly step.
  const folded = PLAIN_TEXT.test(text) ? text : text.normalize('NFKC');
  return folded.toLowerCase().replace(/ü/g, 'v');
}

const PLAIN_TEXT = /^[ -~\u4e00-\u9fff]*$/;

/**
 * Splits text into CJK runs and latin/digit runs; `start` counts code points in the text as
 * given (callers that need positions in the original pass text normalized character by character).
 */
function splitRuns(text: string, normalize = true): Run[] {
  const runs: Run[] = [];
  const source = normalize ? normalizeSearchText(text) : text;
  let index = 0;
  let codePoints = 0;
  for (const match of source.matchAll(RUNS)) {
    codePoints += countCodePoints(source, index, match.index);
    index = match.index;
    if (match[1]) runs.push({ kind: 'cjk', text: match[1], chars: Array.from(match[1]), start: codePoints });
    else if (match[2]) runs.push({ kind: 'latin', text: match[2], start: codePoints });
  }
  return runs;
}

function countCodePoints(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0xdc00 || code > 0xdfff) n += 1;
  }
  return n;
}

const syllableCache = new Map<string, string[]>();
const SYLLABLE_CACHE_LIMIT = 20_000;

/** Toneless pinyin per character; polyphonic characters are read in the context of their run. */
export function syllablesOf(run: string): string[] {
  const cached = syllableCache.get(run);
  if (cached) return cached;
  const chars = Array.from(run);
  const raw = pinyin(run, { toneType: 'none', type: 'array', v: true }) as string[];
  // pinyin-pro returns one entry per character; a character it cannot read stays itself.
  const syllables = raw.length === chars.length ? raw.map((s) => (/^[a-z]+$/.test(s) ? s : '')) : chars.map(() => '');
  if (syllableCache.size >= SYLLABLE_CACHE_LIMIT) syllableCache.clear();
  syllableCache.set(run, syllables);
  return syllables;
}

/** `秭归脐橙` → `{ full: 'ziguiqicheng', initials: 'zgqc' }`; non-Chinese parts are kept as typed. */
export function pinyinOf(text: string): { full: string; initials: string } {
  let full = '';
  let initials = '';
  for (const run of splitRuns(text)) {
    if (run.kind === 'latin') {
      full += run.text;
      initials += run.text;
      continue;
    }
    const syllables = syllablesOf(run.text);
    full += syllables.join('');
    initials += syllables.map((s) => s.charAt(0)).join('');
  }
  return { full, initials };
}

/**
 * A lexeme belongs to the most important field it occurs in: A title, B GI name, C region and
 * cooperative names, D category and description. Each class has its own namespace in the
 * tsvector (a marker character before the lexeme), so the GIN index itself can answer "in the
 * title" as well as "anywhere" — ranking by field needs no per-row ts_rank over every match.
 */
export const FIELD_CLASSES = ['A', 'B', 'C', 'D'] as const;
export type FieldClass = (typeof FIELD_CLASSES)[number];
const MARKERS: Record<FieldClass, string> = { A: '', B: '~', C: '^', D: '#' };

interface FieldOptions {
  /** Full pinyin and initials of the run starting at every character (up to PINYIN_SPAN). */
  pinyinEverywhere: boolean;
  /** Full pinyin and initials of each whole run only (place names: `hubeisheng`, `hbs`). */
  pinyinOfRuns: boolean;
  /** Single characters of runs longer than one (a single-character run is always kept). */
  unigrams: boolean;
  /** Characters of the field that are indexed; long prose is cut. */
  maxLength?: number;
}

class LexemeCollector {
  readonly classes = new Map<string, FieldClass>();

  /** Fields are added from A to D, so the first class a lexeme gets is its best. */
  add(lexeme: string, fieldClass: FieldClass) {
    if (lexeme && !this.classes.has(lexeme)) this.classes.set(lexeme, fieldClass);
  }
}

function addText(collector: LexemeCollector, text: string | null | undefined, fieldClass: FieldClass, options: FieldOptions) {
  if (!text) return;
  const source = options.maxLength ? Array.from(text).slice(0, options.maxLength).join('') : text;
  for (const run of splitRuns(source)) {
    if (run.kind === 'latin') {
      if (run.text.length <= MAX_LATIN_WORD) collector.add(run.text, fieldClass);
      continue;
    }
    const { chars } = run;
    for (let i = 0; i < chars.length; i += 1) {
      if (options.unigrams || chars.length === 1) collector.add(chars[i]!, fieldClass);
      if (i + 1 < chars.length) collector.add(chars[i]! + chars[i + 1]!, fieldClass);
    }
    if (!options.pinyinEverywhere && !options.pinyinOfRuns) continue;
    const syllables = syllablesOf(run.text);
    const starts = options.pinyinEverywhere ? chars.length : 1;
    for (let i = 0; i < starts; i += 1) {
      const span = options.pinyinEverywhere ? syllables.slice(i, i + PINYIN_SPAN) : syllables;
      if (span.length === 0 || span.some((s) => !s)) continue;
      collector.add(span.join(''), fieldClass);
      // A single initial would match nearly everything; two letters are the shortest useful initials.
      if (span.length >= 2) collector.add(span.map((s) => s.charAt(0)).join(''), fieldClass);
    }
  }
}

const NAME: FieldOptions = { pinyinEverywhere: true, pinyinOfRuns: false, unigrams: true };
const PLACE: FieldOptions = { pinyinEverywhere: false, pinyinOfRuns: true, unigrams: false };
const CATEGORY: FieldOptions = { pinyinEverywhere: false, pinyinOfRuns: true, unigrams: true };
const LONG_NAME: FieldOptions = { pinyinEverywhere: false, pinyinOfRuns: false, unigrams: false };
/** The opening of a description says what and where; the rest would double the index for little. */
const PROSE: FieldOptions = { pinyinEverywhere: false, pinyinOfRuns: false, unigrams: false, maxLength: 120 };

/**
 * The lexemes of one product with the best field class each occurs in. Titles and GI names get
 * single characters, bigrams and pinyin from every character; place names bigrams and the pinyin
 * of the whole name (`hubei` finds 湖北省); cooperative names and descriptions bigrams only.
 */
export function documentTokens(fields: DocumentFields): Map<string, FieldClass> {
  const collector = new LexemeCollector();
  addText(collector, fields.title, 'A', NAME);
  addText(collector, fields.titleEn, 'A', PROSE);
  addText(collector, fields.giName, 'B', NAME);
  for (const name of fields.regionNames ?? []) addText(collector, name, 'C', PLACE);
  addText(collector, fields.cooperativeName, 'C', LONG_NAME);
  addText(collector, fields.categoryName, 'D', CATEGORY);
  addText(collector, fields.description, 'D', PROSE);
  return collector.classes;
}

/** Quotes a lexeme for tsvector/tsquery input syntax (the literal is still sent as a parameter). */
function quoteLexeme(lexeme: string): string {
  return `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** `'脐橙' '~秭归' '^hubeisheng' …`, to be cast with `::tsvector` (no positions: nothing ranks by them). */
export function toTsvectorLiteral(lexemes: ReadonlyMap<string, FieldClass>): string {
  return Array.from(lexemes, ([lexeme, fieldClass]) => quoteLexeme(MARKERS[fieldClass] + lexeme)).join(' ');
}

export type QueryTerm =
  /** Every lexeme must occur: the bigrams of a Chinese word, or its single character. */
  | { kind: 'cjk'; text: string; lexemes: string[] }
  /** Latin letters or digits: pinyin, initials or a word, matched as a prefix. */
  | { kind: 'latin'; text: string };

/** The terms of what the buyer typed, in order: `湖北 茶` → [湖北, 茶]; `zgqc` → [zgqc]. */
export function queryTokens(q: string): QueryTerm[] {
  const terms: QueryTerm[] = [];
  for (const run of splitRuns(q.slice(0, MAX_QUERY_LENGTH))) {
    if (terms.length >= MAX_QUERY_TERMS) break;
    if (run.kind === 'latin') {
      if (run.text.length <= MAX_LATIN_WORD) terms.push({ kind: 'latin', text: run.text });
      continue;
    }
    const { chars } = run;
    const lexemes = chars.length === 1 ? [chars[0]!] : chars.slice(1).map((c, i) => chars[i]! + c);
    terms.push({ kind: 'cjk', text: run.text, lexemes: [...new Set(lexemes)] });
  }
  return terms;
}

/** One lexeme in any of the classes up to `upTo`: `('脐橙' | '~脐橙')`. */
function lexemeQuery(lexeme: string, upTo: FieldClass, prefix: boolean): string {
  const classes = FIELD_CLASSES.slice(0, FIELD_CLASSES.indexOf(upTo) + 1);
  const alternatives = classes.map((c) => `${quoteLexeme(MARKERS[c] + lexeme)}${prefix ? ':*' : ''}`);
  return alternatives.length === 1 ? alternatives[0]! : `(${alternatives.join(' | ')})`;
}

function termQuery(term: QueryTerm, upTo: FieldClass): string {
  if (term.kind === 'cjk') return term.lexemes.map((l) => lexemeQuery(l, upTo, false)).join(' & ');
  // One letter as a prefix would touch most of the index; it only matches a whole word.
  return lexemeQuery(term.text, upTo, term.text.length > 1);
}

/**
 * The tsquery literal matching documents where every term occurs in a field of class `upTo` or
 * better: `A` finds the term in titles only, `D` anywhere. Null when nothing searchable was typed.
 */
export function toTsquery(terms: readonly QueryTerm[], upTo: FieldClass = 'D'): string | null {
  if (terms.length === 0) return null;
  return terms.map((t) => termQuery(t, upTo)).join(' & ');
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Marks the characters of `syllables` from `start` that spell `typed` as pinyin (prefix allowed). */
function pinyinSpan(syllables: string[], start: number, typed: string): number {
  let rest = typed;
  let i = start;
  while (rest && i < syllables.length) {
    const s = syllables[i]!;
    if (!s) return 0;
    if (rest.startsWith(s)) rest = rest.slice(s.length);
    else if (s.startsWith(rest)) rest = '';
    else return 0;
    i += 1;
  }
  return rest ? 0 : i - start;
}

function initialsSpan(syllables: string[], start: number, typed: string): number {
  if (typed.length < 2 || start + typed.length > syllables.length) return 0;
  for (let k = 0; k < typed.length; k += 1) if (syllables[start + k]!.charAt(0) !== typed[k]) return 0;
  return typed.length;
}

/** One character as normalizeSearchText makes it, or a space when that is not one character. */
function normalizeChar(c: string): string {
  const code = c.charCodeAt(0);
  // ASCII and the main CJK block need no NFKC: the common case costs a comparison.
  if (c.length === 1 && (code < 0x80 || (code >= 0x4e00 && code <= 0x9fff))) return code >= 0x41 && code <= 0x5a ? c.toLowerCase() : c;
  const n = normalizeSearchText(c);
  return Array.from(n).length === 1 ? n : ' ';
}

/**
 * The title, HTML-escaped, with `<mark>` around the characters the query matched: Chinese words,
 * pinyin and initials (on the characters they spell) and latin words.
 */
export function highlightTitle(title: string, q: string): string {
  return highlighter(q)(title);
}

/** highlightTitle for one query over many titles: the query is read once. */
export function highlighter(q: string): (title: string) => string {
  const terms = queryTokens(q);
  return (title) => highlightWith(title, terms);
}

function highlightWith(title: string, terms: readonly QueryTerm[]): string {
  const chars = Array.from(title);
  const marked = new Array<boolean>(chars.length).fill(false);
  // Normalized one character at a time so positions stay those of the title as written.
  const runs = splitRuns(chars.map(normalizeChar).join(''), false);
  const mark = (from: number, length: number) => {
    for (let k = from; k < from + length && k < chars.length; k += 1) marked[k] = true;
  };
  for (const term of terms) {
    for (const run of runs) {
      if (term.kind === 'cjk') {
        if (run.kind !== 'cjk') continue;
        for (const lexeme of term.lexemes) {
          const needle = Array.from(lexeme);
          for (let i = 0; i + needle.length <= run.chars.length; i += 1) {
            if (needle.every((c, k) => run.chars[i + k] === c)) mark(run.start + i, needle.length);
          }
        }
      } else if (run.kind === 'latin') {
        if (run.text.startsWith(term.text)) mark(run.start, term.text.length);
      } else {
        const syllables = syllablesOf(run.text);
        for (let i = 0; i < syllables.length; i += 1) {
          const span = Math.max(pinyinSpan(syllables, i, term.text), initialsSpan(syllables, i, term.text));
          if (span > 0) mark(run.start + i, span);
        }
      }
    }
  }
  let html = '';
  let start = 0;
  for (let i = 1; i <= chars.length; i += 1) {
    if (i < chars.length && marked[i] === marked[start]) continue;
    const text = escapeHtml(chars.slice(start, i).join(''));
    html += marked[start] ? `<mark>${text}</mark>` : text;
    start = i;
  }
  return html;
}

export function containsHan(text: string): boolean {
  return HAN.test(text);
}
