/**
 * Search suggestions as JSON for the header box: `GET /search/suggest?q=` →
 * `[{ slug, title }]`, at most 8. Public and the same for everyone, so briefly cacheable.
 */
import type { LoaderFunctionArgs } from '@remix-run/node';

export const SUGGESTION_LIMIT = 8;
const MAX_QUERY_LENGTH = 50;

export interface SuggestionItem {
  slug: string;
  title: string;
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const q = (new URL(request.url).searchParams.get('q') ?? '').replace(/\s+/g, ' ').trim().slice(0, MAX_QUERY_LENGTH);
  const suggestions: SuggestionItem[] = q
    ? (await context.app.search.suggest(q, SUGGESTION_LIMIT)).map(({ slug, title }) => ({ slug, title }))
    : [];
  return Response.json(suggestions, { headers: { 'Cache-Control': 'public, max-age=60' } });
}
