/**
 * What a new password must be (NIST SP 800-63B §5.1.1.2): 8 to 128 characters, not on a list of
 * common or breached passwords, not the person's own mobile number or e-mail. No composition
 * rules. The list is the one zxcvbn-ts ships (@zxcvbn-ts/language-common, about 49 000 entries).
 */
import { dictionary } from '@zxcvbn-ts/language-common';
import { z } from 'zod';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/** Error messages are i18n keys; the form components translate them. */
export const PASSWORD_ERRORS = {
  required: 'auth:errors.passwordRequired',
  tooShort: 'auth:errors.passwordTooShort',
  tooLong: 'auth:errors.passwordTooLong',
  common: 'auth:errors.passwordCommon',
  sameAsAccount: 'auth:errors.passwordSameAsAccount',
  mismatch: 'auth:errors.passwordMismatch',
} as const;

let commonPasswords: Set<string> | undefined;

/** True when the password is on the common-password list, ignoring case. */
export function isCommonPassword(password: string): boolean {
  commonPasswords ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  return commonPasswords.has(password.toLowerCase());
}

/** True when the password is the person's own mobile number or e-mail address. */
export function isPasswordSameAsAccount(password: string, account: { email?: string | null; mobile?: string | null }): boolean {
  const candidate = password.trim().toLowerCase();
  return [account.email, account.mobile].some((value) => Boolean(value) && value!.trim().toLowerCase() === candidate);
}

/** A new password field: length and the common-password list. */
export const newPasswordSchema = z
  .string({ required_error: PASSWORD_ERRORS.required })
  .min(PASSWORD_MIN_LENGTH, PASSWORD_ERRORS.tooShort)
  .max(PASSWORD_MAX_LENGTH, PASSWORD_ERRORS.tooLong)
  .refine((password) => !isCommonPassword(password), PASSWORD_ERRORS.common);

/**
 * The checks that need the rest of the form or the account: the confirmation matches, and the
 * password is not the person's mobile or e-mail. For `superRefine` on the form's object schema.
 */
export function checkNewPassword(
  ctx: z.RefinementCtx,
  { password, confirmPassword, passwordField = 'password', confirmField = 'confirmPassword', account }: {
    password?: string;
    confirmPassword?: string;
    passwordField?: string;
    confirmField?: string;
    account: { email?: string | null; mobile?: string | null };
  },
): void {
  if (password === undefined) return;
  if (isPasswordSameAsAccount(password, account)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: [passwordField], message: PASSWORD_ERRORS.sameAsAccount });
  }
  if (confirmPassword !== password) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: [confirmField], message: PASSWORD_ERRORS.mismatch });
  }
}
