/**
 * A short-lived cache for catalog aggregates that are the same for every visitor and costly to
 * count at scale (products per province, per GI, the zone's first pages): at 100,000 products
 * the zone's five queries took ≈0.9 s together, and signed-in visitors never get the page cache.
 *
 * Entries live `ttlMs` (seconds) and every catalog change empties the cache (server.js clears it
 * when the outbox moves: app/utils/catalog-version.server.ts). Concurrent misses for one key share one load; a
 * load that started before a clear is handed to its callers but not kept; failures are not kept.
 * `ttlMs` 0 turns it off (each call loads).
 *
 * Past its ttlMs an entry may still be served for `staleMs` while one load runs in the background
 * (stale-while-revalidate): at 100,000 products every expiry otherwise held all the zone's
 * visitors for the ≈1 s reload (the cache-miss run's p99). A clear removes entries outright, so a
 * catalog change is never answered from a stale one.
 */
export interface Memo {
  get<T>(key: string, load: () => Promise<T>): Promise<T>;
  clear(): void;
  readonly size: number;
}

export interface MemoOptions {
  ttlMs: number;
  /** How long after ttlMs a value is still served while it reloads (0: callers wait for the load). */
  staleMs?: number;
  maxEntries?: number;
  now?: () => number;
}

export function createMemo({ ttlMs, staleMs = 0, maxEntries = 500, now = () => performance.now() }: MemoOptions): Memo {
  const entries = new Map<string, { value: unknown; storedAt: number }>();
  const loading = new Map<string, Promise<unknown>>();
  let generation = 0;

  function startLoad<T>(key: string, load: () => Promise<T>): Promise<T> {
    const started = generation;
    const promise: Promise<T> = load().then(
      (value) => {
        if (loading.get(key) === promise) loading.delete(key);
        if (generation === started) {
          entries.delete(key); // a reloaded entry counts as the newest
          entries.set(key, { value, storedAt: now() });
          // Oldest first out.
          for (const oldest of entries.keys()) {
            if (entries.size <= maxEntries) break;
            entries.delete(oldest);
          }
        }
        return value;
      },
      (error: unknown) => {
        if (loading.get(key) === promise) loading.delete(key);
        throw error;
      },
    );
    loading.set(key, promise);
    return promise;
  }

  return {
    get<T>(key: string, load: () => Promise<T>): Promise<T> {
      if (ttlMs <= 0) return load();
      const entry = entries.get(key);
      const age = entry ? now() - entry.storedAt : Infinity;
      if (entry && age < ttlMs) return Promise.resolve(entry.value as T);
      const inFlight = loading.get(key) as Promise<T> | undefined;
      if (entry && age < ttlMs + staleMs) {
        // Stale: answer with it, and reload once (a failed reload leaves it until it is too old).
        if (!inFlight) startLoad(key, load).catch(() => {});
        return Promise.resolve(entry.value as T);
      }
      if (entry) entries.delete(key);
      return inFlight ?? startLoad(key, load);
    },
    clear() {
      entries.clear();
      loading.clear();
      generation += 1;
    },
    get size() {
      return entries.size;
    },
  };
}
