/**
 * HTTP load with autocannon's programmatic API: N connections for D seconds, each connection
 * with its own request list (so rotating paths are not walked in lockstep by every connection).
 * Latency percentiles come from every response's own time (autocannon's summary has no p95);
 * status codes and the X-Page-Cache header are counted per response.
 */
import { createRequire } from 'node:module';
import { summarize, type LatencySummary } from './stats';

export interface LoadRequest {
  method?: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

interface AutocannonClient {
  setRequests(requests: LoadRequest[]): void;
  on(event: 'headers', listener: (info: { statusCode: number; headers: string[] }) => void): void;
}

interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats?: Record<string, { count: number | string }>;
  requests: { total: number; average: number };
  throughput: { average: number; total: number };
}

interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(event: 'response', listener: (client: AutocannonClient, statusCode: number, resBytes: number, responseTime: number) => void): void;
}

type Autocannon = (options: Record<string, unknown>) => AutocannonInstance;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  /** The request list of connection `index` (0-based); every connection loops over its own list. */
  requestsFor: (index: number) => LoadRequest[];
  /** Headers every request carries (a request's own headers win). */
  headers?: Record<string, string>;
  timeoutSeconds?: number;
}

export interface LoadResult {
  seconds: number;
  responses: number;
  rps: number;
  latency: LatencySummary & { mean: number; max: number };
  errors: number;
  timeouts: number;
  status: Record<string, number>;
  /** X-Page-Cache values seen (hit, miss, bypass), when the server sends the header. */
  pageCache: Record<string, number>;
  /** Mean response size in bytes as sent (compressed when the server compressed it). */
  bytesPerResponse: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let nextClient = 0;
  const pageCache: Record<string, number> = {};
  const latencies: number[] = [];
  let bytes = 0;
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    timeout: options.timeoutSeconds ?? 10,
    headers: options.headers ?? {},
    // A placeholder; every client replaces it with its own list.
    requests: [{ method: 'GET', path: '/' }],
    setupClient: (client: AutocannonClient) => {
      client.setRequests(options.requestsFor(nextClient++));
      client.on('headers', (info) => {
        const h = info.headers;
        for (let i = 0; i < h.length; i += 2) {
          if (h[i]!.length === 12 && h[i]!.toLowerCase() === 'x-page-cache') {
            const value = h[i + 1]!.toLowerCase();
            pageCache[value] = (pageCache[value] ?? 0) + 1;
          }
        }
      });
    },
  });
  instance.on('response', (_client, _status, resBytes, responseTime) => {
    latencies.push(responseTime);
    bytes += resBytes;
  });
  const result = await instance;
  const status: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) status[code] = Number(stat.count);
  const summary = summarize(latencies);
  const seconds = result.duration;
  return {
    seconds,
    responses: latencies.length,
    rps: latencies.length / seconds,
    latency: {
      ...summary,
      mean: latencies.length === 0 ? Number.NaN : latencies.reduce((a, b) => a + b, 0) / latencies.length,
      max: latencies.reduce((a, b) => Math.max(a, b), 0),
    },
    errors: result.errors,
    timeouts: result.timeouts,
    status,
    pageCache,
    bytesPerResponse: latencies.length === 0 ? 0 : bytes / latencies.length,
  };
}

/** A seeded Fisher–Yates shuffle (the order each connection walks a rotating list in). */
export function shuffled<T>(items: readonly T[], next: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
