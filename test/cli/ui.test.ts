/** What people see: the plan, the question, the progress line, the end summary. */
import { afterAll, afterEach, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { planQuestion, planText } from '../../src/cli/plan-text.js';
import { runCli } from '../../src/cli/program.js';
import { foldToWidth, ProgressBar, progressDetail, TerminalLines } from '../../src/cli/progress.js';
import { confirmPlan } from '../../src/cli/prompt.js';
import { nextStep, renderSummary, resumeCommand, sendCommandFor } from '../../src/cli/summary.js';
import { estimateMs } from '../../src/run/estimate.js';
import { countActions, countStatuses, Problems, type RunReport } from '../../src/run/report.js';
import type { RowResult } from '../../src/types.js';
import type { SendPlan } from '../../src/run/send-run.js';
import { Gate } from '../../src/send/gate.js';
import { cleanTempDirs, tempDir } from '../helpers/files.js';
import { Capture, fakeIo } from '../helpers/fake-io.js';
import type { InterruptHandlers } from '../../src/run/ports.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { closeSimulators, invitationRequests, sendEnv, simulator, usersCsv } from '../helpers/sim.js';

afterEach(closeSimulators);
afterAll(cleanTempDirs);

const NOW = Date.parse('2026-11-26T09:00:00Z');
const HOUR = 3_600_000;

const plan = (over: Partial<SendPlan> = {}): SendPlan => ({
  command: 'send',
  actions: { invite: over.toSend ?? 500, update: 0, resend: 0, revoke: 0, cancel: 0 },
  toSend: 500,
  invalid: 3,
  duplicate: 1,
  existing: 7,
  alreadyDone: 0,
  deferredByLimit: 0,
  accessChanged: 0,
  resendsPostponed: 0,
  recentlyInvited: 0,
  removedSince: 0,
  firstInvites: [],
  removals: [],
  cancels: [],
  resends: [],
  updates: [],
  recentResends: 0,
  skippedBy: { already_active: 7 },
  problems: new Problems(),
  budget: { limit: 100, remaining: 99, resetAt: NOW + HOUR - 60_000 },
  concurrency: 4,
  ...over,
});

describe('estimate', () => {
  test('at 100 an hour, 500 rows take hours', () => {
    const ms = estimateMs(500, { limit: 100, remaining: 100, resetAt: NOW + HOUR }, NOW, 4);
    expect(ms).toBeGreaterThanOrEqual(4 * HOUR);
    expect(ms).toBeLessThan(4.1 * HOUR);
  });

  test('a batch within the budget takes seconds', () => {
    expect(estimateMs(20, { limit: 100, remaining: 99, resetAt: NOW + HOUR }, NOW, 4)).toBeLessThan(10_000);
  });
});

describe('plan and question', () => {
  test('the plan says what will be sent, what will not, the budget, the time and the cost', () => {
    const text = planText(plan(), NOW);
    expect(text).toContain('About to send 500 requests to the Brevo account:');
    expect(text).toMatch(/to invite\s+500/);
    expect(text).toMatch(/already users\s+7 {3}skipped: in the account/);
    expect(text).toMatch(/invalid\s+3 {3}not sent/);
    expect(text).toMatch(/duplicate\s+1 {3}not sent/);
    expect(text).toContain('Budget: 99 of 100 requests left, the window resets in 59m 00s.');
    expect(text).toMatch(/Time needed at this budget: about [45]h \d\dm\./);
    expect(text).toContain('paid seat');
  });

  test.each([
    ['y\n', true],
    ['YES\n', true],
    ['n\n', false],
    ['\n', false],
    ['', false],
  ])('answer %j -> %s', async (input, expected) => {
    const { io, stderr } = fakeIo({ tty: true, input });
    expect(await confirmPlan(plan(), io, NOW)).toBe(expected);
    expect(stderr.text).toContain('Send 500 invitations? [y/N]');
  });

  test('the plan names the first rows to fix (the results file does not exist yet), and every kind of request', () => {
    const problems = Problems.of([{ line: 4, email: 'x@y.co', status: 'invalid', errorMessage: 'line 4: unknown feature "contact"', attempts: 0, granted: '', extra: '' }]);
    const text = planText(plan({ problems, actions: { invite: 2, update: 3, resend: 1, revoke: 0, cancel: 0 }, toSend: 6 }), NOW);
    expect(text).toContain('Rows to fix:\n  line 4: unknown feature "contact"');
    expect(text).toMatch(/to update\s+3/);
    expect(text).toMatch(/to resend\s+1/);
    expect(planQuestion(plan({ actions: { invite: 2, update: 3, resend: 1, revoke: 0, cancel: 0 }, toSend: 6 }))).toBe('Send 6 requests (2 invite, 3 update, 1 resend)?');
  });

  test('more requests than the window has left, with a reset beyond --max-wait: the question says how many go now', () => {
    const text = planText(plan({ toSend: 15, budget: { limit: 10, remaining: 3, resetAt: NOW + 110_000 }, maxWaitMs: 20_000 }), NOW);
    expect(text).toContain('With --max-wait 20s, about 3 of the 15 go now; the rest are deferred until --resume after the window resets.');
    expect(planText(plan({ toSend: 15, budget: { limit: 10, remaining: 3, resetAt: NOW + 110_000 }, maxWaitMs: 3_600_000 }), NOW)).not.toContain('--max-wait');
  });

  test('a resend names the people whose invitation goes again', () => {
    const text = planText(plan({ actions: { invite: 0, update: 0, resend: 2, revoke: 0, cancel: 0 }, toSend: 2, resends: ['ann@x.co', 'bob@x.co'] }), NOW);
    expect(text).toContain('To send the invitation again: ann@x.co, bob@x.co.');
  });

  test('a removal names the account and the people, and why each update is sent', () => {
    const removal = plan({
      command: 'revoke',
      actions: { invite: 0, update: 0, resend: 0, revoke: 1, cancel: 1 },
      toSend: 2,
      removals: ['ann@x.co', 'bob@x.co'],
      cancels: ['bob@x.co'],
      skippedBy: { owner: 1, not_a_user: 1 },
      account: { baseUrl: 'https://api.brevo.com/v3', owner: 'boss@x.co', users: 12 },
      invalid: 0,
      duplicate: 0,
    });
    const text = planText(removal, NOW);
    expect(text).toContain('About to remove 2 people from the Brevo account at https://api.brevo.com/v3 (12 users, the owner boss@x.co among them):');
    expect(text).not.toMatch(/to invite/); // nothing of the sort is planned
    expect(text).toMatch(/owner\s+1 {3}never changed or removed/);
    expect(text).toMatch(/not in account\s+1 {3}nothing to remove/);
    expect(text).toContain('Access is removed at once for: ann@x.co (revoked); bob@x.co (invitation cancelled).');
    expect(planQuestion(removal)).toBe('Remove 2 people (1 revoke, 1 cancel)?');
    const invites = planText(plan({ toSend: 12, firstInvites: Array.from({ length: 10 }, (_, i) => `p${i}@x.co`) }), NOW);
    expect(invites).toContain('To invite: p0@x.co, p1@x.co, p2@x.co, p3@x.co, p4@x.co, p5@x.co, p6@x.co, p7@x.co, p8@x.co, p9@x.co and 2 more.');
    expect(invites).toContain('can add a paid seat to the account: up to 12 here');
    const updates = planText(plan({ actions: { invite: 0, update: 3, resend: 0, revoke: 0, cancel: 0 }, toSend: 3, updates: [{ email: 'ben@x.co', reason: 'changed in the sheet' }, { email: 'ann@x.co', reason: 'not set by this tool before' }, { email: 'bob@x.co', reason: 'not set by this tool before' }] }), NOW);
    expect(updates).toContain('Access to set for: ben@x.co (changed in the sheet); ann@x.co, bob@x.co (not set by this tool before).');
  });
});

describe('progress', () => {
  test('shows counts, rate and an ETA in hours at Brevo budget', () => {
    const text = progressDetail({ done: 30, ok: 28, failed: 2 }, 500, { limit: 100, remaining: 40, resetAt: NOW + 30 * 60_000 }, NOW - 10 * 60_000, NOW, 4);
    expect(text).toMatch(/^ETA 4h \d\dm \| done 28 \| failed 2 \| 3\.0\/min$/);
  });

  test('a run of several actions counts each by name', () => {
    const text = progressDetail({ done: 5, ok: 5, failed: 0, byStatus: { invited: 3, updated: 2 } }, 10, { limit: 100, remaining: 90, resetAt: NOW + HOUR }, NOW - 60_000, NOW, 4);
    expect(text).toMatch(/invited 3 \| updated 2 \| failed 0/);
  });

  test('shows a countdown while every sender waits for the window', () => {
    const text = progressDetail({ done: 100, ok: 100, failed: 0 }, 500, { limit: 100, remaining: 0, resetAt: NOW + 2472_000, waitingUntil: NOW + 2472_000 }, NOW - HOUR, NOW, 4);
    expect(text).toMatch(/^41:12 until Brevo's rate limit resets \| done 100/); // first: a narrow terminal cuts the end
  });

  test('the bar draws on a terminal stream', () => {
    const stream = new Capture(true);
    const clock = new FakeClock(NOW);
    const bar = new ProgressBar(stream, () => clock.now());
    const gate = new Gate(clock, { ratePerSecond: 0, maxWaitMs: HOUR });
    bar.start(plan({ toSend: 3 }), gate);
    bar.rowDone({ line: 2, email: 'a@x.co', status: 'invited', attempts: 1, granted: 'all', extra: '' });
    bar.rowDone({ line: 3, email: 'b@x.co', status: 'failed', attempts: 1, granted: 'all', extra: '' });
    bar.stop();
    expect(stream.text).toContain('2/3 rows');
    expect(stream.text).toContain('done 1 | failed 1');
  });
});

describe('log lines while the bar is drawn', () => {
  test('are printed above the bar, whole, and the bar is drawn again below them (not over them)', () => {
    const stream = new Capture(true);
    stream.columns = 60;
    const clock = new FakeClock(NOW);
    const lines = new TerminalLines(stream);
    const bar = new ProgressBar(stream, () => clock.now(), lines);
    bar.start(plan({ toSend: 2 }), new Gate(clock, { ratePerSecond: 0, maxWaitMs: HOUR }));
    lines.write("[03:00:00] WARN: retrying line 6: an unclear answer (HTTP 500), and Brevo's users list shows it was not processed\n");
    bar.rowDone({ line: 2, email: 'a@x.co', status: 'invited', attempts: 1, granted: 'all', extra: '' });
    bar.stop();
    const warning = stream.text.indexOf('[03:00:00] WARN: retrying line 6');
    expect(warning).toBeGreaterThan(-1);
    expect(stream.text.slice(warning)).toContain("(HTTP\n  500), and Brevo's users list shows it was not processed\n");
    expect(stream.text.lastIndexOf('Sending [')).toBeGreaterThan(warning); // drawn again below it
    lines.write('after the bar\n');
    expect(stream.text.endsWith('after the bar\n')).toBe(true);
  });

  test('a long line is folded at spaces to the width, with a hanging indent; colour codes take no room', () => {
    expect(foldToWidth('one two three four five six seven eight nine ten eleven twelve\n', 24)).toBe('one two three four five\n  six seven eight nine\n  ten eleven twelve\n');
    expect(foldToWidth('\u001b[33mWARN\u001b[39m: short', 24)).toBe('\u001b[33mWARN\u001b[39m: short\n');
    // A line's own indentation stays, and its continuation hangs further in; runs of spaces inside stay.
    expect(foldToWidth('  invited   12   3 by this run, 9 kept from earlier runs\n', 33)).toBe('  invited   12   3 by this run,\n    9 kept from earlier runs\n');
  });
});

describe('end summary', () => {
  const report = (over: Partial<RunReport>): RunReport => ({
    command: 'send',
    input: 'users.csv',
    resultsPath: '/data/users.results.csv',
    counts: { ...countStatuses([]), invited: 100, deferred: 400, invalid: 2 },
    actions: countActions([]),
    total: 502,
    leftInput: 0,
    startedAt: NOW - 40 * 60_000,
    blankRows: 0,
    requests: 101,
    rateLimited: 0,
    elapsedMs: 40 * 60_000,
    budget: { limit: 100, remaining: 0, resetAt: NOW + 20 * 60_000 },
    stoppedFor: 'budget',
    exitCode: 75,
    ...over,
  });

  test('deferred rows: counts, requests, budget and the exact command to resume', () => {
    const args = ['send', 'users.csv', '--max-wait', '10m', '--summary-json', 'run 1.json'];
    const text = renderSummary(report({}), { resume: resumeCommand(args), send: sendCommandFor(args) }, NOW);
    expect(text).toMatch(/invited\s+100/);
    expect(text).toMatch(/deferred\s+400/);
    expect(text).toContain('Requests: 101 used');
    expect(text).toContain('Budget left: 0 of 100 requests, resets in 20m 00s');
    expect(text).toContain('Results: /data/users.results.csv');
    expect(text).toContain("brevo-invite send users.csv --max-wait 10m --summary-json 'run 1.json' --resume");
  });

  test("a plan's next step is the send with the same options, but not the plan's own -o (its --results becomes the send's -o)", () => {
    expect(sendCommandFor(['plan', 'users.csv', '--update', '-o', 'p.csv', '--results', 'r.csv'])).toBe('brevo-invite send users.csv --update -o r.csv');
    expect(sendCommandFor(['plan', '--revoke', 'leavers.csv', '--output=p.csv'])).toBe('brevo-invite revoke leavers.csv');
  });

  test('the next step follows from what happened: the budget\'s reset, refusals to correct, access to apply, nothing to send', () => {
    const commands = { resume: 'brevo-invite send users.csv --resume', send: 'brevo-invite send users.csv' };
    expect(nextStep(report({}), commands, NOW)).toContain('To continue after 09:20:00 UTC, when the budget is back, run:');
    const failed = { ...countStatuses([]), invited: 3, failed: 2 };
    const refusedOnly = nextStep(report({ counts: failed, stoppedFor: undefined, exitCode: 1, refused: 2 }), commands);
    expect(refusedOnly).toContain('Brevo refused 2 rows');
    expect(refusedOnly).toContain('correct the access in the sheet');
    expect(nextStep(report({ counts: failed, stoppedFor: undefined, exitCode: 1, refused: 1 }), commands)).toContain('Those that failed for a reason that can pass');
    const plan = (over: Partial<RunReport>) => report({ command: 'plan', counts: { ...countStatuses([]), skipped: 4 }, stoppedFor: undefined, exitCode: 0, plannedRequests: 0, ...over });
    expect(nextStep(plan({}), commands)).toBe('Nothing to send: the account is in line with the file.');
    expect(nextStep(plan({ accessChanged: 1 }), commands)).toBe('Nothing to send as it is; to apply the access that differs for 1 person: brevo-invite send users.csv --update');
    expect(nextStep(plan({ accessChanged: 2, plannedRequests: 3 }), commands)).toBe('All rows are valid. To send: brevo-invite send users.csv (add --update to apply the access that differs for 2 people)');
  });

  test('a clean dry run says how to send for real, with the same options', () => {
    const text = renderSummary(
      report({ command: 'validate', counts: { ...countStatuses([]), valid: 5 }, total: 5, stoppedFor: undefined, exitCode: 0 }),
      { resume: '', send: sendCommandFor(['validate', 'users.csv', '--roles', 'roles.json']) },
      NOW,
    );
    expect(text).toContain('To send: brevo-invite send users.csv --roles roles.json');
  });

  test('the first rows that need attention are shown, each on its line, with how many more there are', () => {
    const rows: RowResult[] = Array.from({ length: 7 }, (_, i) => ({ line: i + 2, email: `p${i}@x.co`, status: 'invalid', errorCode: 'unknown_feature', errorMessage: `line ${i + 2}: unknown feature "x${i}"`, attempts: 0, granted: '', extra: '' }));
    rows.push({ line: 20, email: 'f@x.co', status: 'failed', errorCode: 'invalid_parameter', errorMessage: 'Feature not available', attempts: 1, granted: 'phone:all', extra: '' });
    const few = renderSummary(report({ problems: Problems.of(rows.slice(5)) }), { resume: '', send: '' }, NOW);
    expect(few).toContain('Rows to look at:\n  line 7: unknown feature "x5"\n  line 8: unknown feature "x6"\n  line 20: failed: Feature not available\n');
    const many = renderSummary(report({ problems: Problems.of(rows) }), { resume: '', send: '' }, NOW);
    expect(many).toContain('First rows to look at (3 more in the results file):\n  line 2: unknown feature "x0"\n');
    expect(many.split('\n').filter((l) => l.startsWith('  line '))).toHaveLength(Problems.SHOWN);
  });

  test("text from Brevo or a row is printed on one line, without control characters (no terminal escapes)", () => {
    const row: RowResult = { line: 9, email: 'f@x.co', status: 'failed', errorCode: 'x', errorMessage: 'bad\u001b[2J\r\nnews\u0007', attempts: 1, granted: 'all', extra: '' };
    const text = renderSummary(report({ problems: Problems.of([row]), stoppedFor: 'unavailable', stopDetail: 'HTTP 502: \u001b]0;title\u0007' }), { resume: 'r', send: '' }, NOW);
    expect(text).toContain('  line 9: failed: bad [2J news \n');
    expect(text).toContain('(HTTP 502:  ]0;title )');
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });
});

describe('the question, through the whole CLI at a (fake) terminal', () => {
  test('a refusal sends nothing and exits 2', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const input = usersCsv(dir, 4);
    const { io, stderr } = fakeIo({ tty: true, input: 'n\n', env: sendEnv(sim), args: ['send', input] });
    const code = await runCli(['send', input], io);
    expect(code).toBe(2);
    expect(stderr.text).toContain('Send 4 invitations? [y/N]');
    expect(stderr.text.match(/nothing was sent/gi)).toHaveLength(1);
    expect(invitationRequests(sim)).toHaveLength(0);
  });

  test('someone at the keyboard is asked even when the output is piped into a log (2>&1 | tee)', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const input = usersCsv(dir, 2);
    const { io, stderr } = fakeIo({ tty: true, input: 'n\n', env: sendEnv(sim), args: ['send', input] });
    io.stderr.isTTY = false;
    io.stdout.isTTY = false;
    expect(await runCli(['send', input], io)).toBe(2);
    expect(stderr.text).toContain('Send 2 invitations? [y/N]');
    expect(invitationRequests(sim)).toHaveLength(0);
  });

  test('Ctrl+C while the list call is still out: the notice does not speak of requests in flight', async () => {
    const sim = await simulator({ latencyMs: 1500 });
    const dir = tempDir();
    const input = usersCsv(dir, 2);
    const { io, stderr } = fakeIo({ tty: true, env: sendEnv(sim), args: ['send', input] });
    let handlers: InterruptHandlers | undefined;
    io.onInterrupt = (h) => {
      handlers = h;
      return () => {};
    };
    const running = runCli(['send', input], io);
    for (let i = 0; i < 100 && !stderr.text.includes('Asking Brevo'); i++) await new Promise((r) => setTimeout(r, 20));
    handlers?.stop('SIGINT');
    expect(typeof handlers?.notice === 'function' ? handlers.notice() : handlers?.notice).toBe('nothing was being sent; writing the results');
    expect(await running).toBe(130); // not left waiting at a question nobody wants
    expect(stderr.text).not.toContain('[y/N]');
    expect(stderr.text).toContain('stopped before the question (Ctrl+C): nothing was sent');
    expect(invitationRequests(sim)).toHaveLength(0);
  });

  test('Ctrl+C at the question sends nothing, writes nothing, and exits 130', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const input = usersCsv(dir, 3);
    const { io, stderr } = fakeIo({ tty: true, env: sendEnv(sim), args: ['send', input] });
    let interrupt: ((signal: 'SIGINT' | 'SIGTERM') => void) | undefined;
    let notice: InterruptHandlers['notice'];
    io.onInterrupt = (handlers) => {
      [interrupt, notice] = [handlers.stop, handlers.notice];
      return () => {};
    };
    const running = runCli(['send', input], io);
    for (let i = 0; i < 100 && !stderr.text.includes('[y/N]'); i++) await new Promise((r) => setTimeout(r, 20));
    interrupt?.('SIGINT');
    // Nothing is in flight at the question: no "finishing the requests in flight" notice.
    expect(typeof notice === 'function' ? notice() : notice).toBeUndefined();
    expect(await running).toBe(130);
    expect(stderr.text).toContain('[y/N] \n');
    expect(stderr.text).toContain('stopped at the question (Ctrl+C): nothing was sent');
    expect(invitationRequests(sim)).toHaveLength(0);
    expect(existsSync(join(dir, 'users.results.csv'))).toBe(false);
  });

  test('"n" to a run of updates and resends: the summary counts the actions it would have taken, not invitations', async () => {
    const sim = await simulator({ existing: [{ email: 'user1@example.com', status: 'active' }, { email: 'user2@example.com', status: 'pending' }] });
    const dir = tempDir();
    const input = usersCsv(dir, 2);
    const summary = join(dir, 's.json');
    const { io } = fakeIo({ tty: true, input: 'n\n', env: sendEnv(sim), args: ['send', input, '--update', '--resend-pending', '--summary-json', summary] });
    expect(await runCli(['send', input, '--update', '--resend-pending', '--summary-json', summary], io)).toBe(2);
    expect(JSON.parse(readFileSync(summary, 'utf8'))).toMatchObject({ stopped_for: 'cancelled', actions: { invite: 0, update: 2, resend: 0 } });
    expect(sim.requests.map((r) => r.action)).toEqual(['list']);
  });

  test('"y" sends', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const input = usersCsv(dir, 4);
    const { io } = fakeIo({ tty: true, input: 'y\n', env: sendEnv(sim), args: ['send', input] });
    expect(await runCli(['send', input, '-o', join(dir, 'out.csv')], io)).toBe(0);
    expect(invitationRequests(sim)).toHaveLength(4);
  });

  test('--yes, or no terminal, means nobody is asked', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const input = usersCsv(dir, 2);
    for (const [tty, args] of [[true, ['--yes']], [false, []]] as const) {
      const { io, stderr } = fakeIo({ tty, env: sendEnv(sim) });
      expect(await runCli(['send', input, '-o', join(dir, `tty-${tty}.csv`), ...args], io)).toBe(0);
      expect(stderr.text).not.toContain('[y/N]');
    }
  });
});
