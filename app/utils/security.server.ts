/**
 * Security headers and cross-site request checks, applied by server.js to every response.
 * helmet sets the headers; the CSP carries a fresh nonce per response for Remix's inline scripts.
 */
import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import helmet from 'helmet';

export function createNonce(): string {
  // 16 random bytes per nonce, drawn from a buffer refilled 256 nonces at a time (one call into
  // the CSPRNG instead of one per response: ≈1 % of a cached page's CPU).
  if (noncePoolOffset + NONCE_BYTES > noncePool.length) {
    noncePool = crypto.randomBytes(NONCE_BYTES * 256);
    noncePoolOffset = 0;
  }
  const nonce = noncePool.toString('base64', noncePoolOffset, noncePoolOffset + NONCE_BYTES);
  noncePoolOffset += NONCE_BYTES;
  return nonce;
}

const NONCE_BYTES = 16;
let noncePool = Buffer.alloc(0);
let noncePoolOffset = 0;

/** Express middleware: a nonce in res.locals.cspNonce, then helmet's headers with it. */
export function securityHeaders() {
  const headers = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'", (_req, res) => `'nonce-${(res as unknown as { locals: { cspNonce: string } }).locals.cspNonce}'`],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:', 'blob:'],
        'font-src': ["'self'"],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'none'"],
        'frame-ancestors': ["'none'"],
        // Checkout redirects the buyer's form post on to Stripe Checkout.
        'form-action': ["'self'", 'https://checkout.stripe.com'],
      },
    },
    // HSTS only over HTTPS (set below); over plain http it means nothing and misleads.
    strictTransportSecurity: false,
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    xFrameOptions: { action: 'deny' },
  });
  return (req: { secure: boolean }, res: { locals: Record<string, unknown>; setHeader(n: string, v: string): void }, next: (err?: unknown) => void) => {
    res.locals.cspNonce = createNonce();
    if (req.secure) res.setHeader('Strict-Transport-Security', 'max-age=63072000; includeSubDomains');
    res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=(self)');
    (headers as unknown as (a: unknown, b: unknown, c: unknown) => void)(req, res, next);
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Requests that must come from elsewhere and carry their own proof (a signature). */
const CROSS_SITE_EXEMPT = ['/webhooks/stripe'];

/**
 * CSRF defence by origin: a state-changing request is refused unless the browser says it came
 * from our own origin (Sec-Fetch-Site, else Origin). Requests with neither header come from
 * non-browser clients, which cannot carry a victim's cookies, so they pass.
 */
export function isCrossSiteRequest(request: { method: string; path: string; headers: IncomingHttpHeaders; host: string; protocol: string }): boolean {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return false;
  if (CROSS_SITE_EXEMPT.some((p) => request.path === p || request.path.startsWith(`${p}/`))) return false;
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string') return site !== 'same-origin';
  const origin = request.headers.origin;
  if (typeof origin === 'string') {
    if (origin === 'null') return true;
    try {
      return new URL(origin).host !== request.host;
    } catch {
      return true;
    }
  }
  return false;
}
