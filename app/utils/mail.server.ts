/** E-mail goes through the outbox: `enqueueEmail` in the caller's transaction, sent by the job runner. */
import type { Db } from './db.server';
import { enqueueJob } from './jobs.server';

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export const EMAIL_JOB = 'email.send';

export function enqueueEmail(db: Db, message: EmailMessage): Promise<number> {
  return enqueueJob(db, { kind: EMAIL_JOB, payload: message });
}
