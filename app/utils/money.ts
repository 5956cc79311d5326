/** Formats integer fen as yuan for display: 12900 → "¥129.00". */
const yuanFormats = new Map<string, Intl.NumberFormat>();

export function formatFen(fen: number, locale = 'zh-CN'): string {
  // One formatter per language: building one costs far more than formatting (one per price on a page).
  let format = yuanFormats.get(locale);
  if (!format) {
    format = new Intl.NumberFormat(locale, { style: 'currency', currency: 'CNY', minimumFractionDigits: 2 });
    yuanFormats.set(locale, format);
  }
  return format.format(fen / 100);
}

/** Parses a yuan amount typed by a person ("129", "129.5", "129.50") into fen; null if malformed. */
export function parseYuanToFen(input: string): number | null {
  const m = /^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(input);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}
