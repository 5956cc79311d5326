/**
 * Search suggestions as JSON for the header box: `GET /search/suggest?q=` →
 * `[{ slug, title }]`, at most 8. Public and the same for everyone, so briefly cacheable.
 * Each address may ask RATE_LIMITS.searchSuggestIp times a minute (one counter upsert per
 * non-empty query); beyond that the answer is 429 with Retry-After and an empty list.
 */
import type { LoaderFunctionArgs } from '@remix-run/node';
import { getClientIp, hitRateLimit, RATE_LIMITS, retryAfterSeconds } from '~/utils/rate-limit.server';

export const SUGGESTION_LIMIT = 8;
const MAX_QUERY_LENGTH = 50;

export interface SuggestionItem {
  slug: string;
  title: string;
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  const q = (new URL(request.url).searchParams.get('q') ?? '').replace(/\s+/g, ' ').trim().slice(0, MAX_QUERY_LENGTH);
  if (!q) return Response.json([] satisfies SuggestionItem[], { headers: { 'Cache-Control': 'public, max-age=60' } });
  const limit = await hitRateLimit(app.db, `suggest:ip:${getClientIp(request)}`, { ...RATE_LIMITS.searchSuggestIp, now: app.now() });
  if (!limit.allowed) {
    // Never cached: the refusal belongs to this address and this minute only.
    return Response.json([] satisfies SuggestionItem[], {
      status: 429,
      headers: { 'Retry-After': retryAfterSeconds(limit.retryAfterMs), 'Cache-Control': 'no-store' },
    });
  }
  const suggestions: SuggestionItem[] = (await app.search.suggest(q, SUGGESTION_LIMIT)).map(({ slug, title }) => ({ slug, title }));
  return Response.json(suggestions, { headers: { 'Cache-Control': 'public, max-age=60' } });
}
