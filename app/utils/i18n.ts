/**
 * i18next on the server: one instance per language with every namespace, built once and shared
 * by all requests, e-mails and exports. Nothing per request lives in it: the language is chosen
 * per request by picking the instance (entry.server's I18nHost), never by changeLanguage.
 * The browser builds its own instances from the page (~/utils/i18n-browser); the texts are not
 * in its bundle (~/locales/resources.server).
 */
import i18next, { type i18n } from 'i18next';
import { setI18n } from 'react-i18next';
import { DEFAULT_LOCALE, LOCALES, NAMESPACES, resources, type Locale, type Namespace } from '~/locales';
import { TRANSLATIONS_VERSION } from '~/locales/resources.server';
import { serializeInlineTranslations, type I18nHost } from './i18n-document';

const instances = new Map<Locale, i18n>();

function instanceFor(locale: Locale): i18n {
  let instance = instances.get(locale);
  if (!instance) {
    instance = i18next.createInstance();
    void instance.init({
      lng: locale,
      fallbackLng: DEFAULT_LOCALE,
      supportedLngs: [...LOCALES],
      ns: [...NAMESPACES],
      defaultNS: 'common',
      resources,
      initAsync: false,
      interpolation: { escapeValue: false },
      returnNull: false,
      // A missing key shows as ns:key (a bug to see, and the e2e journey looks for it), the same on both sides.
      appendNamespaceToMissingKey: true,
    });
    instances.set(locale, instance);
  }
  return instance;
}

/**
 * The shared i18next instance for a language (built on first use): call its t(), but never
 * change its language or add resources to it. It also becomes react-i18next's default instance,
 * for markup rendered outside a provider (tests); pages get theirs from root's Layout.
 */
export function createI18n(locale: Locale): i18n {
  const instance = instanceFor(locale);
  setI18n(instance);
  return instance;
}

const inlineTexts = new Map<string, string>();

/** The inline script's JSON for a language and namespace list, made once per combination. */
function inlineText(locale: Locale, namespaces: readonly Namespace[]): string {
  const key = `${locale}|${namespaces.join(',')}`;
  let text = inlineTexts.get(key);
  if (text === undefined) {
    text = serializeInlineTranslations({ lng: locale, v: TRANSLATIONS_VERSION, ns: Object.fromEntries(namespaces.map((ns) => [ns, resources[locale][ns]])) });
    inlineTexts.set(key, text);
  }
  return text;
}

/** The server's I18nHost for requests in `locale`; builds that language's instance now. */
export function serverI18nHost(locale: Locale): I18nHost {
  instanceFor(locale);
  return { locale, instanceFor, inlineText };
}
