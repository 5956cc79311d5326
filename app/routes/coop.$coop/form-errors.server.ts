/** Turns the models' refusals into Conform replies: field errors where a field is at fault. */
import type { Submission } from '@conform-to/react';
import { GiClaimError, giClaimMessageKey } from '~/models/gi-claims.server';
import { productProblemKey, ProductRuleError } from '~/models/products.server';
import { UploadError } from '~/utils/uploads.server';

export interface RefusalReply {
  formErrors: string[];
  fieldErrors: Record<string, string[]>;
}

/**
 * The reply options for a refusal, or null when `error` is not a refusal (rethrow it). Fields
 * the form does not have (`knownFields`) become form errors.
 */
export function refusalReply(error: unknown, knownFields: readonly string[] = []): RefusalReply | null {
  const reply: RefusalReply = { formErrors: [], fieldErrors: {} };
  const add = (field: string | null, message: string) => {
    if (field && knownFields.includes(field)) (reply.fieldErrors[field] ??= []).push(message);
    else reply.formErrors.push(message);
  };
  if (error instanceof GiClaimError) add('giId', giClaimMessageKey(error.reason));
  else if (error instanceof ProductRuleError) for (const p of error.problems) add(p.field, productProblemKey(p.code));
  else if (error instanceof UploadError) add('image', `coop:uploadErrors.${error.code}`);
  else return null;
  return reply;
}

/** submission.reply() for a refusal; rethrows anything else. */
export function replyWithRefusal<T>(submission: Submission<T>, error: unknown, knownFields: readonly string[], hideFields?: string[]) {
  const reply = refusalReply(error, knownFields);
  if (!reply) throw error;
  return submission.reply({ ...reply, hideFields });
}
