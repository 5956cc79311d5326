/**
 * i18next in the browser: the instance for the page's language starts, synchronously, from the
 * translations the server put into the document (so hydration renders exactly what the server
 * did); anything more, and the other language after a switch, comes through TranslationsBackend.
 */
import i18next, { type i18n } from 'i18next';
import { DEFAULT_LOCALE, isLocale, isNamespace, LOCALES, type Locale } from '~/locales';
import { TranslationsBackend } from './i18n-backend';
import { I18N_SCRIPT_ID, type I18nHost, type InlineTranslations } from './i18n-document';

/** The inline translations as written, and parsed (an absent or broken script yields none: they are then fetched). */
export function readInlineTranslations(doc: Document): { text: string; data: InlineTranslations } {
  const text = doc.getElementById(I18N_SCRIPT_ID)?.textContent ?? '';
  const htmlLang = doc.documentElement.lang;
  const data: InlineTranslations = { lng: isLocale(htmlLang) ? htmlLang : DEFAULT_LOCALE, v: '', ns: {} };
  try {
    const parsed = JSON.parse(text) as Partial<InlineTranslations>;
    if (isLocale(parsed.lng)) data.lng = parsed.lng;
    if (typeof parsed.v === 'string') data.v = parsed.v;
    for (const [ns, bundle] of Object.entries(parsed.ns ?? {})) if (isNamespace(ns) && bundle && typeof bundle === 'object') data.ns[ns] = bundle;
  } catch {
    // no usable inline data: every namespace is fetched before the page hydrates
  }
  return { text, data };
}

function createBrowserInstance(lng: Locale, bundles: InlineTranslations['ns'], version: string): i18n {
  const instance = i18next.createInstance();
  void instance.use(TranslationsBackend).init({
    lng,
    // Every key exists in both languages (tests/unit/i18n.test.ts): a fallback would only fetch the other one.
    fallbackLng: false,
    supportedLngs: [...LOCALES],
    load: 'currentOnly',
    ns: Object.keys(bundles),
    defaultNS: 'common',
    resources: { [lng]: bundles },
    partialBundledLanguages: true,
    backend: { version },
    maxRetries: 2,
    initAsync: false,
    interpolation: { escapeValue: false },
    returnNull: false,
    // A missing key shows as ns:key (a bug to see, and the e2e journey looks for it), the same on both sides.
    appendNamespaceToMissingKey: true,
  });
  return instance;
}

/** The browser's I18nHost, from the document the server rendered. */
export function createBrowserI18nHost(doc: Document): I18nHost {
  const { text, data } = readInlineTranslations(doc);
  const instances = new Map<Locale, i18n>([[data.lng, createBrowserInstance(data.lng, data.ns, data.v)]]);
  return {
    locale: data.lng,
    instanceFor(locale) {
      let instance = instances.get(locale);
      if (!instance) {
        instance = createBrowserInstance(locale, {}, data.v);
        instances.set(locale, instance);
      }
      return instance;
    },
    inlineText: () => text,
  };
}
