/** Security headers and the cross-site check, on the real server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './helpers/server';

describe('security headers and cross-site requests', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('sends a CSP with a fresh nonce per response that matches the page’s scripts', async () => {
    const nonces: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${server.url}/`);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("base-uri 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce).toBeTruthy();
      const html = await res.text();
      const scriptNonces = [...html.matchAll(/<script[^>]*nonce="([^"]+)"/g)].map((m) => m[1]);
      expect(scriptNonces.length).toBeGreaterThan(0);
      expect(new Set(scriptNonces)).toEqual(new Set([nonce]));
      // no inline script without the nonce
      expect([...html.matchAll(/<script(?![^>]*\bsrc=)(?![^>]*nonce=)[^>]*>/g)]).toEqual([]);
      nonces.push(nonce!);
    }
    expect(nonces[0]).not.toBe(nonces[1]);
  });

  it('sends nosniff, a referrer policy, COOP, and HSTS only over HTTPS', async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('strict-transport-security')).toBeNull();
    const viaTlsProxy = await fetch(`${server.url}/`, { headers: { 'X-Forwarded-Proto': 'https' } });
    expect(viaTlsProxy.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
  });

  it('refuses a cross-site form post with 403 and accepts a same-origin one', async () => {
    const body = new URLSearchParams({ account: '13800000000', password: 'wrong-password-x' });
    const evil = await fetch(`${server.url}/login`, { method: 'POST', body, headers: { Origin: 'https://evil.example' }, redirect: 'manual' });
    expect(evil.status).toBe(403);
    const crossSite = await fetch(`${server.url}/login`, { method: 'POST', body, headers: { 'Sec-Fetch-Site': 'cross-site' }, redirect: 'manual' });
    expect(crossSite.status).toBe(403);
    const same = await fetch(`${server.url}/login`, { method: 'POST', body, headers: { Origin: server.url.replace('127.0.0.1', '127.0.0.1') }, redirect: 'manual' });
    expect(same.status).not.toBe(403);
  });
});
