/**
 * 统一社会信用代码 (unified social credit code), GB 32100-2015: 18 characters —
 * registration authority (1), organisation kind (1), GB/T 2260 region (6),
 * organisation identifier (9), check character (1). No maintained npm package covers it.
 */

// The standard's alphabet leaves out I, O, S, V and Z (easily confused with digits).
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/**
 * Registration authorities (登记管理部门): 1 机构编制, 2 外交, 3 司法行政, 4 文化, 5 民政, 6 旅游,
 * 7 宗教, 8 工会, 9 市场监管（工商）, A 中央军委改革和编制办公室, N 农业, Y 其他.
 */
const AUTHORITIES = '123456789ANY';

const SHAPE = new RegExp(`^[${AUTHORITIES}][${ALPHABET}][1-9]\\d{5}[${ALPHABET}]{10}$`);

function checkCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += ALPHABET.indexOf(first17[i]!) * WEIGHTS[i]!;
  return ALPHABET[(31 - (sum % 31)) % 31]!;
}

/** True when `code` is 18 characters of the standard's shape with a matching check character. */
export function isValidCreditCode(code: string): boolean {
  return SHAPE.test(code) && checkCharacter(code) === code[17];
}

/** Appends the check character to the first 17 characters (upper case, standard alphabet). */
export function withCheckCharacter(first17: string): string {
  if (!new RegExp(`^[${ALPHABET}]{17}$`).test(first17)) {
    throw new Error(`Not 17 characters of the credit code alphabet: ${first17}`);
  }
  return first17 + checkCharacter(first17);
}
