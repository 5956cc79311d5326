import { describe, expect, it } from 'vitest';
import { currentRequestId, loggablePath, requestIdFrom, runWithRequestId } from '~/utils/request-context.server';

describe('request context', () => {
  it('keeps secrets of reset and invitation links out of logged paths', () => {
    expect(loggablePath('/reset-password/SECRET-RESET-TOKEN-abc123')).toBe('/reset-password/:token');
    expect(loggablePath('/invitations/SECRET-abc/accept')).toBe('/invitations/:token/accept');
    expect(loggablePath('/products/zigui-qicheng-5kg-gift-box')).toBe('/products/zigui-qicheng-5kg-gift-box');
  });

  it('keeps a well-formed request id and replaces anything else', () => {
    expect(requestIdFrom('abcdef12-proxy')).toBe('abcdef12-proxy');
    expect(requestIdFrom(['abcdef12-proxy', 'x'])).toBe('abcdef12-proxy');
    for (const bad of [undefined, '', 'short', '<script>alert(1)</script>', 'a'.repeat(65), 'id with spaces']) {
      expect(requestIdFrom(bad)).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('names the request for everything run inside it, across awaits', async () => {
    expect(currentRequestId()).toBeUndefined();
    const seen = await runWithRequestId('request-0001', async () => {
      await new Promise((r) => setTimeout(r, 5));
      return currentRequestId();
    });
    expect(seen).toBe('request-0001');
    expect(currentRequestId()).toBeUndefined();
  });
});
