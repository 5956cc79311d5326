/**
 * The Stripe expiry sweeper's job kind and its scheduling, on their own so that the unpaid-orders
 * sweep (orders.server) can hand Stripe orders over without importing the webhook module, which
 * imports orders.server. stripe-webhooks.server re-exports both and holds the handler.
 */
import { and, count, eq, lte } from 'drizzle-orm';
import { jobs } from '~/db/schema';
import type { Db } from '~/utils/db.server';
import { enqueueJob } from '~/utils/jobs.server';

export const STRIPE_SWEEP_JOB = 'payments.stripe-sweep';
export const STRIPE_SWEEP_INTERVAL_MS = 5 * 60 * 1000;

/** Schedules a sweep at `runAt` unless one is already pending by then; pass the transaction as `db`. */
export async function enqueueStripeSweep(db: Db, runAt: Date): Promise<void> {
  const [pending] = await db
    .select({ n: count() })
    .from(jobs)
    .where(and(eq(jobs.kind, STRIPE_SWEEP_JOB), eq(jobs.status, 'pending'), lte(jobs.runAt, new Date(runAt.getTime() + STRIPE_SWEEP_INTERVAL_MS))));
  if (Number(pending?.n ?? 0) === 0) await enqueueJob(db, { kind: STRIPE_SWEEP_JOB, runAt, maxAttempts: 10 });
}
