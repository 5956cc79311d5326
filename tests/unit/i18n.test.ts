/**
 * Every translation key exists in both languages, and every key the code uses literally
 * (t('key') / t('ns:key') / i18nKey="…") exists — a missing key fails here, not in front of a buyer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NAMESPACES, resources } from '~/locales';
import { createI18n } from '~/utils/i18n';

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : flatten(v, `${prefix}${k}.`)));
}

const PLURAL = /_(zero|one|two|few|many|other)$/;
const base = (key: string) => key.replace(PLURAL, '');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return /\.(tsx?|jsx?)$/.test(e.name) ? [full] : [];
  });
}

describe('translations', () => {
  for (const ns of NAMESPACES) {
    it(`has the same keys in zh-CN and en for the "${ns}" namespace`, () => {
      const zh = new Set(flatten(resources['zh-CN'][ns] as Tree).map(base));
      const en = new Set(flatten(resources.en[ns] as Tree).map(base));
      expect([...zh].filter((k) => !en.has(k)), 'missing in en').toEqual([]);
      expect([...en].filter((k) => !zh.has(k)), 'missing in zh-CN').toEqual([]);
    });
  }

  it('has every key the code uses', () => {
    const used = new Map<string, string>();
    const pattern = /\bt\(\s*['"]([\w.:-]+)['"]|i18nKey=["']([\w.:-]+)["']/g;
    for (const file of sourceFiles(path.resolve('app'))) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(pattern)) used.set(m[1] ?? m[2]!, path.relative(process.cwd(), file));
    }
    expect(used.size).toBeGreaterThan(10);
    const missing: string[] = [];
    for (const lang of ['zh-CN', 'en'] as const) {
      const keys = new Set(NAMESPACES.flatMap((ns) => flatten(resources[lang][ns] as Tree).map((k) => `${ns}:${base(k)}`)));
      for (const [key, file] of used) {
        const full = key.includes(':') ? key : `common:${key}`;
        // a key used as a prefix of a nested object (t('errors.notFound') + '.title') is not literal use
        if (!keys.has(full)) missing.push(`${lang} ${full} (${file})`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('renders Chinese by default and English on request, with plurals', () => {
    expect(createI18n('zh-CN').t('zone.title')).toBe('抗疫地标产品专区');
    expect(createI18n('en').t('zone.productCount', { count: 1 })).toBe('1 product');
    expect(createI18n('en').t('zone.productCount', { count: 3 })).toBe('3 products');
  });
});
