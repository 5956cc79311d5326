/**
 * Order numbers: the human reference on the order page, in e-mails and on bank transfers, e.g.
 * DB20200214-7Q4KXM. The date is China's calendar day of the checkout; the suffix is random from
 * an alphabet without look-alikes (no 0/O, 1/I/L, U), so it survives being read out on the phone
 * or typed into a bank's remark field. Six characters give about 10⁹ per day; the unique index
 * catches the rare collision and checkout draws again.
 */
import { chinaDate } from '~/utils/dates';

const ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
const SUFFIX_LENGTH = 6;

export const ORDER_NUMBER_PATTERN = /^DB\d{8}-[2-9A-HJKMNP-TV-Z]{6}$/;

export function chinaDateDigits(now: Date): string {
  return chinaDate(now).replaceAll('-', '');
}

/** A fresh order number for a checkout at `now`; `randomBytes` is for tests. */
export function generateOrderNumber(now: Date, randomBytes: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n))): string {
  let suffix = '';
  // Rejection sampling keeps every character equally likely (256 is not a multiple of 30).
  const limit = 256 - (256 % ALPHABET.length);
  while (suffix.length < SUFFIX_LENGTH) {
    for (const byte of randomBytes(SUFFIX_LENGTH * 2)) {
      if (byte < limit && suffix.length < SUFFIX_LENGTH) suffix += ALPHABET[byte % ALPHABET.length];
    }
  }
  return `DB${chinaDateDigits(now)}-${suffix}`;
}

/** Normalizes what a person typed (lower case, spaces, a missing dash) into an order number, or null. */
export function parseOrderNumber(input: string): string | null {
  const compact = input.trim().toUpperCase().replace(/[\s-]/g, '');
  const m = /^DB(\d{8})([2-9A-Z]{6})$/.exec(compact);
  if (!m) return null;
  const candidate = `DB${m[1]}-${m[2]}`;
  return ORDER_NUMBER_PATTERN.test(candidate) ? candidate : null;
}
