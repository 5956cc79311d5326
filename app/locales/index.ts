/**
 * Translations, one JSON file per namespace and language. Chinese (zh-CN) is the primary
 * language; every key must exist in both (tests/unit/i18n.test.ts enforces it).
 */
import enAccount from './en/account.json';
import enAdmin from './en/admin.json';
import enAuth from './en/auth.json';
import enCart from './en/cart.json';
import enCatalog from './en/catalog.json';
import enCommon from './en/common.json';
import enCoop from './en/coop.json';
import enOnboarding from './en/onboarding.json';
import enOrders from './en/orders.json';
import enReports from './en/reports.json';
import enSearch from './en/search.json';
import zhAccount from './zh-CN/account.json';
import zhAdmin from './zh-CN/admin.json';
import zhAuth from './zh-CN/auth.json';
import zhCart from './zh-CN/cart.json';
import zhCatalog from './zh-CN/catalog.json';
import zhCommon from './zh-CN/common.json';
import zhCoop from './zh-CN/coop.json';
import zhOnboarding from './zh-CN/onboarding.json';
import zhOrders from './zh-CN/orders.json';
import zhReports from './zh-CN/reports.json';
import zhSearch from './zh-CN/search.json';

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'zh-CN';

export const resources = {
  'zh-CN': {
    common: zhCommon,
    auth: zhAuth,
    account: zhAccount,
    catalog: zhCatalog,
    coop: zhCoop,
    admin: zhAdmin,
    onboarding: zhOnboarding,
    search: zhSearch,
    cart: zhCart,
    orders: zhOrders,
    reports: zhReports,
  },
  en: {
    common: enCommon,
    auth: enAuth,
    account: enAccount,
    catalog: enCatalog,
    coop: enCoop,
    admin: enAdmin,
    onboarding: enOnboarding,
    search: enSearch,
    cart: enCart,
    orders: enOrders,
    reports: enReports,
  },
} as const;

export const NAMESPACES = Object.keys(resources['zh-CN']) as (keyof (typeof resources)['zh-CN'])[];

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}
