import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import enAuth from '~/locales/en/auth.json';
import zhAuth from '~/locales/zh-CN/auth.json';
import { hashPassword, verifyPassword } from '~/utils/password.server';
import {
  checkNewPassword,
  isCommonPassword,
  isPasswordSameAsAccount,
  newPasswordSchema,
  PASSWORD_ERRORS,
  PASSWORD_MAX_LENGTH,
} from '~/utils/password-policy.server';

const account = { email: 'Farmer.Li@Example.com', mobile: '13812345678' };

const formSchema = z
  .object({ password: newPasswordSchema, confirmPassword: z.string().optional() })
  .superRefine((value, ctx) => checkNewPassword(ctx, { ...value, account }));

function errorsFor(password: string, confirmPassword = password) {
  const result = formSchema.safeParse({ password, confirmPassword });
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('password policy', () => {
  it('accepts a long uncommon passphrase', () => {
    expect(errorsFor('恩施玉露 and 武当道茶 at dawn')).toEqual([]);
  });

  it('refuses fewer than 8 characters and more than 128', () => {
    expect(errorsFor('x7#Kq2!')).toEqual([`password: ${PASSWORD_ERRORS.tooShort}`]);
    expect(errorsFor('z'.repeat(PASSWORD_MAX_LENGTH + 1))).toEqual([`password: ${PASSWORD_ERRORS.tooLong}`]);
    expect(errorsFor(`${'zq'.repeat(PASSWORD_MAX_LENGTH / 2 - 1)}ok`)).toEqual([]);
  });

  it('refuses passwords on the common-password list, ignoring case', () => {
    for (const password of ['password', 'PASSWORD1', 'qwerty123', '12345678', 'Iloveyou1']) {
      expect(isCommonPassword(password), password).toBe(true);
    }
    expect(isCommonPassword('秭归脐橙真好吃啊')).toBe(false);
    expect(errorsFor('Password1')).toEqual([`password: ${PASSWORD_ERRORS.common}`]);
  });

  it('refuses the person’s own mobile number or e-mail as the password', () => {
    expect(isPasswordSameAsAccount('13812345678', account)).toBe(true);
    expect(isPasswordSameAsAccount('farmer.li@example.COM', account)).toBe(true);
    expect(isPasswordSameAsAccount('farmer.li@example.co', account)).toBe(false);
    expect(errorsFor('13812345678')).toEqual([`password: ${PASSWORD_ERRORS.sameAsAccount}`]);
  });

  it('refuses a confirmation that does not match', () => {
    expect(errorsFor('恩施玉露 and 武当道茶 at dawn', '恩施玉露 and 武当道茶 at dusk')).toEqual([`confirmPassword: ${PASSWORD_ERRORS.mismatch}`]);
  });

  it('has a translation for every message in both languages', () => {
    for (const key of Object.values(PASSWORD_ERRORS)) {
      const [, path] = key.split(':') as [string, string];
      const [group, name] = path.split('.') as [keyof typeof zhAuth, string];
      expect((zhAuth[group] as Record<string, string>)[name], key).toBeTruthy();
      expect((enAuth[group] as Record<string, string>)[name], key).toBeTruthy();
    }
  });
});

describe('password hashing', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('uses argon2id with the OWASP parameters (19 MiB, 2 passes, 1 lane) in production', async () => {
    vi.stubEnv('PASSWORD_HASH_COST', '');
    const hash = await hashPassword('秭归脐橙 tastes best in spring');
    expect(hash.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true);
    expect(await verifyPassword(hash, '秭归脐橙 tastes best in spring')).toBe(true);
    expect(await verifyPassword(hash, '秭归脐橙 tastes best in summer')).toBe(false);
  });
});
