/**
 * The outbox and job runner. A job row is written in the same transaction as the change that
 * causes it (pass the transaction as `db`), so a rolled-back change never runs its job.
 */
import { jobs } from '~/db/schema';
import type { Db } from './db.server';

export interface NewJob {
  kind: string;
  payload?: unknown;
  runAt?: Date;
  maxAttempts?: number;
}

export async function enqueueJob(db: Db, job: NewJob): Promise<number> {
  const [row] = await db
    .insert(jobs)
    .values({ kind: job.kind, payload: job.payload ?? {}, runAt: job.runAt ?? new Date(), maxAttempts: job.maxAttempts ?? 8 })
    .returning({ id: jobs.id });
  return row!.id;
}
