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
  const cookieHeader = request.headers.get('Cookie') ?? '';
  const match = /(?:^|;\s*)lng=([^;]+)/.exec(cookieHeader);
  if (match) {
    try {
      const value = JSON.parse(Buffer.from(decodeURIComponent(match[1]!), 'base64').toString('utf8')) as unknown;
      if (isLocale(value)) return value;
    } catch {
      // a malformed cookie falls through to the header
    }
  }
  const accept = request.headers.get('Accept-Language') ?? '';
  const first = accept.split(',')[0]?.trim().toLowerCase() ?? '';
  if (first.startsWith('en')) return 'en';
  return DEFAULT_LOCALE;
}
