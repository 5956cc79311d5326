/**
 * The browser gets only the translation namespaces that the matched routes declare in
 * `handle.i18n` (root's included; see ~/utils/i18n-document). A page that uses a namespace its
 * handle chain does not declare renders raw keys after a client-side navigation, so this reads
 * every page route's source — the route module, the local modules it imports (components, route
 * helpers, schemas) — for the namespaces it uses, and compares them with the declarations.
 *
 * What counts as a use: `t('ns:…')`, `` t(`ns:…`) ``, `i18nKey="ns:…"`, `useTranslation('ns')`, and
 * any other 'ns:key' string literal (schema error messages are keys that ErrorList translates in
 * the browser). A `*.server` module imported from there is read one level deep for the keys it
 * hands back as data (error codes turned into 'ns:…' keys), not for keys it translates itself
 * with t(…) (e-mails, CSV exports), which never reach the browser.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NAMESPACES } from '~/locales';
import { routeNamespaces } from '~/utils/i18n-document';

const APP = path.resolve(__dirname, '../../app');
const EXTENSIONS = ['', '.ts', '.tsx', '/index.ts', '/index.tsx'];

function resolveImport(from: string, spec: string): string | null {
  let base: string;
  if (spec.startsWith('~/')) base = path.join(APP, spec.slice(2));
  else if (spec.startsWith('./') || spec.startsWith('../')) base = path.resolve(path.dirname(from), spec);
  else return null;
  for (const ext of EXTENSIONS) {
    const candidate = base + ext;
    if (/\.(tsx?)$/.test(candidate) && fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return null;
}

/** Local modules a file imports at run time (`import type` left out). */
function localImports(file: string, text = fs.readFileSync(file, 'utf8')): string[] {
  const specs = new Set<string>();
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s+(type\s+)?(?:[^;()'"]*?\s+from\s+)?['"]([^'"]+)['"]/g)) {
    if (!m[1]) specs.add(m[2]!);
  }
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.add(m[1]!);
  return [...specs].map((spec) => resolveImport(file, spec)).filter((f): f is string => f !== null);
}

const isServerModule = (file: string) => /\.server\.tsx?$/.test(file);

/** The source without comments (a doc comment's example key is no use); `//` after a colon (URLs) is kept. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/(^|[^:\\])\/\/.*$/gm, '$1');
}

/** Namespaces in the text: every 'ns:…' literal and useTranslation('ns'), or (dataOnly) the literals not passed straight to t(…). */
function namespacesIn(source: string, known: readonly string[], { dataOnly = false } = {}): Set<string> {
  const found = new Set<string>();
  const text = withoutComments(source);
  const names = known.join('|');
  // In dataOnly mode a literal inside t(…)'s parentheses (t('ns:a'), t(x ? 'ns:a' : 'ns:b')) is translated where it is.
  const literal = new RegExp(`${dataOnly ? '(?<!\\bt\\([^()]*)' : ''}['"\`](${names}):[\\w$]`, 'g');
  for (const m of text.matchAll(literal)) found.add(m[1]!);
  if (!dataOnly) {
    for (const m of text.matchAll(/\buseTranslation\(\s*(\[[^\]]*\]|['"][\w-]+['"])/g)) {
      for (const ns of m[1]!.matchAll(/['"]([\w-]+)['"]/g)) found.add(ns[1]!);
    }
  }
  return found;
}

/**
 * The namespaces the browser may need to render `entry`: its own and those of every local module
 * it reaches (stopping at *.server modules, read for data keys only), with the file of one use each.
 */
function namespacesUsedFrom(entry: string, known: readonly string[]): Map<string, string> {
  const used = new Map<string, string>();
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = fs.readFileSync(file, 'utf8');
    const server = isServerModule(file);
    for (const ns of namespacesIn(text, known, { dataOnly: server })) if (!used.has(ns)) used.set(ns, path.relative(process.cwd(), file));
    if (server) continue;
    for (const next of localImports(file, text)) if (!seen.has(next)) queue.push(next);
  }
  return used;
}

// ---------------------------------------------------------------- routes and their handles

const ROUTES_DIR = path.join(APP, 'routes');

interface PageRoute {
  id: string;
  file: string;
}

/** Route folders whose module renders something (a default export); resource routes render no text. */
function pageRoutes(): PageRoute[] {
  return fs
    .readdirSync(ROUTES_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const file = ['route.tsx', 'route.ts'].map((name) => path.join(ROUTES_DIR, entry.name, name)).find((candidate) => fs.existsSync(candidate));
      return file && /^export default\b/m.test(fs.readFileSync(file, 'utf8')) ? [{ id: entry.name, file }] : [];
    })
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** Remix flat routes: a route's parent is the longest dotted prefix of its id that is a route itself (root otherwise). */
function parentChain(id: string, ids: Set<string>): string[] {
  const chain: string[] = [];
  const segments = id.split('.');
  for (let n = segments.length - 1; n > 0; n -= 1) {
    const candidate = segments.slice(0, n).join('.');
    if (ids.has(candidate)) chain.push(candidate);
  }
  return chain;
}

const ALL_ROUTE_IDS = new Set(
  fs
    .readdirSync(ROUTES_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && ['route.tsx', 'route.ts'].some((name) => fs.existsSync(path.join(ROUTES_DIR, entry.name, name))))
    .map((entry) => entry.name),
);

async function declaredBy(file: string): Promise<unknown> {
  const mod = (await import(file)) as { handle?: { i18n?: unknown } };
  return mod.handle?.i18n;
}

const asList = (declared: unknown): string[] => (declared === undefined ? [] : typeof declared === 'string' ? [declared] : (declared as string[]));

describe('translation namespaces per page', () => {
  const ROOT = path.join(APP, 'root.tsx');
  const routes = pageRoutes();

  it('finds the namespaces pages use (the reader works)', () => {
    expect(routes.length).toBeGreaterThan(40);
    expect([...namespacesUsedFrom(path.join(ROUTES_DIR, 'products.$slug', 'route.tsx'), NAMESPACES).keys()]).toEqual(expect.arrayContaining(['catalog']));
    // an error key a server module hands back: the address book shows orders:address.errors.*
    expect(namespacesUsedFrom(path.join(ROUTES_DIR, 'account.addresses', 'route.tsx'), NAMESPACES).has('orders')).toBe(true);
    expect(namespacesIn("t('reports:x'); const k = 'coop:errors.y'; // 'auth:z'", NAMESPACES)).toEqual(new Set(['reports', 'coop']));
    expect(namespacesIn("t(a ? 'reports:x' : 'reports:y'); return `coop:errors.${code}`;", NAMESPACES, { dataOnly: true })).toEqual(new Set(['coop']));
  });

  it('declares only namespaces that exist', async () => {
    const unknown: string[] = [];
    for (const { id, file } of [{ id: 'root', file: ROOT }, ...routes]) {
      for (const ns of asList(await declaredBy(file))) if (!(NAMESPACES as readonly string[]).includes(ns)) unknown.push(`${id}: ${ns}`);
    }
    expect(unknown).toEqual([]);
  });

  it('root declares what the document around every page (header, footer, error page) uses', async () => {
    const declared = new Set<string>(routeNamespaces([{ handle: { i18n: await declaredBy(ROOT) } }]));
    const missing = [...namespacesUsedFrom(ROOT, NAMESPACES)].filter(([ns]) => !declared.has(ns)).map(([ns, file]) => `${ns} (used in ${file})`);
    expect(missing).toEqual([]);
  });

  it.each(routes)('$id uses no namespace that its handle chain leaves out', async ({ id, file }) => {
    const chain = [ROOT, ...parentChain(id, ALL_ROUTE_IDS).map((parent) => path.join(ROUTES_DIR, parent, fs.existsSync(path.join(ROUTES_DIR, parent, 'route.tsx')) ? 'route.tsx' : 'route.ts')), file];
    const declared = new Set<string>(routeNamespaces(await Promise.all(chain.map(async (f) => ({ handle: { i18n: await declaredBy(f) } })))));
    const missing = [...namespacesUsedFrom(file, NAMESPACES)].filter(([ns]) => !declared.has(ns)).map(([ns, where]) => `${ns} (used in ${where})`);
    expect(missing, `add them to handle.i18n in app/routes/${id}/route.tsx`).toEqual([]);
  });

  it.each(routes)('$id declares no namespace it does not use (each one is bytes in every page)', async ({ file }) => {
    const used = namespacesUsedFrom(file, NAMESPACES);
    expect(asList(await declaredBy(file)).filter((ns) => !used.has(ns))).toEqual([]);
  });
});
