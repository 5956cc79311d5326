import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  documentTokens,
  escapeHtml,
  highlightTitle,
  pinyinOf,
  queryTokens,
  toTsquery,
  toTsvectorLiteral,
  type FieldClass,
} from '~/utils/search/tokenize';

const zigui = {
  title: '湖北秭归脐橙 新鲜 5kg',
  titleEn: 'Zigui navel oranges',
  giName: '秭归脐橙',
  regionNames: ['湖北省', '宜昌市', '秭归县'],
  cooperativeName: '秭归县屈乡脐橙专业合作社',
  categoryName: '水果',
  description: '长江三峡秭归县的伦晚脐橙，果园直发。',
};

function classOf(tokens: Map<string, FieldClass>, lexeme: string) {
  return tokens.get(lexeme);
}

describe('documentTokens', () => {
  const tokens = documentTokens(zigui);

  it('indexes every 2-character window of a name, so 脐橙 is found inside 秭归脐橙', () => {
    for (const bigram of ['湖北', '北秭', '秭归', '归脐', '脐橙', '新鲜']) expect(classOf(tokens, bigram)).toBe('A');
  });

  it('indexes single characters of names, for one-character words such as 茶 or 梨', () => {
    expect(classOf(tokens, '橙')).toBe('A');
    expect(classOf(tokens, '果')).toBe('D');
  });

  it('indexes full pinyin and initials starting at every character of a title', () => {
    expect(classOf(tokens, 'hubeiziguiqicheng')).toBe('A');
    expect(classOf(tokens, 'ziguiqicheng')).toBe('A');
    expect(classOf(tokens, 'qicheng')).toBe('A');
    expect(classOf(tokens, 'zgqc')).toBe('A');
    expect(classOf(tokens, 'hbzgqc')).toBe('A');
  });

  it('keeps latin words and numbers lower-cased', () => {
    expect(classOf(tokens, '5kg')).toBe('A');
    expect(classOf(tokens, 'navel')).toBe('A');
  });

  it('gives place names the pinyin of the whole name (hubei finds 湖北省) and no single characters', () => {
    expect(classOf(tokens, 'hubeisheng')).toBe('C');
    expect(classOf(tokens, 'hbs')).toBe('C');
    expect(classOf(tokens, 'yichangshi')).toBe('C');
    expect(classOf(tokens, '宜昌')).toBe('C');
    expect(classOf(tokens, '宜')).toBeUndefined();
  });

  it('keeps each lexeme only in the best field it occurs in', () => {
    // 秭归 is in the title, the GI name, the county and the cooperative: it counts as a title word.
    expect(classOf(tokens, '秭归')).toBe('A');
    expect(classOf(tokens, '屈乡')).toBe('C');
    expect(classOf(tokens, '伦晚')).toBe('D');
  });

  it('gives cooperative names and descriptions no pinyin', () => {
    expect(classOf(tokens, 'quxiang')).toBeUndefined();
    expect(classOf(tokens, 'lunwan')).toBeUndefined();
  });

  it('gives the GI name class B when the title does not hold it', () => {
    const lichuan = documentTokens({ title: '利川红 特级 100g', giName: '利川工夫红茶', regionNames: ['湖北省'] });
    expect(classOf(lichuan, '工夫')).toBe('B');
    expect(classOf(lichuan, 'lichuangongfuhongcha')).toBe('B');
    expect(classOf(lichuan, '利川')).toBe('A');
  });

  it('indexes only the opening of a long description', () => {
    const long = documentTokens({ title: '蕲艾', description: `${'艾草'.repeat(100)}结尾词` });
    expect(classOf(long, '艾草')).toBe('D');
    expect(classOf(long, '结尾')).toBeUndefined();
  });
});

describe('toTsvectorLiteral', () => {
  it('writes each lexeme once, marked with the namespace of its class', () => {
    const literal = toTsvectorLiteral(
      new Map<string, FieldClass>([
        ['脐橙', 'A'],
        ['秭归', 'B'],
        ['hubei', 'C'],
        ['果园', 'D'],
      ]),
    );
    expect(literal).toBe("'脐橙' '~秭归' '^hubei' '#果园'");
  });

  it('quotes apostrophes and backslashes', () => {
    expect(toTsvectorLiteral(new Map<string, FieldClass>([["o'k\\", 'A']]))).toBe("'o''k\\\\'");
  });
});

describe('queryTokens', () => {
  it('turns a Chinese word into its bigrams, all required', () => {
    expect(queryTokens('秭归脐橙')).toEqual([{ kind: 'cjk', text: '秭归脐橙', lexemes: ['秭归', '归脐', '脐橙'] }]);
  });

  it('keeps a single character as itself', () => {
    expect(queryTokens('茶')).toEqual([{ kind: 'cjk', text: '茶', lexemes: ['茶'] }]);
  });

  it('splits on spaces and between Chinese and latin: 湖北 茶, 湖北qicheng', () => {
    expect(queryTokens('湖北 茶').map((t) => t.text)).toEqual(['湖北', '茶']);
    expect(queryTokens('湖北qicheng').map((t) => t.text)).toEqual(['湖北', 'qicheng']);
  });

  it('folds full-width letters and case, and reads ü as v', () => {
    expect(queryTokens('ＺＧＱＣ')).toEqual([{ kind: 'latin', text: 'zgqc' }]);
    expect(queryTokens('Lü')).toEqual([{ kind: 'latin', text: 'lv' }]);
  });

  it('drops punctuation, so quotes and operators never reach the tsquery', () => {
    expect(queryTokens("脐橙' | !x & (y) <-> z:*")).toEqual([
      { kind: 'cjk', text: '脐橙', lexemes: ['脐橙'] },
      { kind: 'latin', text: 'x' },
      { kind: 'latin', text: 'y' },
      { kind: 'latin', text: 'z' },
    ]);
  });

  it('caps a pasted paragraph at eight terms', () => {
    expect(queryTokens('a b c d e f g h i j k')).toHaveLength(8);
  });

  it('finds nothing searchable in blank or symbol-only input', () => {
    expect(queryTokens('   ')).toEqual([]);
    expect(toTsquery(queryTokens('！？…'))).toBeNull();
  });
});

describe('toTsquery', () => {
  it('matches a Chinese term in every class up to the one asked for', () => {
    expect(toTsquery(queryTokens('脐橙'), 'A')).toBe("'脐橙'");
    expect(toTsquery(queryTokens('脐橙'), 'B')).toBe("('脐橙' | '~脐橙')");
    expect(toTsquery(queryTokens('脐橙'))).toBe("('脐橙' | '~脐橙' | '^脐橙' | '#脐橙')");
  });

  it('matches pinyin and initials as prefixes', () => {
    expect(toTsquery(queryTokens('zigui'), 'A')).toBe("'zigui':*");
  });

  it('matches a single letter only as a whole word', () => {
    expect(toTsquery(queryTokens('z'), 'A')).toBe("'z'");
  });

  it('requires every term', () => {
    expect(toTsquery(queryTokens('湖北 茶'), 'A')).toBe("'湖北' & '茶'");
  });
});

describe('pinyinOf', () => {
  it('spells a name in full pinyin and initials, reading polyphonic characters in context', () => {
    expect(pinyinOf('秭归脐橙')).toEqual({ full: 'ziguiqicheng', initials: 'zgqc' });
    expect(pinyinOf('长沙').full).toBe('changsha');
  });
});

describe('highlightTitle', () => {
  it('marks a Chinese word where it occurs', () => {
    expect(highlightTitle('湖北秭归脐橙 5kg', '脐橙')).toBe('湖北秭归<mark>脐橙</mark> 5kg');
  });

  it('marks the characters that pinyin or initials spell', () => {
    expect(highlightTitle('湖北秭归脐橙', 'qicheng')).toBe('湖北秭归<mark>脐橙</mark>');
    expect(highlightTitle('湖北秭归脐橙', 'zgqc')).toBe('湖北<mark>秭归脐橙</mark>');
    expect(highlightTitle('湖北秭归脐橙', 'zigui')).toBe('湖北<mark>秭归</mark>脐橙');
  });

  it('marks every term of a mixed query', () => {
    expect(highlightTitle('湖北英山云雾茶', '湖北 茶')).toBe('<mark>湖北</mark>英山云雾<mark>茶</mark>');
  });

  it('escapes the title, so a title never injects markup', () => {
    expect(highlightTitle('<b>脐橙</b> & "礼盒"', '脐橙')).toBe('&lt;b&gt;<mark>脐橙</mark>&lt;/b&gt; &amp; &quot;礼盒&quot;');
  });

  it('always returns the title itself once the marks are taken out', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (title, q) => {
        const html = highlightTitle(title, q);
        const plain = html.replace(/<\/?mark>/g, '');
        expect(plain).toBe(escapeHtml(title));
      }),
    );
  });
});
