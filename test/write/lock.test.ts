/** The lock's heartbeat on real files, with an injected clock and sleep (no waiting on timers). */
import { afterAll, describe, expect, test } from '@jest/globals';
import { existsSync, linkSync, lstatSync, mkdirSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
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

  test('crafted leftovers: a lock of "null" is judged by its age; a symbolic link (even dangling) or a named pipe is no run\'s lock and is taken over at once; an old takeover folder is cleared; a folder is judged by its age and removed only when empty', async () => {
    const sleep = async () => {};
    const nulled = join(tempDir(), 'r.csv');
    writeFileSync(`${nulled}.lock`, 'null');
    age(`${nulled}.lock`, T - 120_000);
    const why: string[] = [];
    const a = await acquireLock(nulled, { runId: 'a', now: () => T, sleep, onTakeover: (w) => why.push(w) });
    expect(why[0]).toMatch(/not refreshed for 120 s/);
    a.release();

    const dir = tempDir();
    const dangling = join(dir, 'd.csv');
    symlinkSync(join(dir, 'nowhere.lock'), `${dangling}.lock`);
    const b = await acquireLock(dangling, { runId: 'b', now: () => T, sleep, onTakeover: (w) => why.push(w) });
    expect(why[1]).toBe('it is a symbolic link, which no run writes');
    expect(lstatSync(b.path).isFile()).toBe(true);
    b.release();

    const guarded = join(tempDir(), 'g.csv');
    writeFileSync(`${guarded}.lock`, '{}');
    age(`${guarded}.lock`, T - 120_000);
    mkdirSync(`${guarded}.lock.takeover`);
    age(`${guarded}.lock.takeover`, T - 60_000);
    const c = await acquireLock(guarded, { runId: 'c', now: () => T, sleep });
    expect(c.isHeld()).toBe(true);
    expect(existsSync(`${guarded}.lock.takeover`)).toBe(false);
    c.release();

    // A folder (another program's lock): judged by its age; an old empty one is removed, one that holds files is left to a person.
    const folder = join(tempDir(), 'f.csv');
    mkdirSync(`${folder}.lock`);
    age(`${folder}.lock`, T - 10_000);
    await expect(acquireLock(folder, { runId: 'f', now: () => T, sleep })).rejects.toMatchObject({ code: 'locked' });
    age(`${folder}.lock`, T - 120_000);
    const f = await acquireLock(folder, { runId: 'f', now: () => T, sleep });
    expect(lstatSync(f.path).isFile()).toBe(true);
    f.release();
    const full = join(tempDir(), 'full.csv');
    mkdirSync(`${full}.lock`);
    writeFileSync(join(`${full}.lock`, 'x'), 'x');
    age(`${full}.lock`, T - 120_000);
    await expect(acquireLock(full, { runId: 'f', now: () => T, sleep })).rejects.toMatchObject({ code: 'config', message: `${full}.lock is a folder that holds files, where the results file's lock belongs: no run makes one; remove it, then run again` });

    // A file far larger than a lock (2 GB would not even fit in a string): judged by its age.
    const big = join(tempDir(), 'b.csv');
    writeFileSync(`${big}.lock`, Buffer.alloc(70 * 1024, 'x'));
    age(`${big}.lock`, T - 120_000);
    const b2 = await acquireLock(big, { runId: 'b', now: () => T, sleep, onTakeover: (w) => why.push(w) });
    expect(why.at(-1)).toMatch(/not refreshed for 120 s/);
    b2.release();

    // A named pipe: reading it would wait forever; no run makes one: taken over at once.
    const piped = join(tempDir(), 'p.csv');
    execFileSync('mkfifo', [`${piped}.lock`]);
    const p = await acquireLock(piped, { runId: 'p', now: () => T, sleep, onTakeover: (w) => why.push(w) });
    expect(why.at(-1)).toBe('it is a named pipe, which no run writes');
    p.release();
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
