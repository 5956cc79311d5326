/**
 * One namespace of one language as JSON: `GET /locales/<lng>/<ns>.json?v=<version>`, what the
 * browser fetches when a page it navigates to needs a namespace the first page did not carry
 * (~/utils/i18n-backend). Asked with the current TRANSLATIONS_VERSION the answer is cached for a
 * year (the version changes with the texts); asked without it (or with an old one) it is
 * revalidated by ETag. An unknown language or namespace is 404. A loader only: other methods 405.
 */
import { createHash } from 'node:crypto';
import type { LoaderFunctionArgs } from '@remix-run/node';
import { isLocale, isNamespace, type Locale, type Namespace } from '~/locales';
import { resources, TRANSLATIONS_VERSION } from '~/locales/resources.server';

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'public, max-age=0, must-revalidate';

const files = new Map<string, { body: string; etag: string }>();

function translationsFile(lng: Locale, ns: Namespace) {
  const key = `${lng}/${ns}`;
  let file = files.get(key);
  if (!file) {
    const body = JSON.stringify(resources[lng][ns]);
    file = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
    files.set(key, file);
  }
  return file;
}

export function loader({ request, params }: LoaderFunctionArgs) {
  const lng = params.lng;
  const ns = /^(.+)\.json$/.exec(params.ns ?? '')?.[1];
  if (!isLocale(lng) || !isNamespace(ns)) {
    return new Response('Not found', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } });
  }
  const { body, etag } = translationsFile(lng, ns);
  const current = new URL(request.url).searchParams.get('v') === TRANSLATIONS_VERSION;
  const headers = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': current ? IMMUTABLE : REVALIDATE, ETag: etag };
  const ifNoneMatch = request.headers.get('If-None-Match');
  if (ifNoneMatch && ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) return new Response(null, { status: 304, headers });
  return new Response(body, { headers });
}
