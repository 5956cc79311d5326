/**
 * Reading the /search URL (see search-params.ts), on the server only: zod stays out of the
 * browser bundle (≈14 KB gzip), which only needs searchHref.
 */
import { z } from 'zod';
import { SEARCH_SORTS } from '~/utils/search/types';
import { FILTER_NAMES, GI_KINDS, MAX_QUERY_LENGTH, MAX_SEARCH_PAGE, type SearchParams } from './search-params';

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,99}$/);
const flag = z.enum(['1', 'true', 'on']).transform(() => true as const);

const schema = z.object({
  q: z
    .string()
    .transform((q) => q.replace(/\s+/g, ' ').trim().slice(0, MAX_QUERY_LENGTH))
    .catch(''),
  province: z.string().regex(/^\d{2}0000$/).optional().catch(undefined),
  category: slug.optional().catch(undefined),
  gi: slug.optional().catch(undefined),
  kind: z.enum(GI_KINDS).optional().catch(undefined),
  coop: slug.optional().catch(undefined),
  stalled: flag.optional().catch(undefined),
  instock: flag.optional().catch(undefined),
  sort: z.enum(SEARCH_SORTS).catch('relevance'),
  page: z.coerce.number().int().min(1).max(MAX_SEARCH_PAGE).catch(1),
});

/** Reads the URL; a parameter given twice counts once (the first). */
export function parseSearchParams(params: URLSearchParams): SearchParams {
  const raw = Object.fromEntries(['q', ...FILTER_NAMES, 'sort', 'page'].map((name) => [name, params.get(name) ?? undefined]));
  return schema.parse({ ...raw, q: raw.q ?? '', sort: raw.sort ?? 'relevance', page: raw.page ?? 1 });
}

