/**
 * deploy/cron/brevo-invite-nightly.sh, run for real with bash against the simulator on 127.0.0.1:
 * it sends with --resume, keeps its files owner-only, and turns the tool's exit codes into "quiet,
 * exit 0" for normal nights and "a line on stderr, non-zero" for nights that need a person.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ROOT } from '../helpers/cli.js';
import { cleanTempDirs, readResults, tempDir } from '../helpers/files.js';
import { closeSimulators, invitationRequests, KEY, simulator, usersCsv } from '../helpers/sim.js';
import type { Simulator } from '../../src/simulator/server.js';
import { describeRun, exec, type ExecResult } from '../package/exec.js';

const WRAPPER = join(ROOT, 'deploy/cron/brevo-invite-nightly.sh');
const HOUR = 3_600_000;

let binDir: string;
beforeAll(() => {
  // `brevo-invite` on the PATH, as `npm install -g` leaves it: here, the built CLI.
  binDir = tempDir('brevo-invite-bin-');
  const shim = join(binDir, 'brevo-invite');
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(shim, 0o755);
});
afterEach(closeSimulators);
afterAll(cleanTempDirs);

/** A working folder holding a roster of n valid rows; the key file sits outside it. */
function workDir(rows: number): string {
  const dir = join(tempDir('brevo-invite-night-'), 'onboarding');
  mkdirSync(dir);
  usersCsv(dir, rows, 'roster.csv');
  writeFileSync(join(dir, '..', 'api-key'), `${KEY}\n`, { mode: 0o600 });
  return dir;
}

/** One night: the wrapper started as cron starts it (no terminal, a short environment, cwd /). */
async function night(dir: string, sim: Simulator | undefined, env: Record<string, string> = {}) {
  const run = await exec('bash', [WRAPPER], {
    cwd: '/',
    timeoutMs: 60_000,
    env: {
      PATH: `${binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: process.env.HOME ?? '/tmp',
      BREVO_INVITE_DIR: dir,
      BREVO_API_KEY_FILE: join(dir, '..', 'api-key'),
      ...(sim ? { BREVO_BASE_URL: sim.url } : {}),
      ...env,
    },
  });
  return run;
}

/** The wrapper's exit code, with its whole output in the failure message when it is not the one expected. */
function expectExit(run: ExecResult, code: number): void {
  if (run.code !== code) throw new Error(`expected exit ${code}; ${describeRun('brevo-invite-nightly.sh', run)}`);
}

interface WrapperLine {
  level: number;
  time: string;
  exit_code: number;
  msg: string;
}

/** Every line of the log must be JSON (the tool's and the wrapper's); returns the wrapper's. */
function wrapperLines(dir: string): WrapperLine[] {
  // Every line: a line that is not JSON fails here (the summary in words goes to last-run.txt).
  const lines = readFileSync(join(dir, 'invite.log'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  return lines.map((l) => JSON.parse(l) as WrapperLine & { source?: string }).filter((l) => l.source === 'brevo-invite-nightly');
}

const mode = (path: string) => statSync(path).mode & 0o777;

test('bash -n: the wrapper parses, and is executable', async () => {
  const run = await exec('bash', ['-n', WRAPPER], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' }, timeoutMs: 10_000 });
  expect(run.stderr).toBe('');
  expectExit(run, 0);
  expect(mode(WRAPPER) & 0o111).toBe(0o111);
});

describe('normal nights: exit 0 and nothing on stdout or stderr (cron mails nothing)', () => {
  test('0: every row invited; results, summary and log are owner-only', async () => {
    const sim = await simulator({ rateLimit: { limit: 100, windowMs: HOUR } });
    const dir = workDir(5);
    const run = await night(dir, sim);
    expectExit(run, 0);
    expect(run.stdout + run.stderr).toBe('');
    expect(invitationRequests(sim)).toHaveLength(5);
    expect(readResults(join(dir, 'roster.results.csv')).map((r) => r.status)).toEqual(Array(5).fill('invited'));
    const summary = JSON.parse(readFileSync(join(dir, 'last-run.json'), 'utf8')) as Record<string, unknown>;
    expect(JSON.stringify(summary)).toContain('"invited":5');
    for (const file of ['roster.results.csv', 'last-run.json', 'invite.log']) expect([file, mode(join(dir, file))]).toEqual([file, 0o600]);
    expect(wrapperLines(dir)).toEqual([expect.objectContaining({ level: 30, exit_code: 0 })]);
    expect(wrapperLines(dir)[0]?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  test('1: some rows invalid: the valid ones are sent; the log says the roster needs fixing', async () => {
    const sim = await simulator();
    const dir = workDir(0);
    writeFileSync(join(dir, 'roster.csv'), 'email,privileges\nok@example.com,contacts:view\nbroken,contacts:view\n');
    const run = await night(dir, sim);
    expectExit(run, 0);
    expect(run.stdout + run.stderr).toBe('');
    expect(invitationRequests(sim).map((r) => r.email)).toEqual(['ok@example.com']);
    expect(wrapperLines(dir)).toEqual([expect.objectContaining({ level: 30, exit_code: 1, msg: expect.stringContaining('need fixing') })]);
  });

  test('75: the budget runs out, the rest waits for the next night; a streak of such nights alerts; a full night resets it', async () => {
    const dir = workDir(6);
    const env = { BREVO_INVITE_MAX_WAIT: '1s', BREVO_INVITE_DEFERRED_ALERT: '2' };

    // Night 1: 3 requests in the window: the list call and 2 invitations; 4 rows deferred.
    const sim1 = await simulator({ rateLimit: { limit: 3, windowMs: HOUR } });
    const first = await night(dir, sim1, env);
    expectExit(first, 0);
    expect(first.stdout + first.stderr).toBe('');
    expect(invitationRequests(sim1)).toHaveLength(2);
    expect(readResults(join(dir, 'roster.results.csv')).filter((r) => r.status === 'deferred')).toHaveLength(4);
    expect(readFileSync(join(dir, '.deferred-nights'), 'utf8').trim()).toBe('1');

    // Night 2: the budget is spent by another tool sharing the key: deferred again, the streak
    // reaches the alert threshold: a line on stderr and exit 75.
    const sim2 = await simulator({ rateLimit: { limit: 1, windowMs: HOUR } });
    const second = await night(dir, sim2, env);
    expectExit(second, 75);
    expect(second.stdout).toBe('');
    expect(JSON.parse(second.stderr.trim()) as WrapperLine).toMatchObject({ level: 50, exit_code: 75, msg: expect.stringContaining('2 nights in a row') });
    expect(invitationRequests(sim2)).toHaveLength(0);

    // Night 3: a fresh window: --resume sends only the 4 deferred rows; the streak is reset.
    const sim3 = await simulator({ rateLimit: { limit: 100, windowMs: HOUR } });
    const third = await night(dir, sim3, env);
    expectExit(third, 0);
    expect(invitationRequests(sim3).map((r) => r.email).sort()).toEqual(['user3@example.com', 'user4@example.com', 'user5@example.com', 'user6@example.com']);
    expect(readResults(join(dir, 'roster.results.csv')).map((r) => r.status)).toEqual(Array(6).fill('invited'));
    expect(readFileSync(join(dir, '.deferred-nights'), 'utf8').trim()).toBe('0');
    expect(wrapperLines(dir).map((l) => l.exit_code)).toEqual([75, 75, 0]);
  });
});

test('in a container (BREVO_INVITE_LOG=-), every line stays on stdout/stderr for the platform, and no log file is made', async () => {
  const sim = await simulator();
  const dir = workDir(2);
  const run = await night(dir, sim, { BREVO_INVITE_LOG: '-' });
  expectExit(run, 0);
  expect(existsSync(join(dir, 'invite.log'))).toBe(false);
  const last = JSON.parse(run.stderr.trim().split('\n').at(-1)!) as WrapperLine & { source: string };
  expect(last).toMatchObject({ source: 'brevo-invite-nightly', level: 30, exit_code: 0 });
  const toolLines = (run.stdout + run.stderr).split('\n').filter((l) => l.trim() !== '' && !l.includes('"source":"brevo-invite-nightly"'));
  expect(toolLines.length).toBeGreaterThan(0); // the tool's own log and summary
});

describe('nights that need a person: a JSON line on stderr, and the tool exit code', () => {
  test('2: the roster is missing', async () => {
    const sim = await simulator();
    const dir = workDir(1);
    const run = await night(dir, sim, { BREVO_INVITE_ROSTER: 'missing.csv' });
    expectExit(run, 2);
    expect(JSON.parse(run.stderr.trim()) as WrapperLine).toMatchObject({ level: 50, exit_code: 2, msg: expect.stringContaining('needs a person') });
    expect(sim.requests).toHaveLength(0);
  });

  test('3: Brevo refuses the key', async () => {
    const sim = await simulator({ apiKey: 'another-key' });
    const dir = workDir(2);
    const run = await night(dir, sim);
    expectExit(run, 3);
    expect(JSON.parse(run.stderr.trim()) as WrapperLine).toMatchObject({ level: 50, exit_code: 3 });
    expect(invitationRequests(sim)).toHaveLength(0);
  });

  test('2: the working folder does not exist', async () => {
    const run = await night(join(tempDir(), 'nowhere'), undefined);
    expectExit(run, 2);
    expect(run.stderr).toContain('cannot enter the working folder');
  });

  test('127: brevo-invite is not on the PATH', async () => {
    const dir = workDir(1);
    const run = await night(dir, undefined, { BREVO_INVITE_BIN: join(binDir, 'not-there') });
    expectExit(run, 127);
    expect(run.stderr).toContain('"exit_code":127');
    expect(existsSync(join(dir, 'roster.results.csv'))).toBe(false);
  });
});
