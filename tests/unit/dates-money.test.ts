import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chinaDate, daysUntil } from '~/utils/dates';
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

describe('chinaDate', () => {
  it("gives China's calendar day, which starts at 16:00 UTC", () => {
    expect(chinaDate(new Date('2020-02-13T15:59:59.999Z'))).toBe('2020-02-13');
    expect(chinaDate(new Date('2020-02-13T16:00:00Z'))).toBe('2020-02-14');
    expect(chinaDate(new Date('2020-12-31T16:00:00Z'))).toBe('2021-01-01');
    expect(chinaDate(new Date('2020-02-28T16:30:00Z'))).toBe('2020-02-29');
  });

  it('agrees with the time-zone database for any instant since China stopped daylight saving (1991)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1992-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }), (date) => {
        expect(chinaDate(date)).toBe(date.toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' }));
      }),
      { seed: 20200214, numRuns: 2000 },
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
