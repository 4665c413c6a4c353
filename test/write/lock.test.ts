/** The lock's heartbeat on real files, with an injected clock and sleep (no waiting on timers). */
import { afterAll, describe, expect, test } from '@jest/globals';
import { existsSync, linkSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { acquireLock } from '../../src/write/lock.js';
import { cleanTempDirs, tempDir } from '../helpers/files.js';

afterAll(cleanTempDirs);

const T = Date.parse('2026-11-27T03:00:00.000Z');
const HOUR = 3_600_000;
const age = (path: string, at: number) => utimesSync(path, new Date(at), new Date(at));

describe('the lock', () => {
  test('refresh() brings the lock up to date between heartbeats (after a long step); after release it does nothing', async () => {
    const results = join(tempDir(), 'r.csv');
    const lock = await acquireLock(results, { runId: 'a', now: () => T, heartbeatMs: HOUR });
    age(lock.path, T - 90_000);
    lock.refresh();
    expect(statSync(lock.path).mtimeMs).toBe(T);
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
    lock.refresh();
    expect(existsSync(lock.path)).toBe(false);
  });

  test('a lock that looks old is watched for two heartbeats and a margin: a refresh in that time keeps the second run out', async () => {
    const results = join(tempDir(), 'r.csv');
    let clock = T;
    const holder = await acquireLock(results, { runId: 'holder', host: 'a', system: 's1', now: () => clock, heartbeatMs: HOUR });
    age(holder.path, T - 120_000); // its clock runs behind, or its event loop was busy
    const slept: number[] = [];
    const sleep = async (ms: number) => {
      slept.push(ms);
      // The holder's heartbeat comes 9 s into the watch: later than one heartbeat and a margin.
      if (slept.reduce((a, b) => a + b, 0) >= 9_000 && slept.length > 0) holder.refresh();
      clock += ms;
    };
    await expect(acquireLock(results, { runId: 'second', host: 'b', system: 's2', now: () => clock, heartbeatMs: 5_000, sleep })).rejects.toMatchObject({ code: 'locked' });
    expect(holder.isHeld()).toBe(true);
    expect(slept.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(12_000);
    holder.release();
  });

  test('a lock not refreshed during the whole watch is taken over, with why', async () => {
    const results = join(tempDir(), 'r.csv');
    const dead = await acquireLock(results, { runId: 'dead', host: 'a', system: 's1', now: () => T, heartbeatMs: HOUR });
    age(dead.path, T - 120_000);
    let clock = T;
    let watched = 0;
    const why: string[] = [];
    const lock = await acquireLock(results, { runId: 'next', host: 'b', system: 's2', now: () => clock, heartbeatMs: 5_000, sleep: async (ms) => void ((watched += ms), (clock += ms)), onTakeover: (w) => why.push(w) });
    expect(watched).toBeGreaterThanOrEqual(12_000);
    expect(why).toHaveLength(1);
    expect(dead.isHeld()).toBe(false);
    expect(lock.isHeld()).toBe(true);
    lock.release();
    dead.release();
  });

  test('a results file with other names (hard links) is said, since a run through another name takes another lock', async () => {
    const dir = tempDir();
    const results = join(dir, 'r.csv');
    writeFileSync(results, 'x');
    const told: number[] = [];
    (await acquireLock(results, { runId: 'a', onHardLinks: (n) => told.push(n) })).release();
    linkSync(results, join(dir, 'other-name.csv'));
    (await acquireLock(results, { runId: 'b', onHardLinks: (n) => told.push(n) })).release();
    expect(told).toEqual([2]);
  });
});
