/**
 * Search that degrades instead of failing: queries go to the primary adapter (Meilisearch) and,
 * when it errors or is slower than the timeout, are answered by the fallback (Postgres) with
 * `degraded: true`. After a failure the primary is left alone for a cool-down (a circuit
 * breaker), so an outage costs one slow query, not one per request; then a single query probes
 * it again. Writes are not redirected: they belong to the search sync jobs, which retry.
 */
import type { Logger } from '~/utils/log.server';
import type { SearchAdapter, SearchQuery, SearchResult, Suggestion } from './types';

export interface FallbackState {
  adapter: SearchAdapter['name'];
  fallback: SearchAdapter['name'];
  /** `degraded` while queries are being answered by the fallback. */
  state: 'ok' | 'degraded';
  /** When the current degradation began (ISO), null when ok. */
  since: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  /** When the primary will next be tried (ISO), null when ok. */
  retryAt: string | null;
}

export interface FallbackSearch extends SearchAdapter {
  state(): FallbackState;
}

export interface FallbackOptions {
  /** A query slower than this is answered by the fallback. */
  timeoutMs?: number;
  /** How long the primary is left alone after a failure. */
  coolDownMs?: number;
  now?: () => Date;
  logger?: Logger;
}

export class SearchTimeoutError extends Error {
  override name = 'SearchTimeoutError';
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SearchTimeoutError(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.name}: ${error.message}${cause}`;
}

export function createFallbackSearch(primary: SearchAdapter, fallback: SearchAdapter, options: FallbackOptions = {}): FallbackSearch {
  const timeoutMs = options.timeoutMs ?? 300;
  const coolDownMs = options.coolDownMs ?? 10_000;
  const now = options.now ?? (() => new Date());
  let since: Date | null = null;
  let retryAt: Date | null = null;
  let lastError: string | null = null;
  let lastErrorAt: Date | null = null;
  let probing = false;

  /** Whether this query may use the primary: always when healthy; after the cool-down, one probe at a time. */
  function claimPrimary(): 'use' | 'probe' | 'skip' {
    if (!retryAt) return 'use';
    if (now() >= retryAt && !probing) {
      probing = true;
      return 'probe';
    }
    return 'skip';
  }

  function failed(error: unknown) {
    const at = now();
    lastError = describe(error);
    lastErrorAt = at;
    retryAt = new Date(at.getTime() + coolDownMs);
    if (!since) {
      since = at;
      options.logger?.warn({ err: error, adapter: primary.name, fallback: fallback.name }, 'search degraded: answering from the fallback');
    }
  }

  function recovered() {
    if (since) options.logger?.info({ adapter: primary.name, degradedSince: since.toISOString() }, 'search recovered');
    since = null;
    retryAt = null;
  }

  async function attempt<T>(run: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false }> {
    const claim = claimPrimary();
    if (claim === 'skip') return { ok: false };
    try {
      const value = await withTimeout(run(), timeoutMs);
      recovered();
      return { ok: true, value };
    } catch (error) {
      failed(error);
      return { ok: false };
    } finally {
      if (claim === 'probe') probing = false;
    }
  }

  return {
    name: primary.name,

    async search(query: SearchQuery): Promise<SearchResult> {
      const result = await attempt(() => primary.search(query));
      if (result.ok) return result.value;
      return { ...(await fallback.search(query)), degraded: true };
    },

    async suggest(q: string, limit: number): Promise<Suggestion[]> {
      const result = await attempt(() => primary.suggest(q, limit));
      return result.ok ? result.value : fallback.suggest(q, limit);
    },

    upsert: (documents) => primary.upsert(documents),
    remove: (productIds) => primary.remove(productIds),
    health: () => primary.health(),

    state: () => ({
      adapter: primary.name,
      fallback: fallback.name,
      state: since ? 'degraded' : 'ok',
      since: since?.toISOString() ?? null,
      lastError,
      lastErrorAt: lastErrorAt?.toISOString() ?? null,
      retryAt: retryAt?.toISOString() ?? null,
    }),
  };
}
