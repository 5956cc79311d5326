/**
 * Every translation, one JSON file per namespace and language. Server only (the `.server` name
 * keeps it out of the browser build): a page gets the namespaces its routes declare inline, and
 * the browser fetches more from /locales/<lng>/<ns>.json (app/routes/locales.$lng.$ns).
 */
import { createHash } from 'node:crypto';
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
import type { Locale, Namespace } from './index';

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
} as const satisfies Record<Locale, Record<Namespace, object>>;

/**
 * A fingerprint of all translations: part of every /locales/… URL a page asks for, so those
 * answers can be cached for a year and a deploy that changes a text changes the URL.
 */
export const TRANSLATIONS_VERSION = createHash('sha256').update(JSON.stringify(resources)).digest('hex').slice(0, 12);
