/**
 * The results file's lock as a scheduled job meets it: a lock left by a container that is gone (another
 * host), by a PID since reused, or by a crashed run is taken over with a warning that says why; a lock
 * that a live run keeps fresh keeps every other run out (exit 75, stopped_for "locked", a summary). The
 * real CLI runs as a child process against the simulator on 127.0.0.1.
 */
import { afterAll, afterEach, describe, expect, test } from '@jest/globals';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { expectNoStackTrace, jsonLines, runCli } from '../helpers/cli.js';
import { cleanTempDirs, readResults, tempDir } from '../helpers/files.js';
import { closeSimulators, invitationRequests, invitedTwice, sendEnv, simulator, usersCsv } from '../helpers/sim.js';

afterEach(closeSimulators);
afterAll(cleanTempDirs);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Older than the stale age (60 s) by a margin. */
const LONG_AGO = () => new Date(Date.now() - 5 * 60_000);

/** Writes a lock as another run would have left it; `ago` sets its modification time. */
function leaveLock(results: string, holder: { pid: number; host: string; system?: string }, ago?: Date): string {
  const path = `${results}.lock`;
  writeFileSync(path, JSON.stringify({ ...holder, run_id: 'earlier-run', started: new Date(Date.now() - 3_600_000).toISOString() }), { mode: 0o600 });
  if (ago !== undefined) utimesSync(path, ago, ago);
  return path;
}

/** This machine's boot and PID namespace, as the tool writes them in its lock. */
const thisSystem = () => `${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}/${readlinkSync('/proc/self/ns/pid')}`;

/** A PID that is certainly not running any more: a child that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  return Number(child.stdout.trim());
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const warnings = (stderr: string) => jsonLines(stderr).filter((l) => l.level === 40);

describe('a run that lost its lock (stopped for longer than the stale age)', () => {
  test('sends nothing more and does not rewrite the results the other run now owns', async () => {
    let child: ChildProcess | undefined;
    const sim = await simulator({ latencyMs: 250 });
    const dir = tempDir();
    const input = usersCsv(dir, 20);
    const results = join(dir, 'users.results.csv');
    const lock = `${results}.lock`;
    const running = runCli(['send', input, '--concurrency', '1'], { env: sendEnv(sim), onSpawn: (c) => (child = c) });
    await until('three invitations', () => (invitationRequests(sim).length >= 3 ? true : undefined), 15_000);
    // Another run takes the lock over, as it would after this one had been stopped (Ctrl+Z) for a minute.
    writeFileSync(lock, JSON.stringify({ pid: 1, host: 'other-host', run_id: 'the-other-run', started: new Date().toISOString() }));
    const sentAtTakeover = invitationRequests(sim).length;
    const run = await running;
    expect(child!.exitCode).toBe(75);
    expect(jsonLines(run.stderr).some((l) => String(l.msg).includes('another run took over the lock'))).toBe(true);
    expect(invitationRequests(sim).length).toBeLessThanOrEqual(sentAtTakeover + 1); // at most the request already in flight
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ run_id: 'the-other-run' }); // left to its owner
    // Not rewritten at the end: the live file (snapshot plus appended rows) has more records than rows.
    expect(readResults(results).length).toBeGreaterThan(20);
  });
});

describe('a host whose clock runs behind', () => {
  test('a lock that looks old but is still being refreshed (its holder\'s clock runs 2 minutes behind) is not taken over', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const input = usersCsv(dir, 3);
    const results = join(dir, 'users.results.csv');
    const lock = leaveLock(results, { pid: 1, host: 'node-b' }, LONG_AGO());
    // The holder on node-b refreshes it every second, with its own clock: 2 minutes behind ours.
    const holder = setInterval(() => {
      const behind = new Date(Date.now() - 120_000);
      utimesSync(lock, behind, behind);
    }, 1000);
    try {
      const run = await runCli(['send', input], { env: sendEnv(sim) });
      expect(run.code).toBe(75);
      expect(jsonLines(run.stderr).at(-1)).toMatchObject({ level: 50, stopped_for: 'locked' });
      expect(sim.requests).toHaveLength(0);
      expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ host: 'node-b' });
    } finally {
      clearInterval(holder);
    }
  });
});

describe('a lock nobody holds any more is taken over, with a warning that says why', () => {
  test.each([
    ['written by another host (a container that is gone) and not refreshed since', () => ({ pid: 1, host: 'cronjob-28791234-x7k2p' }), /not refreshed for \d+ s .*cronjob-28791234-x7k2p/],
    ['naming this host and a live, unrelated PID (a reused PID), not refreshed since', () => ({ pid: process.pid, host: hostname() }), /not refreshed for \d+ s/],
  ])('%s: the next run sends', async (_, holder, why) => {
    const sim = await simulator();
    const dir = tempDir();
    const input = usersCsv(dir, 3);
    const results = join(dir, 'users.results.csv');
    const lock = leaveLock(results, holder(), LONG_AGO());
    const summary = join(dir, 'last-run.json');
    const run = await runCli(['send', input, '--summary-json', summary], { env: sendEnv(sim) });
    expectNoStackTrace(run.stderr);
    expect(run.code).toBe(0);
    const took = warnings(run.stderr).filter((l) => String(l.msg).startsWith('took over a stale lock'));
    expect(took).toHaveLength(1);
    expect(String(took[0]!.msg)).toMatch(why);
    expect(took[0]!.lock).toBe(lock);
    expect(readResults(results).map((r) => r.status)).toEqual(['invited', 'invited', 'invited']);
    expect(invitationRequests(sim)).toHaveLength(3);
    expect(JSON.parse(readFileSync(summary, 'utf8'))).toMatchObject({ exit_code: 0, stopped_for: null });
    expect(existsSync(lock)).toBe(false); // released at the end
  });

  test('naming this host (this boot and PID namespace) and a PID that is not running: taken over at once, however fresh', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const input = usersCsv(dir, 2);
    const results = join(dir, 'users.results.csv');
    const pid = deadPid();
    leaveLock(results, { pid, host: hostname(), system: thisSystem() });
    const run = await runCli(['send', input], { env: sendEnv(sim) });
    expect(run.code).toBe(0);
    expect(warnings(run.stderr).map((l) => l.msg)).toContainEqual(`took over a stale lock: pid ${pid} on ${hostname()} is not running`);
    expect(invitationRequests(sim)).toHaveLength(2);
  });

  test('the same hostname but another PID namespace (a second container with host networking): a pid that looks dead proves nothing', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const input = usersCsv(dir, 2);
    const results = join(dir, 'users.results.csv');
    leaveLock(results, { pid: deadPid(), host: hostname(), system: `${thisSystem()}-another-namespace` });
    const run = await runCli(['send', input], { env: sendEnv(sim) });
    expect(run.code).toBe(75);
    expect(jsonLines(run.stderr).at(-1)).toMatchObject({ stopped_for: 'locked' });
    expect(sim.requests).toHaveLength(0);
  });

  test('validate takes a stale lock over too', async () => {
    const dir = tempDir();
    const input = usersCsv(dir, 2);
    leaveLock(join(dir, 'users.results.csv'), { pid: 1, host: 'elsewhere' }, LONG_AGO());
    const run = await runCli(['validate', input]);
    expect(run.code).toBe(0);
    expect(warnings(run.stderr).map((l) => String(l.msg))).toContainEqual(expect.stringMatching(/^took over a stale lock: not refreshed for/));
  });
});

describe('a lock that is kept fresh keeps other runs out', () => {
  test.each([
    ['this host and a live, unrelated PID', () => ({ pid: process.pid, host: hostname() })],
    ['another host sharing the folder', () => ({ pid: 4242, host: 'other-node' })],
  ])('%s, refreshed recently: exit 75, stopped_for "locked", a summary, nothing sent, the lock untouched', async (_, holder) => {
    const sim = await simulator();
    const dir = tempDir();
    const input = usersCsv(dir, 2);
    const results = join(dir, 'users.results.csv');
    const lock = leaveLock(results, holder(), new Date(Date.now() - 20_000)); // 20 s: within the stale age
    const before = readFileSync(lock, 'utf8');
    const summary = join(dir, 'last-run.json');
    const run = await runCli(['send', input, '--summary-json', summary], { env: sendEnv(sim) });
    expectNoStackTrace(run.stderr);
    expect(run.code).toBe(75);
    const lines = jsonLines(run.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, exit_code: 75, stopped_for: 'locked' });
    expect(String(lines[0]!.msg)).toContain(`another run (pid ${holder().pid} on ${holder().host}`);
    const doc = JSON.parse(readFileSync(summary, 'utf8'));
    expect(doc).toMatchObject({ exit_code: 75, stopped_for: 'locked', requests: 0 });
    expect(doc.resume_command).toContain('--resume');
    expect(sim.requests).toHaveLength(0);
    expect(readFileSync(lock, 'utf8')).toBe(before);
    expect(existsSync(results)).toBe(false);
  });

  test(
    'two live runs: the first refreshes its lock every 5 s; the second (through a symlink to the same results) is kept out; the first finishes',
    async () => {
      let first: ChildProcess | undefined;
      // The first invitation's answer is held 13 s: the first run is alive, holding its lock, past a heartbeat.
      const sim = await simulator({ slowMs: 13_000, faultPlan: (n) => (n === 1 ? 'slow' : undefined) });
      const dir = tempDir();
      const input = usersCsv(dir, 3);
      const results = join(dir, 'users.results.csv');
      const lock = `${results}.lock`;
      const running = runCli(['send', input, '--concurrency', '1', '--timeout', '30s'], { env: sendEnv(sim), onSpawn: (c) => (first = c), timeoutMs: 40_000 });

      const created = await until('the first run to take its lock and start sending', () => (existsSync(lock) && invitationRequests(sim).length > 0 ? statSync(lock).mtimeMs : undefined), 10_000);
      expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ pid: first!.pid, host: hostname() });
      const refreshed = await until('the heartbeat to refresh the lock', () => {
        const now = statSync(lock).mtimeMs;
        return now > created ? now : undefined;
      }, 13_000);
      expect(refreshed - created).toBeGreaterThanOrEqual(4_000); // refreshed by the heartbeat (every 5 s), not rewritten at once

      // A second run through a symlink to the same results file: the lock is on the real path.
      const link = join(dir, 'tonight.csv');
      symlinkSync(results, link);
      const summary = join(dir, 'second.json');
      const second = await runCli(['send', input, '-o', link, '--summary-json', summary], { env: sendEnv(sim) });
      expect(second.code).toBe(75);
      expect(JSON.parse(readFileSync(summary, 'utf8'))).toMatchObject({ exit_code: 75, stopped_for: 'locked' });
      expect(existsSync(`${link}.lock`)).toBe(false);
      expect(first!.exitCode).toBeNull(); // the first was still running

      const done = await running;
      expect(done.code).toBe(0);
      expect(readResults(results).map((r) => r.status)).toEqual(['invited', 'invited', 'invited']);
      expect(invitationRequests(sim)).toHaveLength(3); // the second run sent nothing
      expect(invitedTwice(sim)).toEqual([]);
      expect(existsSync(lock)).toBe(false);
    },
    45_000,
  );
});

describe('the lock is on the real path of the results file', () => {
  test('a run through a symlink meets the lock of its target, and so does a run through the target itself', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const input = usersCsv(dir, 2);
    const real = join(dir, 'real.csv');
    const link = join(dir, 'link.csv');
    // A first run creates the real file, so that the symlink resolves.
    expect((await runCli(['validate', input, '-o', real])).code).toBe(0);
    symlinkSync(real, link);

    leaveLock(real, { pid: process.pid, host: hostname() });
    const throughLink = await runCli(['send', input, '-o', link], { env: sendEnv(sim) });
    expect(throughLink.code).toBe(75);
    expect(existsSync(`${link}.lock`)).toBe(false);

    // Held through the link's real path, the target's own run is kept out as well.
    const throughTarget = await runCli(['send', input, '-o', real], { env: sendEnv(sim) });
    expect(throughTarget.code).toBe(75);
    expect(sim.requests).toHaveLength(0);
  });

  test("a symlink to a results file not created yet: the lock is its target's, the file is created there, the symlink stays", async () => {
    const sim = await simulator();
    const dir = tempDir();
    const input = usersCsv(dir, 2);
    mkdirSync(join(dir, 'volume'));
    const real = join(dir, 'volume', 'users.results.csv');
    const link = join(dir, 'users.results.csv'); // the default results path, prepared as a symlink
    symlinkSync(real, link);

    const lock = leaveLock(real, { pid: 4242, host: 'other-node' });
    const kept = await runCli(['send', input], { env: sendEnv(sim) });
    expect(kept.code).toBe(75);
    rmSync(lock);

    const run = await runCli(['send', input], { env: sendEnv(sim) });
    expect(run.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readResults(real).map((r) => r.status)).toEqual(['invited', 'invited']);
    expect(existsSync(`${link}.lock`)).toBe(false);
  });
});
