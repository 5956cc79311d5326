import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { daysUntil } from '~/utils/dates';
import { formatFen } from '~/utils/money';

describe('daysUntil (China time)', () => {
  it('counts from the Chinese day of now, whatever the hour', () => {
    // 2026-11-27 23:30 in China is still the 27th; 00:30 on the 28th is the next day.
    expect(daysUntil('2026-11-28', new Date('2026-11-27T15:30:00Z'))).toBe(1);
    expect(daysUntil('2026-11-28', new Date('2026-11-27T16:30:00Z'))).toBe(0);
    expect(daysUntil('2026-11-27', new Date('2026-11-27T16:30:00Z'))).toBe(-1);
    expect(daysUntil('2027-01-01', new Date('2026-12-31T16:00:00Z'))).toBe(0);
  });

  it('agrees with the calendar of the Asia/Shanghai time zone for any instant', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }), fc.integer({ min: -400, max: 400 }), (now, offset) => {
        const today = now.toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
        const target = new Date(Date.parse(`${today}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10);
        expect(daysUntil(target, now)).toBe(offset);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('formatFen', () => {
  it('formats fen as yuan in each language, with one formatter reused per language', () => {
    expect(formatFen(12_950)).toBe('¥129.50');
    expect(formatFen(12_950, 'en')).toBe('CN¥129.50');
    expect(formatFen(5, 'zh-CN')).toBe('¥0.05');
    expect(formatFen(12_950)).toBe('¥129.50');
  });
});
