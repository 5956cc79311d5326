import crypto from 'node:crypto';
import { and, eq, isNotNull } from 'drizzle-orm';
import { orders } from '~/db/schema';
import os from 'node:os';
import { REPORT_ESCALATION_JOB, reportEscalationJobHandler } from '~/models/reports.server';
import { pruneGuestCarts } from '~/models/cart.server';
import { EXPIRE_UNPAID_ORDERS_JOB, enqueueUnpaidOrderSweep, expireUnpaidOrdersJobHandler } from '~/models/orders.server';
import { SEARCH_SYNC_JOB, searchSyncJobHandler } from '~/models/search-sync.server';
import { enqueueStripeSweep, STRIPE_SWEEP_JOB, stripeSweepJobHandler } from '~/models/stripe-webhooks.server';
import type { AppContext } from './context.server';
import { createJobRunner, type JobHandler, type JobRunner } from './jobs.server';
import { createMailTransport, EMAIL_JOB, emailJobHandler, type MailTransport } from './mail.server';
import { PAGE_CACHE_PURGE_JOB, pageCachePurgeJobHandler } from './page-cache-purge.server';
import { pruneRateLimits } from './rate-limit.server';
import { pruneExpiredSessions } from './session.server';

export interface BackgroundServices {
  mail: MailTransport;
}

/**
 * Every job kind the app knows, and its handler. A module that enqueues a new kind adds its
 * handler here; a kind missing from this map goes dead when claimed.
 */
export function jobHandlers(app: AppContext, services: BackgroundServices): Record<string, JobHandler> {
  return {
    [EMAIL_JOB]: emailJobHandler(services.mail, app.env.MAIL_FROM),
    [SEARCH_SYNC_JOB]: searchSyncJobHandler(app.meilisearch),
    [PAGE_CACHE_PURGE_JOB]: pageCachePurgeJobHandler,
    [EXPIRE_UNPAID_ORDERS_JOB]: expireUnpaidOrdersJobHandler,
    [STRIPE_SWEEP_JOB]: stripeSweepJobHandler(app.payments),
    [REPORT_ESCALATION_JOB]: reportEscalationJobHandler({
      ackTargetHours: app.env.REPORT_ACK_TARGET_HOURS,
      baseUrl: app.env.PUBLIC_URL ?? `http://localhost:${app.env.PORT}`,
    }),
  };
}

export interface BackgroundWork {
  /** Runs even when JOBS_IN_PROCESS is false (then nothing polls it), so scripts and tests can call `runDue()`. */
  runner: JobRunner;
  stop(): Promise<void>;
}

/** Starts the in-process work of one app instance: the job runner, when JOBS_IN_PROCESS is true. */
export async function startBackgroundWork(app: AppContext): Promise<BackgroundWork> {
  const mail = createMailTransport(app.env);
  const runner = createJobRunner({
    db: app.db,
    handlers: jobHandlers(app, { mail }),
    // Two app instances may share one process (tests do), so the pid alone does not name a worker.
    workerId: `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`,
    now: app.now,
    logger: app.logger,
  });
  // The sweeps reschedule themselves; one at start covers deadlines that passed while no
  // instance was running.
  const [unpaid] = await app.db
    .select({ id: orders.id })
    .from(orders)
    .where(and(eq(orders.status, 'pending_payment'), isNotNull(orders.paymentDueAt)))
    .limit(1);
  if (unpaid) {
    await enqueueUnpaidOrderSweep(app.db, app.now());
    if (app.payments) await enqueueStripeSweep(app.db, app.now());
  }
  if (app.env.JOBS_IN_PROCESS) runner.start();
  // Expired sessions, old rate-limit windows and abandoned guest carts are only clutter (every read checks expiry), so an
  // hourly sweep from any instance is enough.
  const sweep = setInterval(() => {
    const now = app.now();
    Promise.all([
      pruneExpiredSessions(app.db, now),
      pruneRateLimits(app.db, new Date(now.getTime() - 60 * 60 * 1000)),
      pruneGuestCarts(app.db, new Date(now.getTime() - 30 * 24 * 60 * 60 * 1000)),
    ]).catch((error: unknown) =>
      app.logger.warn({ err: error }, 'housekeeping sweep failed'),
    );
  }, 60 * 60 * 1000);
  sweep.unref();
  return {
    runner,
    async stop() {
      clearInterval(sweep);
      await runner.stop();
      mail.close();
    },
  };
}
