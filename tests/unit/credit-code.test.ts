import { describe, expect, it } from 'vitest';
import { isValidCreditCode, withCheckCharacter } from '~/utils/credit-code';

// Codes large companies publish on their own sites and in filings (华为、腾讯、小米).
const PUBLISHED = ['914403001922038216', '9144030071526726XG', '91110108551385082Q'];

describe('unified social credit code', () => {
  it('accepts codes that companies publish', () => {
    for (const code of PUBLISHED) expect(isValidCreditCode(code), code).toBe(true);
  });

  it('computes the same check character those codes carry', () => {
    for (const code of PUBLISHED) expect(withCheckCharacter(code.slice(0, 17))).toBe(code);
  });

  it('makes valid codes for a farmers’ cooperative (93) in 秭归县', () => {
    const code = withCheckCharacter('93420527MA0000001');
    expect(code).toHaveLength(18);
    expect(isValidCreditCode(code)).toBe(true);
  });

  it('maps a remainder of zero to the check character 0', () => {
    // Search the 17-character bodies until one sums to a multiple of 31: 31 - 0 must become 0, not 'Y'.
    let found: string | undefined;
    for (let n = 0; n < 1000 && !found; n++) {
      const code = withCheckCharacter(`93420527MA${String(n).padStart(7, '0')}`);
      if (code.endsWith('0')) found = code;
    }
    expect(found).toBeDefined();
    expect(isValidCreditCode(found!)).toBe(true);
  });

  it('rejects a code with one character changed', () => {
    const code = PUBLISHED[0]!;
    for (let i = 0; i < 17; i++) {
      const replacement = code[i] === '1' ? '2' : '1';
      const corrupted = code.slice(0, i) + replacement + code.slice(i + 1);
      // Changing the first character to 1 keeps the shape, so only the check can catch it.
      expect(isValidCreditCode(corrupted), corrupted).toBe(false);
    }
  });

  it('rejects two swapped neighbouring characters', () => {
    expect(isValidCreditCode('9144030019220382' + '61')).toBe(false);
    expect(isValidCreditCode('194403001922038216')).toBe(false);
  });

  it('rejects a wrong check character', () => {
    expect(isValidCreditCode('914403001922038217')).toBe(false);
    expect(isValidCreditCode('9144030071526726X0')).toBe(false);
  });

  it('rejects wrong length, lower case and letters outside the alphabet', () => {
    expect(isValidCreditCode('')).toBe(false);
    expect(isValidCreditCode('91440300192203821')).toBe(false);
    expect(isValidCreditCode('9144030019220382160')).toBe(false);
    expect(isValidCreditCode('9144030071526726xg')).toBe(false);
    // I, O, S, V, Z are not in the standard's alphabet, wherever they appear.
    for (const letter of 'IOSVZ') expect(isValidCreditCode(`9144030071526726X${letter}`)).toBe(false);
  });

  it('rejects an unknown registration authority even when the check matches', () => {
    expect(isValidCreditCode(withCheckCharacter('B1440300192203821'))).toBe(false);
    expect(isValidCreditCode(withCheckCharacter('01440300192203821'))).toBe(false);
  });

  it('rejects a region part that is not six digits', () => {
    expect(isValidCreditCode(withCheckCharacter('9144A300192203821'))).toBe(false);
    expect(isValidCreditCode(withCheckCharacter('91040300192203821'))).toBe(false);
  });

  it('refuses to complete a body of the wrong length or alphabet', () => {
    expect(() => withCheckCharacter('9342052700000001')).toThrow();
    expect(() => withCheckCharacter('93420527OA0000001')).toThrow();
  });
});
