import { createCookie } from '@remix-run/node';
import { DEFAULT_LOCALE, isLocale, type Locale } from '~/locales';

export const localeCookie = createCookie('lng', {
  path: '/',
  sameSite: 'lax',
  httpOnly: true,
  maxAge: 60 * 60 * 24 * 365,
});

/** The visitor's language: the `lng` cookie, else Accept-Language, else Chinese. */
export function getLocale(request: Request): Locale {
  return localeFromHeaders(request.headers.get('Cookie'), request.headers.get('Accept-Language'));
}

/** getLocale from the two headers it reads (the page cache asks before any Request exists). */
export function localeFromHeaders(cookieHeader: string | null | undefined, acceptLanguage: string | null | undefined): Locale {
  cookieHeader ??= '';
  const match = /(?:^|;\s*)lng=([^;]+)/.exec(cookieHeader);
  if (match) {
    try {
      const value = JSON.parse(Buffer.from(decodeURIComponent(match[1]!), 'base64').toString('utf8')) as unknown;
      if (isLocale(value)) return value;
    } catch {
      // a malformed cookie falls through to the header
    }
  }
  const first = (acceptLanguage ?? '').split(',')[0]?.trim().toLowerCase() ?? '';
  if (first.startsWith('en')) return 'en';
  return DEFAULT_LOCALE;
}
