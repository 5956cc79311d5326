import i18next from 'i18next';
import { describe, expect, it, vi } from 'vitest';
import { memoizedT } from '~/utils/use-translation';

async function instance() {
  const i18n = i18next.createInstance();
  await i18n.init({
    lng: 'en',
    resources: {
      en: {
        common: {
          hello: 'Hello',
          greet: 'Hello {{name}}',
          days_one: '{{count}} day left',
          days_other: '{{count}} days left',
          list: ['a', 'b'],
        },
      },
    },
    defaultNS: 'common',
    interpolation: { escapeValue: false },
    appendNamespaceToMissingKey: true,
  });
  return i18n;
}

describe("the server's remembering t()", () => {
  it('gives what i18next gives, for plain keys, interpolation, plurals and missing keys', async () => {
    const i18n = await instance();
    const t = memoizedT(i18n);
    for (let round = 0; round < 2; round += 1) {
      expect(t('hello')).toBe('Hello');
      expect(t('greet', { name: 'Ann' })).toBe('Hello Ann');
      expect(t('greet', { name: 'Bo' })).toBe('Hello Bo');
      expect(t('days', { count: 1 })).toBe('1 day left');
      expect(t('days', { count: 12 })).toBe('12 days left');
      expect(t('nope')).toBe('common:nope');
    }
  });

  it('asks i18next once per key and options, and every time for options it cannot key', async () => {
    const i18n = await instance();
    const spy = vi.spyOn(i18n, 't');
    const t = memoizedT(i18n);
    t('hello');
    t('hello');
    t('days', { count: 3 });
    t('days', { count: 3 });
    t('days', { count: 4 });
    expect(spy).toHaveBeenCalledTimes(3);
    const nested = { name: 'x', extra: { deep: true } };
    expect(t('greet', nested as never)).toBe('Hello x');
    expect(t('greet', nested as never)).toBe('Hello x');
    expect(spy).toHaveBeenCalledTimes(5);
  });

  it('does not keep what is not a string (returnObjects)', async () => {
    const i18n = await instance();
    const t = memoizedT(i18n);
    const first = t('list', { returnObjects: true }) as unknown as string[];
    expect(first).toEqual(['a', 'b']);
    expect(t('list', { returnObjects: true })).not.toBe(first);
  });
});
