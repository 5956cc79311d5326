import zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gzipWithNonce, isCacheableRequest, toEntry } from '~/utils/page-cache.server';

describe('page cache: gzip with a spliced-in nonce', () => {
  it('decodes to the stored page with the new nonce in every place of the old one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', maxLength: 3000 }), { minLength: 1, maxLength: 6 }),
        fc.base64String({ minLength: 24, maxLength: 24 }),
        fc.base64String({ minLength: 24, maxLength: 24 }),
        (parts, oldNonce, newNonce) => {
          fc.pre(parts.every((p) => !p.includes(oldNonce)));
          const html = parts.join(oldNonce);
          const entry = toEntry(html, oldNonce, [], 0);
          const gz = gzipWithNonce(entry, newNonce);
          // gunzip checks the CRC-32 and the length in the trailer.
          expect(zlib.gunzipSync(gz).toString('utf8')).toBe(parts.join(newNonce));
        },
      ),
      { numRuns: 300, seed: 20200227 },
    );
  });

  it('compresses a real-sized page', () => {
    const html = `<!DOCTYPE html><html>${'<div class="product-card">秭归脐橙 库存 120</div>'.repeat(400)}<script nonce="NONCE">x</script></html>`;
    const gz = gzipWithNonce(toEntry(html, 'NONCE', [], 0), 'abcdefghijklmnopqrstuvwx');
    expect(gz.length).toBeLessThan(Buffer.byteLength(html) / 10);
    expect(zlib.gunzipSync(gz).toString()).toContain('nonce="abcdefghijklmnopqrstuvwx"');
  });
});

describe('page cache: which requests it may answer', () => {
  it('takes anonymous GETs of catalog pages only', () => {
    expect(isCacheableRequest('GET', '/', {})).toBe(true);
    expect(isCacheableRequest('GET', '/products/zigui-qicheng-5kg-gift-box', { cookie: 'lng=abc' })).toBe(true);
    expect(isCacheableRequest('GET', '/search', {})).toBe(true);
    expect(isCacheableRequest('GET', '/gi/zigui-qicheng', {})).toBe(true);
    expect(isCacheableRequest('POST', '/', {})).toBe(false);
    expect(isCacheableRequest('HEAD', '/', {})).toBe(false);
    expect(isCacheableRequest('GET', '/cart', {})).toBe(false);
    expect(isCacheableRequest('GET', '/orders', {})).toBe(false);
    expect(isCacheableRequest('GET', '/products/x.data', {})).toBe(false);
    expect(isCacheableRequest('GET', '/coop/zigui-chengxiang', {})).toBe(false);
    for (const cookie of ['session=x', '__Host-session=x', 'cart=y', 'lng=a; __Host-cart=y', 'a=b;session=c']) {
      expect(isCacheableRequest('GET', '/', { cookie })).toBe(false);
    }
  });
});
