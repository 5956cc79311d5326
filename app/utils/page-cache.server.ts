/**
 * A full-page cache for anonymous visitors, in front of Remix (wired in server.js).
 *
 * What is cached: GET requests for the public catalog pages (zone, product, GI, cooperative,
 * search, legal pages) from visitors without a session or cart cookie, keyed by path, query and
 * locale. A response is stored only when it is a 200 HTML document that sets no cookie.
 *
 * The CSP nonce: every response, cached or not, carries the fresh nonce that securityHeaders put
 * into this response's CSP header. A stored page is kept as the pieces of HTML between the nonce
 * it was rendered with, so serving it joins the pieces with the new nonce. Compressed bytes are
 * kept too: each piece is deflated once with a sync flush (byte-aligned, not final), so a gzip
 * response is the stored deflate pieces with the nonce spliced in as tiny stored blocks, a final
 * empty block, and a CRC-32 over the whole (RFC 1951 §3.2.4, RFC 1952). No per-response compression.
 *
 * Freshness: entries expire after `ttlMs` (seconds, not minutes), and every catalog change
 * empties it within a second: server.js clears it from the outbox poll
 * (app/utils/catalog-version.server.ts); the TTL bounds what the poll can still miss (a commit
 * more than 1,000 job ids late).
 */
import zlib from 'node:zlib';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { localeFromHeaders } from './locale.server';

/** Paths whose HTML is the same for every anonymous visitor (given path, query and locale). */
const CACHEABLE_PATHS = [/^\/$/, /^\/products\/[^/]+$/, /^\/search$/, /^\/gi(?:\/[^/]+)?$/, /^\/cooperatives\/[^/]+$/, /^\/(?:privacy|terms)$/];
/** Cookies that make a visitor not anonymous: the session and the guest cart (plain and __Host-). */
const PERSONAL_COOKIE = /(?:^|;\s*)(?:__Host-)?(?:session|cart)=/;
/** Response headers that belong to one response, never to a stored page. */
const NOT_STORED = new Set(['content-length', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive', 'date', 'content-security-policy', 'set-cookie', 'x-request-id']);

export interface PageCacheOptions {
  /** The Remix handler for a cache miss (it receives this response's nonce through its load context). */
  render: (request: Request, nonce: string) => Promise<Response>;
  ttlMs?: number;
  maxEntries?: number;
  maxBytes?: number;
  now?: () => number;
  /**
   * Express middleware that compresses what a miss sends when it is not a stored page (a 404, a
   * redirect): server.js puts the page cache before its compression, so hits skip it.
   */
  compressMiss?: (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;
}

interface Entry {
  /** The HTML between occurrences of the nonce it was rendered with. */
  pieces: Buffer[];
  /** Each piece raw-deflated with a sync flush. */
  deflated: Buffer[];
  headers: [string, string][];
  storedAt: number;
  bytes: number;
}

export type CacheStatus = 'hit' | 'miss' | 'bypass';

export interface PageCache {
  /** Express middleware: answers cacheable requests, passes the rest on with `X-Page-Cache: bypass`. */
  middleware(req: IncomingMessage & { method: string; originalUrl?: string; url?: string }, res: ServerResponse & { locals: Record<string, unknown> }, next: (err?: unknown) => void): void;
  clear(): void;
  stats(): { entries: number; bytes: number; hits: number; misses: number; bypasses: number };
}

/** Whether a request may be answered from (and stored into) the cache. */
export function isCacheableRequest(method: string, pathname: string, headers: IncomingHttpHeaders): boolean {
  if (method !== 'GET') return false;
  if (!CACHEABLE_PATHS.some((p) => p.test(pathname))) return false;
  const cookie = headers.cookie ?? '';
  if (cookie && PERSONAL_COOKIE.test(cookie)) return false;
  // Single-fetch data requests (`/products/x.data`) are not pages.
  if (pathname.endsWith('.data')) return false;
  return true;
}

/** A stored deflate block holding `data` (≤ 65535 bytes), not final; the stream is byte-aligned after a sync flush. */
function storedBlock(data: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header[0] = 0x00;
  header.writeUInt16LE(data.length, 1);
  header.writeUInt16LE(~data.length & 0xffff, 3);
  return Buffer.concat([header, data]);
}

const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);
/** A final, empty stored block: ends the deflate stream. */
const FINAL_BLOCK = Buffer.from([0x01, 0x00, 0x00, 0xff, 0xff]);

/** The gzip member of the pieces joined by `nonce`, from the pieces' stored deflate bytes. */
export function gzipWithNonce(entry: Pick<Entry, 'pieces' | 'deflated'>, nonce: string): Buffer {
  const nonceBytes = Buffer.from(nonce, 'utf8');
  const nonceBlock = storedBlock(nonceBytes);
  const parts: Buffer[] = [GZIP_HEADER];
  let crc = 0;
  let size = 0;
  entry.pieces.forEach((piece, i) => {
    if (i > 0) {
      parts.push(nonceBlock);
      crc = zlib.crc32(nonceBytes, crc);
      size += nonceBytes.length;
    }
    parts.push(entry.deflated[i]!);
    // (Node 20's crc32 returns 0, not the running value, for a buffer over an empty ArrayBuffer.)
    if (piece.length > 0) crc = zlib.crc32(piece, crc);
    size += piece.length;
  });
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(size >>> 0, 4);
  parts.push(FINAL_BLOCK, trailer);
  return Buffer.concat(parts);
}

export function toEntry(html: string, nonce: string, headers: [string, string][], storedAt: number): Entry {
  const pieces = (nonce ? html.split(nonce) : [html]).map((p) => Buffer.from(p, 'utf8'));
  const deflated = pieces.map((p) => zlib.deflateRawSync(p, { finishFlush: zlib.constants.Z_SYNC_FLUSH }));
  const bytes = pieces.reduce((n, p) => n + p.length, 0) + deflated.reduce((n, p) => n + p.length, 0);
  return { pieces, deflated, headers, storedAt, bytes };
}

function acceptsGzip(headers: IncomingHttpHeaders): boolean {
  const accept = headers['accept-encoding'];
  if (typeof accept !== 'string') return false;
  return accept.split(',').some((part) => {
    const [coding, ...params] = part.trim().split(';');
    if (coding?.trim().toLowerCase() !== 'gzip') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return !q || Number(q.slice(2)) > 0;
  });
}

function requestFrom(req: IncomingMessage & { originalUrl?: string }): Request {
  const host = req.headers.host ?? 'localhost';
  const protocol = (req as { protocol?: string }).protocol ?? 'http';
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return new Request(`${protocol}://${host}${req.originalUrl ?? req.url ?? '/'}`, { method: 'GET', headers });
}

export function createPageCache(options: PageCacheOptions): PageCache {
  const { render } = options;
  const ttlMs = options.ttlMs ?? 10_000;
  const maxEntries = options.maxEntries ?? 2_000;
  const maxBytes = options.maxBytes ?? 64 * 2 ** 20;
  const now = options.now ?? Date.now;

  const entries = new Map<string, Entry>();
  const pending = new Map<string, Promise<Entry | null>>();
  let bytes = 0;
  let hits = 0;
  let misses = 0;
  let bypasses = 0;
  let generation = 0;

  function clear() {
    entries.clear();
    bytes = 0;
    generation += 1;
  }

  function store(key: string, entry: Entry) {
    const old = entries.get(key);
    if (old) bytes -= old.bytes;
    entries.set(key, entry);
    bytes += entry.bytes;
    for (const [k, e] of entries) {
      if (entries.size <= maxEntries && bytes <= maxBytes) break;
      entries.delete(k);
      bytes -= e.bytes;
    }
  }

  function fresh(key: string): Entry | undefined {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (now() - entry.storedAt >= ttlMs) {
      entries.delete(key);
      bytes -= entry.bytes;
      return undefined;
    }
    // Least recently used goes first: move this one to the end.
    entries.delete(key);
    entries.set(key, entry);
    return entry;
  }

  /** Renders a miss; stores it when it is a page every anonymous visitor may get. */
  async function fill(key: string, request: Request, nonce: string): Promise<{ entry: Entry | null; response?: Response; body?: string }> {
    const started = generation;
    const response = await render(request, nonce);
    const contentType = response.headers.get('content-type') ?? '';
    if (response.status !== 200 || !contentType.startsWith('text/html') || response.headers.has('set-cookie')) {
      return { entry: null, response };
    }
    const body = await response.text();
    const headers: [string, string][] = [];
    response.headers.forEach((value, name) => {
      if (!NOT_STORED.has(name.toLowerCase())) headers.push([name, value]);
    });
    const entry = toEntry(body, nonce, headers, now());
    // A catalog change while this page rendered may not be in it: serve it, but do not keep it.
    if (generation === started) store(key, entry);
    return { entry, body };
  }

  function send(res: ServerResponse, headers: IncomingHttpHeaders, entry: Entry, nonce: string, status: CacheStatus) {
    res.statusCode = 200;
    for (const [name, value] of entry.headers) res.setHeader(name, value);
    res.setHeader('X-Page-Cache', status);
    res.setHeader('Vary', 'Accept-Encoding, Cookie, Accept-Language');
    // The page carries a nonce meant for this response only: no shared or browser cache may reuse it.
    res.setHeader('Cache-Control', 'private, no-store');
    let body: Buffer;
    if (acceptsGzip(headers)) {
      body = gzipWithNonce(entry, nonce);
      res.setHeader('Content-Encoding', 'gzip');
    } else {
      const nonceBytes = Buffer.from(nonce, 'utf8');
      body = Buffer.concat(entry.pieces.flatMap((piece, i) => (i === 0 ? [piece] : [nonceBytes, piece])));
    }
    res.setHeader('Content-Length', body.length);
    res.end(body);
  }

  async function sendResponse(res: ServerResponse, response: Response, status: CacheStatus) {
    res.statusCode = response.status;
    response.headers.forEach((value, name) => {
      if (name.toLowerCase() !== 'set-cookie') res.setHeader(name, value);
    });
    const cookies = response.headers.getSetCookie();
    if (cookies.length > 0) res.setHeader('Set-Cookie', cookies);
    res.setHeader('X-Page-Cache', status);
    res.end(Buffer.from(await response.arrayBuffer()));
  }

  return {
    middleware(req, res, next) {
      const pathname = (req.originalUrl ?? req.url ?? '/').split('?')[0]!;
      const nonce = typeof res.locals.cspNonce === 'string' ? res.locals.cspNonce : '';
      if (!nonce || !isCacheableRequest(req.method, pathname, req.headers)) {
        if (req.method === 'GET' || req.method === 'HEAD') res.setHeader('X-Page-Cache', 'bypass');
        bypasses += 1;
        next();
        return;
      }
      // The locale (from the lng cookie or Accept-Language) is part of the key; other cookies are not.
      const acceptLanguage = req.headers['accept-language'];
      const key = `${localeFromHeaders(req.headers.cookie, Array.isArray(acceptLanguage) ? acceptLanguage[0] : acceptLanguage)} ${req.originalUrl ?? req.url}`;
      const entry = fresh(key);
      if (entry) {
        hits += 1;
        send(res, req.headers, entry, nonce, 'hit');
        return;
      }
      misses += 1;
      if (options.compressMiss) options.compressMiss(req, res, (error) => (error ? next(error) : serveMiss(req, res, next, key, nonce)));
      else serveMiss(req, res, next, key, nonce);
    },
    clear,
    stats: () => ({ entries: entries.size, bytes, hits, misses, bypasses }),
  };

  /** A miss: render (once for concurrent requests of one key), store when it may be, send. */
  function serveMiss(req: IncomingMessage & { originalUrl?: string; url?: string }, res: ServerResponse, next: (err?: unknown) => void, key: string, nonce: string) {
    const request = requestFrom(req);
    const inFlight = pending.get(key);
    const work = inFlight
      ? inFlight.then((e) => (e ? { entry: e } : fill(key, request, nonce)))
      : fill(key, request, nonce);
    if (!inFlight) {
      const shared = work.then((r) => r.entry).catch(() => null);
      pending.set(key, shared);
      void shared.finally(() => pending.delete(key));
    }
    work
      .then(async ({ entry: filled, response }) => {
        if (filled) send(res, req.headers, filled, nonce, 'miss');
        else if (response) await sendResponse(res, response, 'miss');
        else next();
      })
      .catch(next);
  }
}
