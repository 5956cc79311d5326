/**
 * `useTranslation()` for our pages: the i18next instance from the nearest I18nextProvider (root's
 * Layout puts the page's language there) and its `t`.
 *
 * react-i18next's own hook copies every property of the instance into a new wrapper object each
 * time a component mounts — on the server, for every component of every page: measured as the
 * single most expensive function of a results page's server render (≈7 % of its CPU). Ours needs
 * none of what that buys: each instance keeps one language for life (a switch swaps the instance,
 * which re-renders every consumer through the context), and root's Layout suspends until a page's
 * namespaces are loaded, so a component never renders before its texts are there.
 */
import type { i18n as I18n } from 'i18next';
import { useContext } from 'react';
import { getI18n, I18nContext } from 'react-i18next';

export interface Translation {
  t: I18n['t'];
  i18n: I18n;
}

const translations = new WeakMap<I18n, Translation>();

export function useTranslation(): Translation {
  const i18n = useContext(I18nContext)?.i18n ?? getI18n();
  let translation = translations.get(i18n);
  if (!translation) {
    translation = { t: typeof document === 'undefined' ? memoizedT(i18n) : (i18n.t.bind(i18n) as I18n['t']), i18n };
    translations.set(i18n, translation);
  }
  return translation;
}

/**
 * On the server each instance holds every namespace of one language and never changes
 * (~/utils/i18n), so a key with the same options always gives the same text: a page makes a few
 * hundred calls, each a full i18next lookup (with interpolation and plural rules when options are
 * given: ≈1 ms of a product page's CPU). Remembered per key and, for options whose values are all
 * strings, numbers or booleans, per options; anything else goes to i18next each time. Not in the
 * browser, whose instances gain namespaces on navigation.
 */
const MAX_REMEMBERED = 10_000;

export function memoizedT(i18n: I18n): I18n['t'] {
  const texts = new Map<string, string>();
  const translate = i18n.t.bind(i18n) as unknown as (...args: unknown[]) => unknown;
  const t = (key: unknown, ...rest: unknown[]) => {
    if (typeof key !== 'string' || rest.length > 1) return translate(key, ...rest);
    let memoKey = key;
    if (rest.length === 1) {
      const options = rest[0];
      if (!isPlainOptions(options)) return translate(key, ...rest);
      memoKey = `${key}\u0000${JSON.stringify(options)}`;
    }
    let text = texts.get(memoKey);
    if (text === undefined) {
      const result = translate(key, ...rest);
      if (typeof result !== 'string') return result;
      text = result;
      if (texts.size >= MAX_REMEMBERED) texts.clear();
      texts.set(memoKey, text);
    }
    return text;
  };
  return t as unknown as I18n['t'];
}

function isPlainOptions(options: unknown): options is Record<string, string | number | boolean> {
  if (options === null || typeof options !== 'object' || Object.getPrototypeOf(options) !== Object.prototype) return false;
  for (const value of Object.values(options)) {
    const type = typeof value;
    if (type !== 'string' && type !== 'number' && type !== 'boolean') return false;
  }
  return true;
}
