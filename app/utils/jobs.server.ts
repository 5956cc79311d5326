/**
 * The outbox and job runner. A job row is written in the same transaction as the change that
 * causes it (pass the transaction as `db`), so a rolled-back change never runs its job.
 *
 * Delivery is at least once: a runner that dies after a handler's side effect but before the
 * job is marked done leaves the job to be reclaimed and run again, so every handler must be
 * idempotent (check before acting, upsert rather than insert, use the job id as a dedup key).
 * Several runners, in one process or many, may share a database: jobs are claimed with
 * `FOR UPDATE SKIP LOCKED`, so one claim hands a job to exactly one runner.
 */
import { and, asc, eq, inArray, lt, lte, sql } from 'drizzle-orm';
import { jobs, type Job } from '~/db/schema';
import type { Db } from './db.server';
import type { Logger } from './log.server';

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

export interface JobContext {
  db: Db;
  now: () => Date;
  logger: Logger;
  jobId: number;
  /** 1 on the first run. */
  attempt: number;
}

/** Runs one job. Throwing schedules a retry; it must be safe to run twice (see the file comment). */
export type JobHandler = (payload: unknown, ctx: JobContext) => Promise<void>;

/** Thrown by a handler when retrying cannot help (e.g. a malformed payload): the job goes dead at once. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

const SECOND = 1000;
const MAX_BACKOFF_MS = 60 * 60 * SECOND;
const LAST_ERROR_MAX_CHARS = 4000;

/**
 * The delay before retry number `attempt + 1`: 2^attempt seconds capped at an hour, with "equal
 * jitter" (half fixed, half random) so jobs that failed together do not retry together.
 */
export function exponentialBackoff(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(2 ** attempt * SECOND, MAX_BACKOFF_MS);
  return Math.floor(base / 2 + (random() * base) / 2);
}

export interface JobRunnerOptions {
  db: Db;
  handlers: Record<string, JobHandler>;
  /** Names this runner in `locked_by`; make it unique per process. */
  workerId?: string;
  now?: () => Date;
  logger: Logger;
  pollIntervalMs?: number;
  /** Jobs claimed (and run concurrently) per batch. */
  batchSize?: number;
  /**
   * A running job whose lock is older than this is taken back: its runner is presumed dead.
   * Handlers must finish well within it, or they may run twice.
   */
  lockTimeoutMs?: number;
  /** Milliseconds to wait after failed attempt number `attempt`. */
  backoff?: (attempt: number) => number;
  /** Done jobs are deleted after this many days (checked every `pruneIntervalMs` while polling). */
  retentionDays?: number;
  pruneIntervalMs?: number;
}

export interface JobBacklog {
  pending: number;
  running: number;
  dead: number;
  /** How long the longest-waiting due job has waited, or null when none is waiting. */
  oldestPendingAgeSeconds: number | null;
}

const liveRunners = new Set<JobRunner>();

/** Wakes every started runner in this process; call it after committing a transaction that enqueued jobs. */
export function pokeJobRunners(): void {
  for (const runner of liveRunners) runner.poke();
}

export class JobRunner {
  readonly workerId: string;
  private readonly db: Db;
  private readonly handlers: Record<string, JobHandler>;
  private readonly now: () => Date;
  private readonly logger: Logger;
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private readonly lockTimeoutMs: number;
  private readonly backoff: (attempt: number) => number;
  private readonly retentionDays: number;
  private readonly pruneIntervalMs: number;

  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private pokedWhileTicking = false;
  private lastPruneAt = 0;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(options: JobRunnerOptions) {
    this.db = options.db;
    this.handlers = options.handlers;
    this.workerId = options.workerId ?? `worker-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    this.now = options.now ?? (() => new Date());
    this.logger = options.logger.child({ component: 'jobs', workerId: this.workerId });
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.batchSize = options.batchSize ?? 10;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 10 * 60 * SECOND;
    this.backoff = options.backoff ?? ((attempt) => exponentialBackoff(attempt));
    this.retentionDays = options.retentionDays ?? 14;
    this.pruneIntervalMs = options.pruneIntervalMs ?? 6 * 60 * 60 * SECOND;
  }

  /** Reclaims stale jobs, then claims and runs one batch of due jobs. Resolves to the number run. */
  runDue(): Promise<number> {
    const work = this.runBatch();
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work)).catch(() => {});
    return work;
  }

  /** Starts polling; the timers never keep the process alive on their own. */
  start(): void {
    if (this.running) return;
    this.running = true;
    liveRunners.add(this);
    this.schedule(0);
  }

  /** Looks for due jobs now instead of at the next poll. */
  poke(): void {
    if (!this.running) return;
    if (this.ticking) {
      this.pokedWhileTicking = true;
      return;
    }
    this.schedule(0);
  }

  /** Stops polling and waits for the jobs already running to finish. */
  async stop(): Promise<void> {
    this.running = false;
    liveRunners.delete(this);
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking;
    await Promise.allSettled([...this.inFlight]);
  }

  private schedule(delayMs: number) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined;
      });
    }, delayMs);
    this.timer.unref();
  }

  private async tick() {
    let delay = this.pollIntervalMs;
    try {
      // A full batch suggests more are due: keep draining before sleeping.
      while (this.running) {
        this.pokedWhileTicking = false;
        const count = await this.runDue();
        if (count < this.batchSize && !this.pokedWhileTicking) break;
      }
      await this.pruneOccasionally();
    } catch (error) {
      this.logger.error({ err: error }, 'job runner poll failed');
      this.pokedWhileTicking = false;
      delay = Math.max(delay, 5 * SECOND);
    }
    if (this.running) this.schedule(this.pokedWhileTicking ? 0 : delay);
  }

  private async pruneOccasionally() {
    const now = this.now();
    if (now.getTime() - this.lastPruneAt < this.pruneIntervalMs) return;
    this.lastPruneAt = now.getTime();
    const deleted = await pruneFinishedJobs(this.db, new Date(now.getTime() - this.retentionDays * 24 * 60 * 60 * SECOND));
    if (deleted > 0) this.logger.info({ deleted }, 'pruned finished jobs');
  }

  private async runBatch(): Promise<number> {
    await this.reclaimStaleJobs();
    const claimed = await this.claim();
    await Promise.all(claimed.map((job) => this.runJob(job)));
    return claimed.length;
  }

  private async reclaimStaleJobs() {
    const now = this.now();
    const reclaimed = await this.db
      .update(jobs)
      .set({
        status: sql`case when ${jobs.attempts} < ${jobs.maxAttempts} then 'pending'::job_status else 'dead'::job_status end`,
        lockedAt: null,
        lockedBy: null,
        lastError: sql`'lock expired: the runner ' || coalesce(${jobs.lockedBy}, '?') || ' did not finish the job in time'`,
        finishedAt: sql`case when ${jobs.attempts} < ${jobs.maxAttempts} then null else ${now.toISOString()}::timestamptz end`,
      })
      .where(and(eq(jobs.status, 'running'), lt(jobs.lockedAt, new Date(now.getTime() - this.lockTimeoutMs))))
      .returning({ id: jobs.id, kind: jobs.kind, status: jobs.status });
    for (const job of reclaimed) {
      if (job.status === 'dead') this.logger.error({ jobId: job.id, kind: job.kind }, 'job dead: its runner stopped on the last attempt');
      else this.logger.warn({ jobId: job.id, kind: job.kind }, 'reclaimed a job whose runner stopped');
    }
  }

  private claim(): Promise<Job[]> {
    const now = this.now();
    const due = this.db
      .select({ id: jobs.id })
      .from(jobs)
      .where(and(eq(jobs.status, 'pending'), lte(jobs.runAt, now)))
      .orderBy(asc(jobs.runAt), asc(jobs.id))
      .limit(this.batchSize)
      .for('update', { skipLocked: true });
    return this.db
      .update(jobs)
      .set({ status: 'running', lockedAt: now, lockedBy: this.workerId, attempts: sql`${jobs.attempts} + 1` })
      .where(inArray(jobs.id, due))
      .returning();
  }

  /** Only the runner holding this very claim may settle the job; a reclaimed job belongs to another. */
  private ownClaim(job: Job) {
    return and(eq(jobs.id, job.id), eq(jobs.status, 'running'), eq(jobs.lockedBy, this.workerId), eq(jobs.attempts, job.attempts));
  }

  private async runJob(job: Job) {
    const logger = this.logger.child({ jobId: job.id, kind: job.kind, attempt: job.attempts });
    const handler = Object.hasOwn(this.handlers, job.kind) ? this.handlers[job.kind] : undefined;
    try {
      if (!handler) throw new PermanentJobError(`no handler for job kind "${job.kind}"`);
      await handler(job.payload, { db: this.db, now: this.now, logger, jobId: job.id, attempt: job.attempts });
    } catch (error) {
      await this.fail(job, error, logger);
      return;
    }
    const settled = await this.db
      .update(jobs)
      .set({ status: 'done', finishedAt: this.now(), lockedAt: null, lockedBy: null })
      .where(this.ownClaim(job))
      .returning({ id: jobs.id });
    if (settled.length === 0) logger.warn('job finished after its lock expired; another runner took it over');
  }

  private async fail(job: Job, error: unknown, logger: Logger) {
    const now = this.now();
    const lastError = describeError(error);
    const dead = error instanceof PermanentJobError || job.attempts >= job.maxAttempts;
    const settled = await this.db
      .update(jobs)
      .set(
        dead
          ? { status: 'dead', lastError, finishedAt: now, lockedAt: null, lockedBy: null }
          : { status: 'pending', lastError, runAt: new Date(now.getTime() + this.backoff(job.attempts)), lockedAt: null, lockedBy: null },
      )
      .where(this.ownClaim(job))
      .returning({ id: jobs.id, runAt: jobs.runAt });
    if (settled.length === 0) {
      logger.warn({ err: error }, 'job failed after its lock expired; another runner took it over');
    } else if (dead) {
      logger.error({ err: error, maxAttempts: job.maxAttempts }, 'job dead: moved to the dead letters');
    } else {
      logger.warn({ err: error, retryAt: settled[0]!.runAt }, 'job failed; will retry');
    }
  }
}

export function createJobRunner(options: JobRunnerOptions): JobRunner {
  return new JobRunner(options);
}

function describeError(error: unknown): string {
  const text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  return text.length > LAST_ERROR_MAX_CHARS ? `${text.slice(0, LAST_ERROR_MAX_CHARS - 1)}…` : text;
}

/** Counts by status for health checks; the age is measured against `now`. */
export async function backlog(db: Db, now: Date = new Date()): Promise<JobBacklog> {
  const nowParam = sql`${now.toISOString()}::timestamptz`;
  const [row] = await db
    .select({
      pending: sql<number>`count(*) filter (where ${jobs.status} = 'pending')::int`,
      running: sql<number>`count(*) filter (where ${jobs.status} = 'running')::int`,
      dead: sql<number>`count(*) filter (where ${jobs.status} = 'dead')::int`,
      oldestDueAgeSeconds: sql<number | null>`extract(epoch from ${nowParam} - min(${jobs.runAt}) filter (where ${jobs.status} = 'pending' and ${jobs.runAt} <= ${nowParam}))::float8`,
    })
    .from(jobs)
    .where(inArray(jobs.status, ['pending', 'running', 'dead']));
  const age = row?.oldestDueAgeSeconds;
  return {
    pending: Number(row?.pending ?? 0),
    running: Number(row?.running ?? 0),
    dead: Number(row?.dead ?? 0),
    oldestPendingAgeSeconds: age === null || age === undefined ? null : Math.round(Number(age)),
  };
}

/** Deletes done jobs that finished before `olderThan`; dead jobs stay for inspection. Returns the count. */
export async function pruneFinishedJobs(db: Db, olderThan: Date): Promise<number> {
  const deleted = await db
    .delete(jobs)
    .where(and(eq(jobs.status, 'done'), lt(jobs.finishedAt, olderThan)))
    .returning({ id: jobs.id });
  return deleted.length;
}
