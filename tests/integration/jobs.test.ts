import { Writable } from 'node:stream';
import { eq, inArray } from 'drizzle-orm';
import pino from 'pino';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { jobs } from '~/db/schema';
import { getHealth } from '~/models/health.server';
import { openDatabase, type Db } from '~/utils/db.server';
import {
  backlog,
  createJobRunner,
  enqueueJob,
  exponentialBackoff,
  pokeJobRunners,
  pruneFinishedJobs,
  type JobHandler,
  type JobRunnerOptions,
} from '~/utils/jobs.server';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';
import { deferred } from '../setup/deferred';

const MINUTE = 60_000;

/** A pino logger whose records the test can read. */
function capturingLogger() {
  const records: { level: number; msg: string; jobId?: number }[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) records.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), records };
}

/** A clock the test moves by hand. */
function manualClock(start = new Date()) {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    set: (date: Date) => {
      current = date.getTime();
    },
    advance: (ms: number) => {
      current += ms;
    },
  };
}

async function jobRow(db: Db, id: number) {
  const [row] = await db.select().from(jobs).where(eq(jobs.id, id));
  if (!row) throw new Error(`job ${id} does not exist`);
  return row;
}

describeEachDriver('job runner', (t) => {
  const silent = pino({ level: 'silent' });
  const runner = (options: Partial<JobRunnerOptions> & Pick<JobRunnerOptions, 'handlers'>) =>
    createJobRunner({ db: t.database.db, logger: silent, ...options });

  beforeEach(async () => {
    await t.database.db.delete(jobs);
  });

  it('never runs a job enqueued in a transaction that rolled back', async () => {
    const ran = vi.fn<JobHandler>(async () => {});
    await expect(
      t.database.db.transaction(async (tx) => {
        await enqueueJob(tx, { kind: 'test.rollback', payload: { n: 1 } });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');

    expect(await runner({ handlers: { 'test.rollback': ran } }).runDue()).toBe(0);
    expect(ran).not.toHaveBeenCalled();
    expect(await t.database.db.select().from(jobs)).toEqual([]);
  });

  it('runs a committed job once, with its payload, and marks it done', async () => {
    const clock = manualClock();
    const ran = vi.fn<JobHandler>(async () => {});
    const id = await t.database.db.transaction((tx) => enqueueJob(tx, { kind: 'test.once', payload: { orderNo: 'DB-1' }, runAt: clock.now() }));

    const r = runner({ handlers: { 'test.once': ran }, now: clock.now });
    expect(await r.runDue()).toBe(1);
    expect(await r.runDue()).toBe(0);

    expect(ran).toHaveBeenCalledTimes(1);
    expect(ran.mock.calls[0]![0]).toEqual({ orderNo: 'DB-1' });
    expect(ran.mock.calls[0]![1]).toMatchObject({ jobId: id, attempt: 1 });
    const row = await jobRow(t.database.db, id);
    expect(row).toMatchObject({ status: 'done', attempts: 1, lockedBy: null, lockedAt: null });
    expect(row.finishedAt?.getTime()).toBe(clock.now().getTime());
  });

  it('does not run a job before its run_at', async () => {
    const clock = manualClock();
    const ran = vi.fn<JobHandler>(async () => {});
    await enqueueJob(t.database.db, { kind: 'test.later', runAt: new Date(clock.now().getTime() + MINUTE) });
    const r = runner({ handlers: { 'test.later': ran }, now: clock.now });

    expect(await r.runDue()).toBe(0);
    clock.advance(MINUTE);
    expect(await r.runDue()).toBe(1);
    expect(ran).toHaveBeenCalledTimes(1);
  });

  it('never runs one job twice when two runners on separate connections claim at the same time, and runs them all', async () => {
    const total = 200;
    const ids = await Promise.all(Array.from({ length: total }, (_, n) => enqueueJob(t.database.db, { kind: 'test.race', payload: { n } })));
    // On PostgreSQL the second runner is another app instance: its own pool of connections.
    const other = t.database.url ? await openDatabase({ driver: 'postgres', url: t.database.url, maxConnections: 4 }) : undefined;
    try {
      const invocations = new Map<number, number>();
      const runsBy = new Map<string, number>();
      const handler =
        (worker: string): JobHandler =>
        async (_payload, ctx) => {
          invocations.set(ctx.jobId, (invocations.get(ctx.jobId) ?? 0) + 1);
          runsBy.set(worker, (runsBy.get(worker) ?? 0) + 1);
          await new Promise((resolve) => setImmediate(resolve));
        };
      const a = runner({ workerId: 'a', batchSize: 7, handlers: { 'test.race': handler('a') } });
      const b = createJobRunner({ db: other?.db ?? t.database.db, logger: silent, workerId: 'b', batchSize: 5, handlers: { 'test.race': handler('b') } });
      const drain = async (r: typeof a) => {
        while ((await r.runDue()) > 0);
      };
      await Promise.all([drain(a), drain(b), drain(a), drain(b)]);

      expect([...invocations.keys()].sort((x, y) => x - y)).toEqual([...ids].sort((x, y) => x - y));
      expect([...invocations.values()].filter((count) => count !== 1)).toEqual([]);
      expect((runsBy.get('a') ?? 0) + (runsBy.get('b') ?? 0)).toBe(total);
      const rows = await t.database.db.select({ status: jobs.status, attempts: jobs.attempts }).from(jobs).where(inArray(jobs.id, ids));
      expect(rows.filter((r) => r.status !== 'done' || r.attempts !== 1)).toEqual([]);
    } finally {
      await other?.close();
    }
  });

  it('retries a failing job later each time, then moves it to the dead letters with its last error, logged as an error', async () => {
    const clock = manualClock();
    const { logger, records } = capturingLogger();
    const attempts: number[] = [];
    const failing: JobHandler = async (_payload, ctx) => {
      attempts.push(ctx.attempt);
      throw new Error(`付款服务暂时不可用 (attempt ${ctx.attempt})`);
    };
    const id = await enqueueJob(t.database.db, { kind: 'test.flaky', runAt: clock.now(), maxAttempts: 4 });
    const r = createJobRunner({ db: t.database.db, logger, now: clock.now, handlers: { 'test.flaky': failing } });

    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect(await r.runDue()).toBe(1);
      const row = await jobRow(t.database.db, id);
      expect(row).toMatchObject({ status: 'pending', attempts: attempt, lockedBy: null });
      expect(row.lastError).toContain(`attempt ${attempt}`);
      delays.push(row.runAt.getTime() - clock.now().getTime());
      // Not due yet: nothing happens until the clock reaches run_at.
      expect(await r.runDue()).toBe(0);
      clock.set(row.runAt);
    }
    expect(delays[0]).toBeGreaterThan(0);
    expect(delays[1]).toBeGreaterThan(delays[0]!);
    expect(delays[2]).toBeGreaterThan(delays[1]!);

    expect(await r.runDue()).toBe(1);
    const dead = await jobRow(t.database.db, id);
    expect(dead).toMatchObject({ status: 'dead', attempts: 4, lockedBy: null });
    expect(dead.lastError).toContain('付款服务暂时不可用 (attempt 4)');
    expect(dead.finishedAt?.getTime()).toBe(clock.now().getTime());
    expect(attempts).toEqual([1, 2, 3, 4]);

    clock.advance(24 * 60 * MINUTE);
    expect(await r.runDue()).toBe(0);
    expect(records.filter((rec) => rec.level === 50 && rec.jobId === id)).toHaveLength(1);
    expect(records.filter((rec) => rec.level === 40 && rec.jobId === id)).toHaveLength(3);
  });

  it('moves a job of an unknown kind straight to the dead letters, naming the kind', async () => {
    const id = await enqueueJob(t.database.db, { kind: 'test.nobody-handles-this' });
    expect(await runner({ handlers: {} }).runDue()).toBe(1);
    const row = await jobRow(t.database.db, id);
    expect(row).toMatchObject({ status: 'dead', attempts: 1 });
    expect(row.lastError).toContain('no handler for job kind "test.nobody-handles-this"');
  });

  it('cuts a very long error message down before saving it', async () => {
    const id = await enqueueJob(t.database.db, { kind: 'test.verbose', maxAttempts: 1 });
    await runner({
      handlers: {
        'test.verbose': async () => {
          throw new Error('错'.repeat(50_000));
        },
      },
    }).runDue();
    const row = await jobRow(t.database.db, id);
    expect(row.status).toBe('dead');
    expect(row.lastError!.length).toBeLessThanOrEqual(4000);
  });

  it('takes back a running job whose lock is older than the lock timeout, and leaves fresh locks alone', async () => {
    const clock = manualClock();
    const ran = vi.fn<JobHandler>(async () => {});
    const [stale, fresh, exhausted] = await Promise.all([
      enqueueJob(t.database.db, { kind: 'test.reclaim', runAt: clock.now() }),
      enqueueJob(t.database.db, { kind: 'test.reclaim', runAt: clock.now() }),
      enqueueJob(t.database.db, { kind: 'test.reclaim', runAt: clock.now(), maxAttempts: 1 }),
    ]);
    const lockedAgo = (ms: number) => ({ status: 'running' as const, attempts: 1, lockedBy: 'crashed-worker', lockedAt: new Date(clock.now().getTime() - ms) });
    await t.database.db.update(jobs).set(lockedAgo(11 * MINUTE)).where(inArray(jobs.id, [stale!, exhausted!]));
    await t.database.db.update(jobs).set(lockedAgo(MINUTE)).where(eq(jobs.id, fresh!));

    const r = runner({ handlers: { 'test.reclaim': ran }, now: clock.now, lockTimeoutMs: 10 * MINUTE });
    expect(await r.runDue()).toBe(1);

    expect(ran).toHaveBeenCalledTimes(1);
    expect(ran.mock.calls[0]![1]).toMatchObject({ jobId: stale, attempt: 2 });
    expect(await jobRow(t.database.db, stale!)).toMatchObject({ status: 'done', attempts: 2 });
    expect(await jobRow(t.database.db, fresh!)).toMatchObject({ status: 'running', lockedBy: 'crashed-worker' });
    const dead = await jobRow(t.database.db, exhausted!);
    expect(dead.status).toBe('dead');
    expect(dead.lastError).toMatch(/lock expired.*crashed-worker/);
  });

  it('never lets a runner whose lock expired settle the job another runner took over', async () => {
    const clock = manualClock();
    const started = deferred();
    const release = deferred();
    const slow = runner({
      workerId: 'slow',
      now: clock.now,
      lockTimeoutMs: MINUTE,
      handlers: {
        'test.takeover': async () => {
          started.resolve();
          await release.promise;
          throw new Error('the slow runner gave up');
        },
      },
    });
    const fast = runner({ workerId: 'fast', now: clock.now, lockTimeoutMs: MINUTE, handlers: { 'test.takeover': async () => {} } });
    const id = await enqueueJob(t.database.db, { kind: 'test.takeover', runAt: clock.now() });

    const slowRun = slow.runDue();
    await started.promise;
    clock.advance(2 * MINUTE);
    expect(await fast.runDue()).toBe(1);
    release.resolve();
    await slowRun;

    expect(await jobRow(t.database.db, id)).toMatchObject({ status: 'done', attempts: 2, lastError: expect.stringContaining('lock expired') });
  });

  it('stop() waits for the job in flight to finish', async () => {
    const started = deferred();
    const release = deferred();
    const r = runner({
      pollIntervalMs: 10,
      handlers: {
        'test.inflight': async () => {
          started.resolve();
          await release.promise;
        },
      },
    });
    const id = await enqueueJob(t.database.db, { kind: 'test.inflight' });
    r.start();
    await started.promise;

    let stopped = false;
    const stopping = r.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stopped).toBe(false);
    expect((await jobRow(t.database.db, id)).status).toBe('running');

    release.resolve();
    await stopping;
    expect((await jobRow(t.database.db, id)).status).toBe('done');
  });

  it('polls on its own once started, and a poke runs new jobs without waiting for the next poll', async () => {
    const ran = deferred<number>();
    const r = runner({ pollIntervalMs: 60 * MINUTE, handlers: { 'test.poke': async (_p, ctx) => ran.resolve(ctx.jobId) } });
    r.start();
    try {
      // Let the first poll find nothing; the next one is an hour away.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const id = await enqueueJob(t.database.db, { kind: 'test.poke' });
      pokeJobRunners();
      const result = await Promise.race([ran.promise, new Promise((resolve) => setTimeout(() => resolve('timed out'), 5000))]);
      expect(result).toBe(id);
    } finally {
      await r.stop();
    }
  });

  it('reports the backlog: pending, running and dead counts and how long the oldest due job has waited', async () => {
    const now = new Date();
    const ago = (ms: number) => new Date(now.getTime() - ms);
    await enqueueJob(t.database.db, { kind: 'test.backlog', runAt: ago(90_000) });
    await enqueueJob(t.database.db, { kind: 'test.backlog', runAt: ago(5_000) });
    await enqueueJob(t.database.db, { kind: 'test.backlog', runAt: new Date(now.getTime() + 10 * MINUTE) });
    const running = await enqueueJob(t.database.db, { kind: 'test.backlog' });
    const dead = await enqueueJob(t.database.db, { kind: 'test.backlog' });
    const done = await enqueueJob(t.database.db, { kind: 'test.backlog' });
    await t.database.db.update(jobs).set({ status: 'running', lockedAt: now, lockedBy: 'w' }).where(eq(jobs.id, running));
    await t.database.db.update(jobs).set({ status: 'dead' }).where(eq(jobs.id, dead));
    await t.database.db.update(jobs).set({ status: 'done' }).where(eq(jobs.id, done));

    expect(await backlog(t.database.db, now)).toEqual({ pending: 3, running: 1, dead: 1, oldestPendingAgeSeconds: 90 });
    await t.database.db.delete(jobs);
    expect(await backlog(t.database.db, now)).toEqual({ pending: 0, running: 0, dead: 0, oldestPendingAgeSeconds: null });
  });

  it('shows the backlog in the health report without calling the instance unhealthy for dead jobs', async () => {
    const now = new Date();
    const app = createTestApp(t.database, {}, () => now);
    await enqueueJob(t.database.db, { kind: 'test.health', runAt: new Date(now.getTime() - 30_000) });
    const dead = await enqueueJob(t.database.db, { kind: 'test.health' });
    await t.database.db.update(jobs).set({ status: 'dead' }).where(eq(jobs.id, dead));

    const health = await getHealth(app);
    expect(health.status).toBe('ok');
    expect(health.jobs).toEqual({ inProcess: true, pending: 1, running: 0, dead: 1, oldestPendingAgeSeconds: 30 });
  });

  it('prunes done jobs older than the cut-off and keeps dead ones for inspection', async () => {
    const now = new Date();
    const daysAgo = (days: number) => new Date(now.getTime() - days * 24 * 60 * MINUTE);
    const [oldDone, recentDone, oldDead, pending] = await Promise.all([1, 2, 3, 4].map(() => enqueueJob(t.database.db, { kind: 'test.prune' })));
    await t.database.db.update(jobs).set({ status: 'done', finishedAt: daysAgo(30) }).where(eq(jobs.id, oldDone!));
    await t.database.db.update(jobs).set({ status: 'done', finishedAt: daysAgo(1) }).where(eq(jobs.id, recentDone!));
    await t.database.db.update(jobs).set({ status: 'dead', finishedAt: daysAgo(30) }).where(eq(jobs.id, oldDead!));

    expect(await pruneFinishedJobs(t.database.db, daysAgo(14))).toBe(1);
    const left = await t.database.db.select({ id: jobs.id }).from(jobs);
    expect(left.map((r) => r.id).sort((a, b) => a - b)).toEqual([recentDone, oldDead, pending].sort((a, b) => a! - b!));
  });
});

describe('exponentialBackoff', () => {
  it('doubles with each attempt, jittered within the upper half, and never waits more than an hour', () => {
    expect(exponentialBackoff(1, () => 0)).toBe(1000);
    expect(exponentialBackoff(1, () => 0.999_999)).toBeLessThan(2000);
    expect(exponentialBackoff(2, () => 0)).toBe(2000);
    expect(exponentialBackoff(5, () => 0.5)).toBe(24_000);
    expect(exponentialBackoff(30, () => 0.999_999)).toBeLessThanOrEqual(3_600_000);
    expect(exponentialBackoff(30, () => 0)).toBe(1_800_000);
  });
});
