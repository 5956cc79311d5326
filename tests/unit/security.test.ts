import { describe, expect, it } from 'vitest';
import { createNonce, isCrossSiteRequest } from '~/utils/security.server';

const base = { method: 'POST', path: '/login', host: 'shop.example', protocol: 'https' };

describe('cross-site request check', () => {
  it('lets safe methods through whatever their origin', () => {
    expect(isCrossSiteRequest({ ...base, method: 'GET', headers: { 'sec-fetch-site': 'cross-site' } })).toBe(false);
  });

  it('refuses state-changing requests a browser marks as cross-site or same-site', () => {
    expect(isCrossSiteRequest({ ...base, headers: { 'sec-fetch-site': 'cross-site' } })).toBe(true);
    expect(isCrossSiteRequest({ ...base, headers: { 'sec-fetch-site': 'same-site' } })).toBe(true);
    expect(isCrossSiteRequest({ ...base, headers: { 'sec-fetch-site': 'same-origin' } })).toBe(false);
  });

  it('falls back to Origin when Sec-Fetch-Site is absent', () => {
    expect(isCrossSiteRequest({ ...base, headers: { origin: 'https://evil.example' } })).toBe(true);
    expect(isCrossSiteRequest({ ...base, headers: { origin: 'null' } })).toBe(true);
    expect(isCrossSiteRequest({ ...base, headers: { origin: 'https://shop.example' } })).toBe(false);
  });

  it('exempts the Stripe webhook, which proves itself by signature', () => {
    expect(isCrossSiteRequest({ ...base, path: '/webhooks/stripe', headers: { 'sec-fetch-site': 'cross-site' } })).toBe(false);
  });
});

describe('CSP nonces', () => {
  it('are 16 random bytes in base64, never repeated, also across refills of their random pool', () => {
    const nonces = Array.from({ length: 2_000 }, () => createNonce());
    for (const nonce of nonces) {
      expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(Buffer.from(nonce, 'base64')).toHaveLength(16);
    }
    expect(new Set(nonces).size).toBe(nonces.length);
  });
});
