/**
 * Crash safety across runs: SIGKILL and SIGINT mid-batch, cron's --max-wait and --limit, then
 * --resume; the results file and the lock. The CLI runs as a child process against the simulator.
 */
import { afterAll, afterEach, describe, expect, test } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectNoStackTrace, runCli, said } from '../helpers/cli.js';
import { cleanTempDirs, readResults, tempDir } from '../helpers/files.js';
import { closeSimulators, invitationRequests, invitedTwice, KEY, sendEnv, simulator, usersCsv } from '../helpers/sim.js';

afterEach(closeSimulators);
afterAll(cleanTempDirs);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SIGKILL, then --resume', () => {
  test.each([
    ['after the list call, before any invitation', 1, false],
    ['mid-batch, between answers', 9, false],
    ['mid-batch, while an accepted invitation awaits its answer', 17, true],
  ])('killed %s: every row ends invited, no one twice, results in input order', async (_, killAt, whileInFlight) => {
    let child: ChildProcess | undefined;
    const sim = await simulator({
      latencyMs: 40,
      slowMs: 3000,
      faultPlan: (n) => {
        if (n === killAt && whileInFlight) {
          setTimeout(() => child?.kill('SIGKILL'), 300);
          return 'slow'; // accepted by the server, the answer never arrives
        }
        if (n === killAt + 1 && !whileInFlight) child?.kill('SIGKILL');
        return undefined;
      },
    });
    const dir = tempDir();
    const input = usersCsv(dir, 30);
    const results = join(dir, 'users.results.csv');
    const first = await runCli(['send', input, '--concurrency', '3'], { env: sendEnv(sim), onSpawn: (c) => (child = c) });
    expect(first.signal).toBe('SIGKILL');
    // What the crash left is a valid results file with every row, and a stale lock.
    const afterCrash = readResults(results);
    expect(new Set(afterCrash.map((r) => r.line)).size).toBe(30);
    expect(existsSync(`${results}.lock`)).toBe(true);

    // Brevo is given the grace period to record the requests the crash left in flight (short here).
    const second = await runCli(['send', input, '--resume', '--timeout', '2000', '--settle-grace', '1s'], { env: sendEnv(sim) });
    expectNoStackTrace(second.stderr);
    expect(second.code).toBe(0);
    const rows = readResults(results);
    expect(rows.map((r) => r.line)).toEqual(Array.from({ length: 30 }, (_, i) => String(i + 2)));
    expect(rows.map((r) => r.status)).toEqual(Array(30).fill('invited'));
    expect(invitedTwice(sim)).toEqual([]);
    expect(sim.invitations().size).toBe(30);
    if (whileInFlight) {
      const settled = rows.find((r) => (r.error_message ?? '').includes('confirmed'));
      expect(settled).toBeDefined();
    }
    expect(existsSync(`${results}.lock`)).toBe(false);
    expect(existsSync(`${results}.journal`)).toBe(false);
  });
});

describe('SIGINT', () => {
  test('stops starting requests, lets those in flight finish, writes the results, exits 130', async () => {
    let child: ChildProcess | undefined;
    let accepted = 0;
    const sim = await simulator({
      latencyMs: 150,
      onRequest: (r) => {
        if (r.accepted === true && ++accepted === 5) child?.kill('SIGINT');
      },
    });
    const dir = tempDir();
    const input = usersCsv(dir, 30);
    const run = await runCli(['send', input, '--concurrency', '3'], { env: sendEnv(sim), onSpawn: (c) => (child = c) });
    expect(run.code).toBe(130);
    const rows = readResults(join(dir, 'users.results.csv'));
    expect(rows).toHaveLength(30);
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['invited', 'deferred']));
    const invited = rows.filter((r) => r.status === 'invited').map((r) => r.email).sort();
    expect(invited).toEqual([...sim.invitations().keys()].sort());
    expect(invited.length).toBeGreaterThanOrEqual(5);
    // no request was left open: every request the server received got its answer to the client
    expect(sim.requests.every((r) => r.status !== undefined)).toBe(true);
    expect(said(run)).toMatch(/brevo-invite send \S+users\.csv --concurrency 3 --resume/);
  });

  test('a second SIGINT exits at once, keeping every finished row', async () => {
    let child: ChildProcess | undefined;
    let accepted = 0;
    let slow = true;
    const sim = await simulator({
      latencyMs: 100,
      faultPlan: (n) => (slow && n >= 4 ? 'slow' : undefined), // from the 4th on, answers take 5 s
      slowMs: 5000,
      onRequest: (r) => {
        if (r.accepted === true && ++accepted === 3) {
          setTimeout(() => child?.kill('SIGINT'), 300);
          setTimeout(() => child?.kill('SIGINT'), 600);
        }
      },
    });
    const dir = tempDir();
    const input = usersCsv(dir, 10);
    const started = Date.now();
    const run = await runCli(['send', input, '--concurrency', '2'], { env: sendEnv(sim), onSpawn: (c) => (child = c) });
    expect(run.code).toBe(130);
    expect(Date.now() - started).toBeLessThan(4000); // did not wait for the slow answers
    const results = join(dir, 'users.results.csv');
    const rows = readResults(results); // still a valid CSV: the snapshot plus the appended rows
    const invited = new Set(rows.filter((r) => r.status === 'invited').map((r) => r.email));
    expect(invited.size).toBeGreaterThanOrEqual(3);
    expect(existsSync(`${results}.lock`)).toBe(false);
    // and --resume finishes the job without inviting anyone twice
    slow = false;
    const again = await runCli(['send', input, '--resume'], { env: sendEnv(sim), timeoutMs: 60_000 });
    expect(again.code).toBe(0);
    expect(invitedTwice(sim)).toEqual([]);
    expect(readResults(results).map((r) => r.status)).toEqual(Array(10).fill('invited'));
  });
});

describe('cron mode', () => {
  test('--max-wait: an exhausted window defers the rest with exit 75; --resume after the reset finishes', async () => {
    const sim = await simulator({ rateLimit: { limit: 5, windowMs: 3000 } });
    const dir = tempDir();
    const input = usersCsv(dir, 12);
    const summary = join(dir, 'summary.json');
    const first = await runCli(['send', input, '--max-wait', '1s', '--summary-json', summary], { env: sendEnv(sim) });
    expect(first.code).toBe(75);
    const rows = readResults(join(dir, 'users.results.csv'));
    expect(rows.filter((r) => r.status === 'invited')).toHaveLength(4); // 5 requests: the list call and 4 invitations
    expect(rows.filter((r) => r.status === 'deferred').every((r) => r.error_code === 'rate_limit_window')).toBe(true);
    expect(said(first)).toMatch(/deferred because Brevo's rate-limit budget ran out/);
    expect(said(first)).toContain('--resume');
    const report = JSON.parse(readFileSync(summary, 'utf8')) as { exit_code: number; counts: Record<string, number>; budget: { reset_at: string; remaining: number } };
    expect(report).toMatchObject({ exit_code: 75, counts: { invited: 4, deferred: 8 }, budget: { remaining: 0 } });
    expect(sim.requests.filter((r) => r.status === 429)).toHaveLength(0);

    await sleep(Math.max(0, Date.parse(report.budget.reset_at) - Date.now()) + 100);
    const second = await runCli(['send', input, '--resume', '--max-wait', '10s'], { env: sendEnv(sim) });
    expect(second.code).toBe(0);
    expect(readResults(join(dir, 'users.results.csv')).map((r) => r.status)).toEqual(Array(12).fill('invited'));
    expect(invitedTwice(sim)).toEqual([]);
  });

  test('--limit invites at most N this run; the next run goes on', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const input = usersCsv(dir, 7);
    const first = await runCli(['send', input, '--limit', '3'], { env: sendEnv(sim) });
    expect(first.code).toBe(75);
    expect(invitationRequests(sim)).toHaveLength(3);
    const second = await runCli(['send', input, '--limit', '3', '--resume'], { env: sendEnv(sim) });
    expect(second.code).toBe(75);
    const third = await runCli(['send', input, '--limit', '3', '--resume'], { env: sendEnv(sim) });
    expect(third.code).toBe(0);
    expect(invitationRequests(sim)).toHaveLength(7);
    expect(readResults(join(dir, 'users.results.csv')).map((r) => r.status)).toEqual(Array(7).fill('invited'));
  });

  test('--resume of an edited spreadsheet keeps finished rows by email and sends only the new ones', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const input = join(dir, 'team.csv');
    writeFileSync(input, 'email,privileges,team\nann@example.com,contacts:view,A\nbob@example.com,contacts:view,B\n');
    expect((await runCli(['send', input], { env: sendEnv(sim) })).code).toBe(0);
    const before = readResults(join(dir, 'team.results.csv'));
    writeFileSync(input, 'email,privileges,team\ncy@example.com,contacts:view,C\nbob@example.com,contacts:view,B2\nann@example.com,contacts:view,A\n');
    const run = await runCli(['send', input, '--resume'], { env: sendEnv(sim) });
    expect(run.code).toBe(0);
    const after = readResults(join(dir, 'team.results.csv'));
    expect(after.map((r) => [r.line, r.email, r.status, r.team])).toEqual([
      ['2', 'cy@example.com', 'invited', 'C'],
      ['3', 'bob@example.com', 'invited', 'B2'],
      ['4', 'ann@example.com', 'invited', 'A'],
    ]);
    expect(after[2]?.invoice_id).toBe(before[0]?.invoice_id);
    expect(after[2]?.finished_at).toBe(before[0]?.finished_at);
    expect(invitationRequests(sim).map((r) => r.email)).toEqual(['ann@example.com', 'bob@example.com', 'cy@example.com']);
  });

  test('--resume keeps a row Brevo refused, and sends it again once its access is fixed', async () => {
    const sim = await simulator({ planLacks: ['phone'] });
    const dir = tempDir();
    const input = join(dir, 'team.csv');
    writeFileSync(input, 'email,privileges\nann@example.com,phone:all\nbob@example.com,contacts:view\n');
    const first = await runCli(['send', input], { env: sendEnv(sim) });
    expect(first.code).toBe(1);
    expect(readResults(join(dir, 'team.results.csv')).map((r) => [r.status, r.error_code, r.http_status])).toEqual([
      ['failed', 'invalid_parameter', '400'],
      ['invited', '', '200'],
    ]);
    const again = await runCli(['send', input, '--resume'], { env: sendEnv(sim) });
    expect(again.code).toBe(1);
    expect(invitationRequests(sim)).toHaveLength(2); // the refusal is not retried
    writeFileSync(input, 'email,privileges\nann@example.com,contacts:view\nbob@example.com,contacts:view\n');
    const fixed = await runCli(['send', input, '--resume'], { env: sendEnv(sim) });
    expect(fixed.code).toBe(0);
    expect(readResults(join(dir, 'team.results.csv')).map((r) => r.status)).toEqual(['invited', 'invited']);
    expect(invitationRequests(sim).map((r) => r.email)).toEqual(['ann@example.com', 'bob@example.com', 'ann@example.com']);
  });

  test('a second run on the same results file while one holds the lock says so and exits 75', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const input = usersCsv(dir, 2);
    const results = join(dir, 'users.results.csv');
    writeFileSync(`${results}.lock`, JSON.stringify({ pid: process.pid, host: (await import('node:os')).hostname(), started: 'now' }));
    const run = await runCli(['send', input], { env: sendEnv(sim) });
    expect(run.code).toBe(75);
    expect(said(run)).toContain('another run');
    expect(sim.requests).toHaveLength(0);
  });
});

describe('results files --resume will not trust', () => {
  test.each([
    ['not ours', 'name,email\nAnn,ann@example.com\n', /is not a brevo-invite results file/],
    ['damaged in the middle', '\uFEFFline,email,status,invoice_id,error_code,error_message,http_status,attempts,granted,finished_at\n2,ann@example.com,invited,INV-1,,,200,1\n3,bob@example.com,invited,INV-2,,,200,1,contacts:view,\n', /damaged/],
    ['with an unknown status', '\uFEFFline,email,status,invoice_id,error_code,error_message,http_status,attempts,granted,finished_at\n2,ann@example.com,maybe,,,,,1,contacts:view,\n', /damaged/],
  ])('%s: exit 2, nothing sent, the file left as it was', async (_, content, message) => {
    const sim = await simulator();
    const dir = tempDir();
    const input = usersCsv(dir, 2);
    const results = join(dir, 'users.results.csv');
    writeFileSync(results, content);
    const run = await runCli(['send', input, '--resume'], { env: sendEnv(sim) });
    expect(run.code).toBe(2);
    expect(said(run)).toMatch(message);
    expectNoStackTrace(run.stderr);
    expect(readFileSync(results, 'utf8')).toBe(content);
    expect(sim.requests).toHaveLength(0);
  });
});

describe('an earlier send is never wiped out', () => {
  test('validate, or send without --resume, on the same results file: exit 2 with the way out, file untouched, nothing sent', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const input = usersCsv(dir, 2);
    const results = join(dir, 'users.results.csv');
    expect((await runCli(['send', input], { env: sendEnv(sim) })).code).toBe(0);
    const before = readFileSync(results, 'utf8');
    const sent = sim.requests.length;

    const dry = await runCli(['validate', input]);
    expect(dry.code).toBe(2);
    expect(said(dry)).toContain('holds the results of an earlier send');
    expect(said(dry)).toContain(`-o ${join(dir, 'users.results')}.check.csv`);
    const again = await runCli(['send', input], { env: sendEnv(sim) });
    expect(again.code).toBe(2);
    expect(said(again)).toContain('add --resume');
    for (const run of [dry, again]) expectNoStackTrace(run.stderr);
    expect(readFileSync(results, 'utf8')).toBe(before);
    expect(sim.requests).toHaveLength(sent);

    // the ways out work: --resume keeps everything (nothing to send), -o writes elsewhere
    expect((await runCli(['send', input, '--resume'], { env: sendEnv(sim) })).code).toBe(0);
    expect(readResults(results).map((r) => r.status)).toEqual(['invited', 'invited']);
    expect((await runCli(['validate', input, '-o', join(dir, 'check.csv')])).code).toBe(0);
  });

  test('the demo (npm start) can be run again: it replaces its own results', async () => {
    const dir = tempDir();
    for (let i = 0; i < 2; i++) {
      const run = await runCli(['demo'], { cwd: dir });
      expect(run.code).toBe(0);
    }
    expect(readResults(join(dir, 'sample.results.csv')).filter((r) => r.status === 'invited')).toHaveLength(10);
  });
});

describe('the API key', () => {
  test('appears nowhere the tool writes, at any log level, even through faults', async () => {
    const sim = await simulator({ failRate: 0.5, seed: 3, slowMs: 600 });
    const dir = tempDir();
    const input = usersCsv(dir, 8);
    for (const level of ['trace', 'debug']) {
      const summary = join(dir, `summary-${level}.json`);
      const run = await runCli(['send', input, '--log-level', level, '--timeout', '300', '--settle-grace', '1s', '--summary-json', summary, '-o', join(dir, `${level}.csv`)], { env: sendEnv(sim) });
      expect(run.stderr.length).toBeGreaterThan(0);
      for (const text of [run.stdout, run.stderr, readFileSync(join(dir, `${level}.csv`), 'utf8'), readFileSync(summary, 'utf8')]) {
        expect(text).not.toContain(KEY);
      }
    }
  });
});
