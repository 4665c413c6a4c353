/**
 * Issue 10: nothing looks hung at a terminal (9), and the budget is spent as promised when the key
 * is shared (12), when the reset header runs late (13) and when a run starts on an empty window
 * (14). Against the simulator's real fixed window over HTTP on 127.0.0.1; item 9 runs the CLI
 * in-process at a fake terminal, the others as a child process.
 */
import { afterAll, afterEach, describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli as runInProcess } from '../../src/cli/program.js';
import { runCli, said } from '../helpers/cli.js';
import { fakeIo } from '../helpers/fake-io.js';
import { cleanTempDirs, readResults, tempDir } from '../helpers/files.js';
import { closeSimulators, invitationRequests, invitedTwice, sendEnv, simulator, usersCsv } from '../helpers/sim.js';

afterEach(closeSimulators);
afterAll(cleanTempDirs);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rateLimited = (sim: { requests: Array<{ status?: number | undefined }> }) => sim.requests.filter((r) => r.status === 429).length;

describe('9. at a terminal, nothing looks hung before the plan', () => {
  test('a list call that takes its time: "asking Brevo (URL)" with the seconds counting, before the plan', async () => {
    const sim = await simulator({ latencyMs: 2600 });
    const dir = tempDir();
    const input = usersCsv(dir, 2);
    const { io, stderr } = fakeIo({ tty: true, input: 'n\n', env: sendEnv(sim), args: ['send', input] });
    expect(await runInProcess(['send', input], io)).toBe(2); // "n" at the prompt: nothing sent
    const beforePlan = stderr.text.slice(0, stderr.text.indexOf('About to send'));
    expect(beforePlan).toContain(`Asking Brevo (${sim.url}) for the account's users... 0s`);
    expect(beforePlan).toMatch(/for the account's users\.\.\. 2s/); // redrawn as the wait goes on
    expect(stderr.text).toContain('Send 2 invitations? [y/N]');
    expect(invitationRequests(sim)).toHaveLength(0);
  });

  test('an empty window at the start: a countdown to its reset, before the plan', async () => {
    const sim = await simulator({ rateLimit: { limit: 3, windowMs: 4000 } });
    sim.spend(3); // another tool with the same key has used this window up
    const dir = tempDir();
    const input = usersCsv(dir, 2);
    const { io, stderr } = fakeIo({ tty: true, input: 'n\n', env: sendEnv(sim), args: ['send', input] });
    expect(await runInProcess(['send', input], io)).toBe(2);
    const beforePlan = stderr.text.slice(0, stderr.text.indexOf('About to send'));
    expect(beforePlan).toMatch(/0:0[1-4] until Brevo's rate limit resets \(Ctrl\+C is safe\), then asking Brevo \(http:\/\/127\.0\.0\.1:\d+\/v3\)/);
    expect(beforePlan).toMatch(/0:0[1-3] until Brevo's rate limit resets/); // counting down
    expect(rateLimited(sim)).toBe(1); // the one request that learned the window was empty
  });
});

describe('12. another client drains the shared window while 20 requests are in flight', () => {
  test('the 20 429s are one event: the run waits for the reset and finishes (exit 0), not exit 75', async () => {
    const sim = await simulator({
      rateLimit: { limit: 30, windowMs: 4000 },
      latencyMs: 200,
      acceptDuplicates: true,
      onRequest: (r) => {
        if (r.action === 'list') sim.spend(1000); // as the list answer leaves: the window is gone
      },
    });
    const dir = tempDir();
    const run = await runCli(['send', usersCsv(dir, 20), '--concurrency', '20'], { env: sendEnv(sim) });
    expect(run.code).toBe(0);
    expect(rateLimited(sim)).toBe(20);
    expect(readResults(join(dir, 'users.results.csv')).map((r) => r.status)).toEqual(Array(20).fill('invited'));
    expect(invitedTwice(sim)).toEqual([]);
    expect(said(run)).toContain('Requests: 41 used by this run, 20 of them answered "rate limited" (429)');
  });
});

describe('13. a reset header that runs late', () => {
  test('the probes after a 429 back off, and the lateness learned widens the next windows: a few 429s, not one a second', async () => {
    // The header announces the reset 2 s before the window really resets.
    const sim = await simulator({ rateLimit: { limit: 4, windowMs: 3000 }, resetRunsLateMs: 2000, acceptDuplicates: true });
    const dir = tempDir();
    const summary = join(dir, 'summary.json');
    const run = await runCli(['send', usersCsv(dir, 10), '--summary-json', summary], { env: sendEnv(sim) }); // 11 requests: 3 windows
    expect(run.code).toBe(0);
    expect(readResults(join(dir, 'users.results.csv')).map((r) => r.status)).toEqual(Array(10).fill('invited'));
    expect(rateLimited(sim)).toBeGreaterThanOrEqual(1);
    expect(rateLimited(sim)).toBeLessThanOrEqual(3); // one a second would be 2 or more per window
    const lateness = (JSON.parse(readFileSync(summary, 'utf8')) as { budget: { late_reset_ms: number } }).budget.late_reset_ms;
    expect(lateness).toBeGreaterThanOrEqual(1500);
    expect(lateness).toBeLessThanOrEqual(4500);
  });
});

describe('14. a run that starts on an empty window', () => {
  test('a reset in the summary further away than any window (a gateway\'s bad header, a clock that jumped) is not believed: the next run asks Brevo', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const summary = join(dir, 's.json');
    const input = usersCsv(dir, 2);
    const first = await runCli(['send', input, '--summary-json', summary], { env: sendEnv(sim) });
    expect(first.code).toBe(0);
    const doc = JSON.parse(readFileSync(summary, 'utf8')) as { budget: { remaining: number; reset_at: string } };
    writeFileSync(summary, JSON.stringify({ ...doc, budget: { ...doc.budget, remaining: 0, reset_at: '2083-10-24T10:57:38.000Z' } }));
    const next = await runCli(['send', input, '--resume', '--summary-json', summary], { env: sendEnv(sim) });
    expect(next.code).toBe(0);
    expect(sim.requests).toHaveLength(4); // the first run's 3, then this run's list call
    expect(JSON.parse(readFileSync(summary, 'utf8')).budget.reset_at).not.toMatch(/^2083/);
  });

  test('the next run knows it from the summary: exit 75 with no request; after the reset it completes', async () => {
    const sim = await simulator({ rateLimit: { limit: 5, windowMs: 4000 } });
    const dir = tempDir();
    const input = usersCsv(dir, 7);
    const summary = join(dir, 's.json');
    const args = ['send', input, '--max-wait', '1s', '--summary-json', summary];
    const first = await runCli(args, { env: sendEnv(sim) });
    expect(first.code).toBe(75); // the list call and 4 invitations, then an empty window
    const doc = JSON.parse(readFileSync(summary, 'utf8')) as { budget: { remaining: number; reset_at: string } };
    expect(doc.budget.remaining).toBe(0);
    const sent = sim.requests.length;
    expect(sent).toBe(5);

    const second = await runCli([...args, '--resume'], { env: sendEnv(sim) });
    expect(second.code).toBe(75);
    expect(sim.requests).toHaveLength(sent); // not even the list call: no 429 spent to learn what was known
    expect(said(second)).toMatch(/deferred because Brevo's rate-limit budget ran out/);
    expect(readResults(join(dir, 'users.results.csv')).map((r) => r.status)).toEqual([...Array(4).fill('invited'), 'deferred', 'deferred', 'deferred']);

    await sleep(Math.max(0, Date.parse(doc.budget.reset_at) - Date.now()) + 200);
    const third = await runCli([...args, '--resume'], { env: sendEnv(sim) });
    expect(third.code).toBe(0);
    expect(readResults(join(dir, 'users.results.csv')).map((r) => r.status)).toEqual(Array(7).fill('invited'));
    expect(rateLimited(sim)).toBe(0);
    expect(sim.requests).toHaveLength(sent + 4);
  });
});
