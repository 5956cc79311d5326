/**
 * Chooses the search adapter once at start-up: Postgres alone when MEILI_URL is unset;
 * otherwise Meilisearch, falling back to Postgres for queries while Meilisearch is down or slow.
 */
import type { Db } from '~/utils/db.server';
import type { Env } from '~/utils/env.server';
import { createFallbackSearch, type FallbackOptions, type FallbackSearch } from './fallback.server';
import { createMeilisearchSearch, type MeilisearchOptions, type MeilisearchSearch } from './meilisearch.server';
import { createPostgresSearch } from './postgres.server';
import type { SearchAdapter } from './types';

/** The Meilisearch adapter the environment asks for, or null without MEILI_URL (jobs and scripts use it directly). */
export function createMeilisearchFromEnv(env: Pick<Env, 'MEILI_URL' | 'MEILI_MASTER_KEY'>, options: Partial<MeilisearchOptions> = {}): MeilisearchSearch | null {
  if (!env.MEILI_URL) return null;
  return createMeilisearchSearch({ url: env.MEILI_URL, apiKey: env.MEILI_MASTER_KEY, ...options });
}

/**
 * Creates the Meilisearch index and applies its settings, for start-up: a configured Meilisearch
 * that cannot be reached is a clear error there (at query time the Postgres fallback answers).
 */
export async function prepareMeilisearch(meilisearch: MeilisearchSearch, url: string): Promise<void> {
  try {
    await meilisearch.ensureIndex();
  } catch (error) {
    const reason = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}` : String(error);
    throw new Error(`Cannot set up the Meilisearch index \`${meilisearch.indexUid}\` at MEILI_URL (${new URL(url).host}): ${reason}`, { cause: error });
  }
}

export interface CreateSearchOptions extends FallbackOptions {
  /** Shares one Meilisearch adapter with the job handler; made from the environment when omitted. */
  meilisearch?: MeilisearchSearch | null;
}

/** The storefront's search: Postgres, or Meilisearch with Postgres as the fallback. */
export function createSearch(env: Pick<Env, 'MEILI_URL' | 'MEILI_MASTER_KEY'>, db: Db, options: CreateSearchOptions = {}): SearchAdapter {
  const postgres = createPostgresSearch(db);
  const meilisearch = options.meilisearch === undefined ? createMeilisearchFromEnv(env) : options.meilisearch;
  if (!meilisearch) return postgres;
  return createFallbackSearch(meilisearch, postgres, options);
}

export interface SearchHealth {
  /** The adapter meant to answer. */
  adapter: SearchAdapter['name'];
  /** `degraded`: queries are being answered by the fallback; `down`: no adapter answers. */
  state: 'ok' | 'degraded' | 'down';
  fallback?: SearchAdapter['name'];
  since?: string | null;
  lastError?: string | null;
  retryAt?: string | null;
  detail?: string;
}

function isFallback(search: SearchAdapter): search is FallbackSearch {
  return typeof (search as Partial<FallbackSearch>).state === 'function';
}

/** What /healthz reports about search: the adapter in use, and whether queries fall back and since when. */
export async function searchHealth(search: SearchAdapter): Promise<SearchHealth> {
  const probe = await search.health();
  if (!isFallback(search)) {
    return { adapter: search.name, state: probe.ok ? 'ok' : 'down', ...(probe.detail ? { detail: probe.detail } : {}) };
  }
  const state = search.state();
  return {
    adapter: state.adapter,
    // An unreachable primary means the next query falls back, even if none has tried yet.
    state: state.state === 'degraded' || !probe.ok ? 'degraded' : 'ok',
    fallback: state.fallback,
    since: state.since,
    lastError: state.lastError ?? (probe.ok ? null : (probe.detail ?? null)),
    retryAt: state.retryAt,
  };
}
