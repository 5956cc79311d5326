import { describe, expect, it } from 'vitest';
import { createMemo } from '~/utils/memo.server';
import { deferred } from '../setup/deferred';

describe('the catalog memo', () => {
  it('reuses a value for ttlMs, then loads again', async () => {
    let clock = 0;
    let loads = 0;
    const memo = createMemo({ ttlMs: 5_000, now: () => clock });
    const load = async () => ++loads;
    expect(await memo.get('k', load)).toBe(1);
    clock = 4_999;
    expect(await memo.get('k', load)).toBe(1);
    clock = 5_000;
    expect(await memo.get('k', load)).toBe(2);
    expect(await memo.get('other', load)).toBe(3);
  });

  it('shares one load between concurrent callers', async () => {
    const memo = createMemo({ ttlMs: 5_000, now: () => 0 });
    const gate = deferred<string>();
    let loads = 0;
    const load = () => {
      loads += 1;
      return gate.promise;
    };
    const both = Promise.all([memo.get('k', load), memo.get('k', load)]);
    gate.resolve('v');
    expect(await both).toEqual(['v', 'v']);
    expect(loads).toBe(1);
  });

  it('does not keep a failure', async () => {
    const memo = createMemo({ ttlMs: 5_000, now: () => 0 });
    await expect(memo.get('k', () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(await memo.get('k', async () => 'ok')).toBe('ok');
  });

  it('forgets everything on clear, and does not keep a load that started before it', async () => {
    const memo = createMemo({ ttlMs: 5_000, now: () => 0 });
    expect(await memo.get('k', async () => 'old')).toBe('old');
    memo.clear();
    expect(await memo.get('k', async () => 'new')).toBe('new');

    const gate = deferred<string>();
    const before = memo.get('slow', () => gate.promise);
    memo.clear();
    gate.resolve('stale');
    expect(await before).toBe('stale');
    expect(await memo.get('slow', async () => 'fresh')).toBe('fresh');
  });

  it('loads every time when ttlMs is 0, and keeps at most maxEntries', async () => {
    let loads = 0;
    const off = createMemo({ ttlMs: 0 });
    await off.get('k', async () => ++loads);
    await off.get('k', async () => ++loads);
    expect(loads).toBe(2);
    expect(off.size).toBe(0);

    const small = createMemo({ ttlMs: 5_000, maxEntries: 2, now: () => 0 });
    for (const key of ['a', 'b', 'c']) await small.get(key, async () => key);
    expect(small.size).toBe(2);
    expect(await small.get('a', async () => 'reloaded')).toBe('reloaded');
  });

  it('past ttlMs, serves the stale value for staleMs while one reload runs, then the reloaded one', async () => {
    let clock = 0;
    const memo = createMemo({ ttlMs: 5_000, staleMs: 30_000, now: () => clock });
    expect(await memo.get('k', async () => 'v1')).toBe('v1');
    clock = 6_000;
    const gate = deferred<string>();
    let loads = 0;
    const reload = () => {
      loads += 1;
      return gate.promise;
    };
    expect(await memo.get('k', reload)).toBe('v1');
    expect(await memo.get('k', reload)).toBe('v1');
    expect(loads).toBe(1);
    gate.resolve('v2');
    await gate.promise;
    await Promise.resolve();
    expect(await memo.get('k', async () => 'unused')).toBe('v2');

    // Too old (past ttlMs + staleMs): callers wait for the load.
    clock = 6_000 + 5_000 + 30_000;
    expect(await memo.get('k', async () => 'v3')).toBe('v3');
  });

  it('keeps a stale value when its reload fails, and never serves one after a clear', async () => {
    let clock = 0;
    const memo = createMemo({ ttlMs: 5_000, staleMs: 30_000, now: () => clock });
    await memo.get('k', async () => 'v1');
    clock = 6_000;
    expect(await memo.get('k', () => Promise.reject(new Error('db down')))).toBe('v1');
    await Promise.resolve();
    expect(await memo.get('k', async () => 'v2')).toBe('v1');
    memo.clear();
    expect(await memo.get('k', async () => 'after clear')).toBe('after clear');
  });
});
