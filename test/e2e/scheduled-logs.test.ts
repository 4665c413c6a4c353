/**
 * What on-call reads without a terminal: stderr is JSON lines only, every line with the run's
 * run_id and an ISO time; one line per row whatever its status, at a level that means something;
 * one `request` line per request at debug; emails kept out or hashed on demand. Also what a
 * scheduled job leaves on disk (files 0600 whatever the umask) and sees at a dumb terminal. The
 * real CLI runs as a child process against the simulator on 127.0.0.1.
 */
import { afterAll, afterEach, describe, expect, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli as runInProcess } from '../../src/cli/program.js';
import { baseEnv, CLI, expectNoStackTrace, jsonLines, lastError, runCli, type CliRun } from '../helpers/cli.js';
import { fakeIo } from '../helpers/fake-io.js';
import { cleanTempDirs, readResults, tempDir } from '../helpers/files.js';
import { closeSimulators, invitationRequests, sendEnv, simulator, usersCsv } from '../helpers/sim.js';

afterEach(closeSimulators);
afterAll(cleanTempDirs);

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const LEVEL = { info: 30, warn: 40, error: 50 } as const;

/** A roster with one row of every kind a night meets. */
const ROSTER = [
  'email,privileges,name',
  'ann@example.com,contacts:view,Ann', // 2 invited
  'bob@example.com,contacts:veiw,Bob', // 3 invalid
  'cy@example.com,contacts:view,Cy', // 4 invited (after a retry)
  'ANN@example.com,contacts:view,Ann again', // 5 duplicate
  'old@example.com,contacts:view,Old', // 6 skipped: already in the account
  'dee@example.com,phone:all,Dee', // 7 failed: the plan lacks phone
  'eve@example.com,contacts:view,Eve', // 8 invited
  'fay@example.com,contacts:view,Fay', // 9 deferred by --limit
].join('\n');

/** Every line is JSON with the same run_id and an ISO time; returns them. */
function logLines(run: CliRun): Array<Record<string, unknown>> {
  const lines = jsonLines(run.stderr);
  expect(lines.length).toBeGreaterThan(0);
  const runId = lines[0]!.run_id;
  expect(runId).toMatch(/^[0-9a-f-]{36}$/);
  for (const line of lines) {
    expect(line.run_id).toBe(runId);
    expect(line.time).toMatch(ISO_UTC);
    expect(typeof line.level).toBe('number');
    expect(typeof line.msg).toBe('string');
  }
  return lines;
}

const rowLines = (lines: Array<Record<string, unknown>>) => lines.filter((l) => l.msg === 'row finished');

async function wholeNight(extra: string[] = []) {
  let cyFailed = false;
  const sim = await simulator({
    existing: [{ email: 'old@example.com', status: 'active' }],
    planLacks: ['phone'],
    // cy's first request meets a 503: checked against the list (after --timeout and --settle-grace), then sent again.
    faultPlan: (_, email) => (email === 'cy@example.com' && !cyFailed ? ((cyFailed = true), 'http_503') : undefined),
  });
  const dir = tempDir();
  const input = join(dir, 'roster.csv');
  writeFileSync(input, `${ROSTER}\n`);
  const summary = join(dir, 'last-run.json');
  const run = await runCli(['send', input, '--limit', '4', '--concurrency', '1', '--timeout', '500', '--settle-grace', '1s', '--summary-json', summary, ...extra], { env: sendEnv(sim) });
  return { sim, run, dir, summary };
}

describe('stderr without a terminal, for a whole night with faults', () => {
  test('JSON lines only, one run_id, ISO times; one line per row at a level that means something; a retry at warn; a request line per request at debug', async () => {
    const { sim, run, summary } = await wholeNight(['--log-level', 'debug']);
    expectNoStackTrace(run.stderr);
    expect(run.code).toBe(75); // --limit deferred a row
    const lines = logLines(run);
    expect(lines[0]!.run_id).toBe(JSON.parse(readFileSync(summary, 'utf8')).run_id);

    const rows = rowLines(lines);
    expect(rows.map((l) => l.line).sort((a, b) => Number(a) - Number(b))).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    const levelOf = (line: number) => rows.find((l) => l.line === line)!.level;
    const statusOf = (line: number) => rows.find((l) => l.line === line)!.status;
    expect([2, 3, 4, 5, 6, 7, 8, 9].map((n) => [n, statusOf(n), levelOf(n)])).toEqual([
      [2, 'invited', LEVEL.info],
      [3, 'invalid', LEVEL.warn],
      [4, 'invited', LEVEL.info],
      [5, 'duplicate', LEVEL.warn],
      [6, 'skipped', LEVEL.info],
      [7, 'failed', LEVEL.error],
      [8, 'invited', LEVEL.info],
      [9, 'deferred', LEVEL.warn],
    ]);
    for (const row of rows) expect(row).toHaveProperty('email');

    const retries = lines.filter((l) => String(l.msg).startsWith('retrying'));
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ level: LEVEL.warn, line: 4, email: 'cy@example.com' });

    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests).toHaveLength(sim.requests.length);
    for (const r of requests) expect(typeof r.duration_ms).toBe('number');
    expect(requests.filter((r) => r.request === 'list')).toHaveLength(2); // the first, and the one that settled cy's 503

    // Times in the lines are ISO, not milliseconds since 1970.
    expect(lines.find((l) => l.msg === 'plan')).toMatchObject({ budget: { resetAt: expect.stringMatching(ISO_UTC) } });

    const last = lines.at(-1)!;
    expect(last).toMatchObject({ level: LEVEL.warn, exitCode: 75 });
  });

  test('at the default level (info): the same row lines, no request lines', async () => {
    const { run } = await wholeNight();
    const lines = logLines(run);
    expect(rowLines(lines)).toHaveLength(8);
    expect(lines.filter((l) => l.msg === 'request')).toHaveLength(0);
    expect(lines.some((l) => Number(l.level) < LEVEL.info)).toBe(false);
  });

  test('the next night (--resume): every input row has its one line again, the rows kept as they were saying so', async () => {
    const { sim, dir } = await wholeNight();
    const next = await runCli(['send', join(dir, 'roster.csv'), '--resume', '--timeout', '500', '--settle-grace', '1s'], { env: sendEnv(sim) });
    const lines = logLines(next);
    const perRow = lines.filter((l) => l.msg === 'row finished' || l.msg === 'row kept from an earlier run');
    expect(perRow.map((l) => l.line).sort((a, b) => Number(a) - Number(b))).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    const kept = perRow.filter((l) => l.msg === 'row kept from an earlier run');
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.every((l) => l.level === LEVEL.info)).toBe(true);
  });

  test('--log-emails no: no address anywhere on stderr, not even in a message that quotes one', async () => {
    const { run, dir } = await wholeNight(['--log-level', 'debug', '--log-emails', 'no']);
    expect(rowLines(logLines(run))).toHaveLength(8);
    expect(run.stderr).not.toMatch(/example\.com/i);
    // The results file keeps them: HR needs them.
    expect(readResults(join(dir, 'roster.results.csv')).map((r) => r.email)).toContain('ann@example.com');
  });

  test('--log-emails no with updates, removals and an owner of the same domain: the plan line names nobody either', async () => {
    const sim = await simulator({ existing: ['boss', 'old', 'leaver'].map((n) => ({ email: `${n}@example.com`, status: 'active' as const, isOwner: n === 'boss' })) });
    const dir = tempDir();
    const input = join(dir, 'roster.csv');
    writeFileSync(input, 'email,privileges\nold@example.com,contacts:view\nnew@example.com,contacts:view\n');
    const run = await runCli(['send', input, '--update', '--prune', '--log-level', 'debug', '--log-emails', 'no'], { env: sendEnv(sim) });
    expect(run.code).toBe(0);
    expect(logLines(run).find((l) => l.msg === 'plan')).toMatchObject({ plan: { updates: 1, removals: 1 } });
    expect(run.stderr).not.toMatch(/example\.com/i);
  });

  test('--log-emails no or hash: a refused --prune that lists the people it would remove, and a roster row quoted as unreadable, name nobody on stderr', async () => {
    const others = Array.from({ length: 7 }, (_, i) => ({ email: `le${i}@corp.example`, status: 'active' as const }));
    const sim = await simulator({ existing: [{ email: 'boss@corp.example', status: 'active', isOwner: true }, ...others] });
    const dir = tempDir();
    const input = join(dir, 'roster.csv');
    writeFileSync(input, 'email,privileges\nkeep@corp.example,contacts:view\n');
    const unreadable = join(dir, 'unreadable.csv');
    writeFileSync(unreadable, 'email,privileges\nkeep@corp.example,contacts:view\nbad@@corp,contacts:view\n');
    for (const mode of ['no', 'hash']) {
      for (const file of [input, unreadable]) {
        const run = await runCli(['send', file, '--prune', '--log-emails', mode], { env: sendEnv(sim) });
        expect(run.code).toBe(2);
        expect(lastError(run)).toMatch(mode === 'no' ? /\(email\)/ : /\(email [0-9a-f]{12}\)/);
        expect(run.stderr).not.toMatch(/corp\.example|bad@@corp/i);
      }
    }
    expect(sim.removals).toHaveLength(0);
  });

  test('--log-emails hash: a 12-hex hash of the address in lower case, the same in every run', async () => {
    const hash = (email: string) => createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 12);
    const first = await wholeNight(['--log-emails', 'hash']);
    const second = await wholeNight(['--log-emails', 'hash']);
    for (const { run } of [first, second]) {
      expect(run.stderr).not.toMatch(/example\.com/i);
      const rows = rowLines(logLines(run));
      expect(rows).toHaveLength(8);
      for (const row of rows) expect(row.email_hash).toMatch(/^[0-9a-f]{12}$/);
      expect(rows.find((l) => l.line === 2)!.email_hash).toBe(hash('ann@example.com'));
      expect(rows.find((l) => l.line === 5)!.email_hash).toBe(hash('ann@example.com')); // ANN@ is ann@
    }
    const hashes = (run: CliRun) => rowLines(jsonLines(run.stderr)).map((l) => [l.line, l.email_hash]);
    expect(hashes(second.run).sort()).toEqual(hashes(first.run).sort());
  });

  test('a refused key: the reason at error, every row still has its line', async () => {
    const sim = await simulator({ apiKey: 'the-right-key' });
    const dir = tempDir();
    const input = join(dir, 'roster.csv');
    writeFileSync(input, `${ROSTER}\n`);
    const run = await runCli(['send', input], { env: sendEnv(sim) });
    expect(run.code).toBe(3);
    const lines = logLines(run);
    const said = lines.filter((l) => Number(l.level) >= LEVEL.warn && /refused the API key/.test(String(l.msg)));
    expect(said.length).toBeGreaterThan(0);
    expect(said.at(-1)!.level).toBe(LEVEL.error);
    const rows = rowLines(lines);
    expect(rows).toHaveLength(8);
    expect(rows.filter((l) => l.status === 'deferred').every((l) => l.level === LEVEL.warn)).toBe(true);
  });

  test('Brevo out of reach: a 503 on the list call, or nothing listening: warn or error with the reason', async () => {
    const sim = await simulator({ faultsOnList: true, failRate: 1, faults: ['http_503'] });
    const dir = tempDir();
    const input = usersCsv(dir, 2);
    const down = await runCli(['send', input, '--max-retries', '1'], { env: sendEnv(sim) });
    expect(down.code).toBe(75);
    const lines = logLines(down);
    expect(lines.filter((l) => Number(l.level) >= LEVEL.warn).map((l) => JSON.stringify(l)).join('\n')).toMatch(/HTTP 503/);
    expect(lines.filter((l) => String(l.msg).startsWith('retrying the users list: HTTP 503'))).toMatchObject([{ level: LEVEL.warn }]);
    expect(lines.at(-1)).toMatchObject({ level: LEVEL.warn, stoppedFor: 'unavailable', msg: expect.stringContaining('Brevo did not answer') });
    expect(rowLines(lines)).toHaveLength(2);

    const nobody = await runCli(['send', input, '-o', join(dir, 'other.csv')], { env: { BREVO_API_KEY: 'k', BREVO_BASE_URL: 'http://127.0.0.1:9/v3' } });
    expect(nobody.code).toBe(2);
    const errors = logLines(nobody).filter((l) => Number(l.level) >= LEVEL.warn);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ level: LEVEL.error, exit_code: 2 });
    expect(String(errors[0]!.msg)).toMatch(/cannot connect to http:\/\/127\.0\.0\.1:9/);
  });
});

/** Runs the CLI under `umask 022` (the usual default), as cron or a shell would start it. */
function runWithUmask(args: string[], env: Record<string, string>, cwd: string, onSpawn?: (child: ChildProcess) => void): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', 'umask 022 && touch umask-probe && exec "$0" "$@"', process.execPath, CLI, ...args], { cwd, env: baseEnv(env), stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal }));
    onSpawn?.(child);
  });
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe('files that hold personal data are 0600, whatever the umask', () => {
  test('results, journal and lock (left by a run killed mid-batch), and the summary JSON', async () => {
    let child: ChildProcess | undefined;
    let accepted = 0;
    const sim = await simulator({
      latencyMs: 30,
      onRequest: (r) => {
        if (r.accepted === true && ++accepted === 3) child?.kill('SIGKILL');
      },
    });
    const dir = tempDir();
    const input = usersCsv(dir, 12);
    const results = join(dir, 'users.results.csv');
    const killed = await runWithUmask(['send', input, '--concurrency', '1'], sendEnv(sim), dir, (c) => (child = c));
    expect(killed.signal).toBe('SIGKILL');
    expect(mode(join(dir, 'umask-probe'))).toBe(0o644); // the umask did apply
    for (const file of [results, `${results}.journal`, `${results}.lock`]) expect([file, existsSync(file) && mode(file)]).toEqual([file, 0o600]);

    const summary = join(dir, 'last-run.json');
    writeFileSync(summary, '{}', { mode: 0o644 }); // last night's, readable by all
    const resumed = await runWithUmask(['send', input, '--resume', '--settle-grace', '1s', '--summary-json', summary], sendEnv(sim), dir);
    expect(resumed.code).toBe(0);
    expect(mode(summary)).toBe(0o600);
    expect(mode(results)).toBe(0o600);
    expect(invitationRequests(sim).length).toBeGreaterThanOrEqual(12);

    const dry = join(dir, 'check.csv');
    expect((await runWithUmask(['validate', input, '-o', dry], {}, dir)).code).toBe(0);
    expect(mode(dry)).toBe(0o600);
  });
});

describe('at a terminal', () => {
  test('TERM=dumb: no colour codes in anything written; without it, colours (so the check means something)', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const input = join(dir, 'roster.csv');
    writeFileSync(input, 'email,privileges\nann@example.com,contacts:view\nbob@example.com,contacts:veiw\n');
    const run = async (env: Record<string, string>, out: string) => {
      const { io, stdout, stderr } = fakeIo({ tty: true, env: { BREVO_API_KEY: 'k', BREVO_BASE_URL: sim.url, ...env }, cwd: dir });
      const args = ['send', input, '--yes', '-o', join(dir, out), '--log-level', 'info'];
      const code = await runInProcess(args, { ...io, args });
      return { code, text: stdout.text + stderr.text };
    };
    const ESC = /\u001b\[[0-9;]*m/;
    const dumb = await run({ TERM: 'dumb' }, 'dumb.csv');
    expect(dumb.code).toBe(1);
    expect(dumb.text).toContain('invalid');
    expect(dumb.text).not.toMatch(ESC);
    const colour = await run({ TERM: 'xterm-256color' }, 'colour.csv');
    expect(colour.text).toMatch(ESC);
  });
});
