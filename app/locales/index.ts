/**
 * The interface languages and translation namespaces. Chinese (zh-CN) is the primary language;
 * every key must exist in both (tests/unit/i18n.test.ts enforces it).
 *
 * The texts themselves are in ./resources.server.ts: server only, so no browser bundle carries
 * them (in the browser build `resources` is undefined). A page embeds the namespaces its routes
 * declare in `handle.i18n` (see ~/utils/i18n-document).
 */
export { resources } from './resources.server';

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'zh-CN';

export const NAMESPACES = ['common', 'auth', 'account', 'catalog', 'coop', 'admin', 'onboarding', 'search', 'cart', 'orders', 'reports'] as const;
export type Namespace = (typeof NAMESPACES)[number];

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

export function isNamespace(value: unknown): value is Namespace {
  return typeof value === 'string' && (NAMESPACES as readonly string[]).includes(value);
}
