/**
 * Conform's parseWithZod, refusing what no form of ours can carry and the database would reject
 * with an error instead of a message: a NUL character in any field, and a parsed whole number
 * outside PostgreSQL's `integer` (every id, count, quantity and fen amount we store is one).
 * Such input is never typed by a person, so the answer is a bare 400, not a form message.
 * Every route imports parseWithZod from here, never from '@conform-to/zod' directly.
 */
import { parseWithZod as conformParseWithZod } from '@conform-to/zod';

const INT4_MAX = 2_147_483_647;
const INT4_MIN = -2_147_483_648;

function badRequest(): Response {
  return new Response('Bad request', { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
}

function hasNul(payload: FormData | URLSearchParams): boolean {
  for (const [name, value] of payload.entries()) {
    if (name.includes('\u0000')) return true;
    if (typeof value === 'string' ? value.includes('\u0000') : value.name.includes('\u0000')) return true;
  }
  return false;
}

function outsideInt4(value: unknown, depth = 0): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && (value > INT4_MAX || value < INT4_MIN);
  if (depth > 5 || value === null || typeof value !== 'object' || value instanceof File || value instanceof Date) return false;
  return Object.values(value).some((v) => outsideInt4(v, depth + 1));
}

function checked<S extends { status?: string }>(submission: S): S {
  if (submission.status === 'success' && outsideInt4((submission as unknown as { value: unknown }).value)) throw badRequest();
  return submission;
}

/** For forms read without parseWithZod: throws the same bare 400 on a NUL character. */
export function refuseNul(payload: FormData | URLSearchParams): FormData | URLSearchParams {
  if (hasNul(payload)) throw badRequest();
  return payload;
}

export const parseWithZod: typeof conformParseWithZod = ((payload: FormData | URLSearchParams, options: Parameters<typeof conformParseWithZod>[1]) => {
  if (hasNul(payload)) throw badRequest();
  const submission = conformParseWithZod(payload, options as never) as unknown as { status?: string } | Promise<{ status?: string }>;
  return submission instanceof Promise ? submission.then(checked) : checked(submission);
}) as typeof conformParseWithZod;
