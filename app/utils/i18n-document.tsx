/**
 * Translations in the document, for server and browser alike.
 *
 * A page carries only the namespaces its matched routes declare (`export const handle = { i18n:
 * ['catalog'] }`; root declares `common` and what the header and footer use), in the active
 * language, as inline JSON that entry.client reads before hydrating. A client-side navigation to
 * a route that declares a namespace not loaded yet, or a language switch, waits in root's Layout
 * (useTranslationsLoaded) until the browser has fetched it from /locales/<lng>/<ns>.json — React
 * keeps showing the previous page meanwhile, so no raw key is ever on screen.
 *
 * entry.server and entry.client each provide an I18nHost: the i18next instance per language and
 * the inline JSON's text.
 */
import type { i18n } from 'i18next';
import { createContext, useContext } from 'react';
import { NAMESPACES, type Locale, type Namespace } from '~/locales';

export const I18N_SCRIPT_ID = 'i18n-resources';

/** A route module's `handle`: the namespaces its component (and what it renders) uses. */
export interface I18nHandle {
  i18n?: Namespace | readonly Namespace[];
}

/** What the inline script holds: the language, the translations' version (for fetch URLs) and the namespaces. */
export interface InlineTranslations {
  lng: Locale;
  v: string;
  ns: Partial<Record<Namespace, object>>;
}

export interface I18nHost {
  /** The request's language (server) or the served document's (browser), used when the root loader has no data. */
  locale: Locale;
  /** The i18next instance for a language: one per language, whose language never changes. */
  instanceFor(locale: Locale): i18n;
  /** The inline script's text: the namespaces as JSON (server), or whatever the server wrote (browser, for hydration). */
  inlineText(locale: Locale, namespaces: readonly Namespace[]): string;
}

const I18nHostContext = createContext<I18nHost | null>(null);
export const I18nHostProvider = I18nHostContext.Provider;

export function useI18nHost(): I18nHost {
  const host = useContext(I18nHostContext);
  if (!host) throw new Error('No I18nHost: entry.server and entry.client provide one');
  return host;
}

/** The namespaces the matched routes declare, `common` always, in NAMESPACES order; unknown names are ignored. */
export function routeNamespaces(matches: readonly { handle?: unknown }[]): Namespace[] {
  const wanted = new Set<string>(['common']);
  for (const match of matches) {
    const declared = (match.handle as I18nHandle | undefined)?.i18n;
    for (const ns of typeof declared === 'string' ? [declared] : (declared ?? [])) wanted.add(ns);
  }
  return NAMESPACES.filter((ns) => wanted.has(ns));
}

/** JSON for the inline script, with every `<` escaped so no text can end the element or open a comment. */
export function serializeInlineTranslations(data: InlineTranslations): string {
  return JSON.stringify(data).replace(/</g, '\\u003c');
}

/**
 * The inline translations. A data block (type application/json) is never run, so the CSP does not
 * govern it; it carries the nonce anyway, as every inline script of ours does (checked by the
 * security-headers journey). The browser renders the text the server wrote, unchanged.
 */
export function InlineTranslationsScript({ text, nonce }: { text: string; nonce: string }) {
  return <script id={I18N_SCRIPT_ID} type="application/json" nonce={nonce || undefined} suppressHydrationWarning dangerouslySetInnerHTML={{ __html: text }} />;
}

const loading = new WeakMap<i18n, Map<string, Promise<void>>>();

/**
 * Suspends until `namespaces` are loaded in `i18n`'s language. Navigations and revalidations
 * render inside React transitions, where suspending keeps the previous page on screen (no
 * fallback, no raw keys) until the fetch is done. On the server every namespace is always there.
 * If a namespace cannot be fetched, the page is loaded again from the server, which renders it whole.
 */
export function useTranslationsLoaded(i18n: i18n, namespaces: readonly Namespace[]): void {
  const missing = namespaces.filter((ns) => !i18n.hasResourceBundle(i18n.language, ns));
  if (missing.length === 0) return;
  let pending = loading.get(i18n);
  if (!pending) loading.set(i18n, (pending = new Map()));
  const key = missing.join(' ');
  let promise = pending.get(key);
  if (!promise) {
    promise = i18n.loadNamespaces(missing).then(() => {
      pending.delete(key);
      if (missing.every((ns) => i18n.hasResourceBundle(i18n.language, ns))) return;
      window.location.reload();
      return new Promise<void>(() => {});
    });
    pending.set(key, promise);
  }
  throw promise;
}
