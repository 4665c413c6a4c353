/**
 * Issue 10, "nobody is invited twice" and "no finished result is ever lost" (items 1 to 5), proven
 * from outside: the real CLI as a child process against the simulator on 127.0.0.1, in "accept
 * every request" mode (acceptDuplicates), where a second request that reaches processing is a
 * second invitation, and is counted.
 */
import { afterAll, afterEach, describe, expect, test } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectNoStackTrace, runCli, said } from '../helpers/cli.js';
import { cleanTempDirs, readResults, tempDir } from '../helpers/files.js';
import { closeSimulators, invitationRequests, invitedTwice, listRequests, sendEnv, simulator, usersCsv } from '../helpers/sim.js';
import type { Fault } from '../../src/simulator/faults.js';

afterEach(closeSimulators);
afterAll(cleanTempDirs);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fault plan that gives `fault` to the first request for each email `hit` picks, and none after. */
function firstRequestOf(hit: (email: string) => boolean, fault: Fault) {
  const seen = new Set<string>();
  return (_n: number, email: string): Fault | undefined => {
    if (seen.has(email)) return undefined;
    seen.add(email);
    return hit(email) ? fault : undefined;
  };
}

const userNumber = (email: string) => Number(/^user(\d+)@/.exec(email)?.[1] ?? 0);

/**
 * A run to be stopped with `signal` 100 ms after the first request for `email` reaches Brevo; that
 * request meets `fault`. Pass `faultPlan` to the simulator and `onSpawn` to the run.
 */
function stopWhenSent(email: string, signal: NodeJS.Signals, fault: Fault) {
  let child: ChildProcess | undefined;
  let stopped = false;
  return {
    faultPlan: (_n: number, e: string): Fault | undefined => {
      if (e !== email || stopped) return undefined;
      stopped = true;
      setTimeout(() => child?.kill(signal), 100);
      return fault;
    },
    onSpawn: (c: ChildProcess) => void (child = c),
  };
}

/** Waits (bounded) until `ready` holds. */
async function until(ready: () => boolean, what: string, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !ready(); await sleep(20)) if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
}

describe('1. a gateway 5xx after Brevo processed the invitation', () => {
  test('20 rows, a 502 page after processing on half of them: every row invited once, one list call settles them all', async () => {
    const sim = await simulator({ acceptDuplicates: true, faultPlan: firstRequestOf((e) => userNumber(e) % 2 === 1, 'gateway_502') });
    const dir = tempDir();
    const run = await runCli(['send', usersCsv(dir, 20), '--timeout', '1000', '--settle-grace', '0s'], { env: sendEnv(sim) });
    expectNoStackTrace(run.stderr);
    expect(run.code).toBe(0);
    expect(invitationRequests(sim).filter((r) => r.fault === 'gateway_502')).toHaveLength(10);
    expect(invitedTwice(sim)).toEqual([]);
    expect(sim.invitations().size).toBe(20);
    const rows = readResults(join(dir, 'users.results.csv'));
    expect(rows.map((r) => r.status)).toEqual(Array(20).fill('invited'));
    const unclear = rows.filter((r) => userNumber(r.email!) % 2 === 1);
    expect(unclear.every((r) => r.attempts === '1' && /unclear \(HTTP 502\); confirmed from Brevo's invited-users list/.test(r.error_message!))).toBe(true);
    // requests = one per invitation + the list call at the start + one list call for the batch of unclear answers
    expect(invitationRequests(sim)).toHaveLength(20);
    expect(listRequests(sim)).toHaveLength(2);
    expect(said(run)).toContain('Requests: 22 used');
  });
});

describe('2. Brevo slow to record', () => {
  test('a timeout on a request Brevo records 2.5 s later: one request per person, none invited twice', async () => {
    const sim = await simulator({ acceptDuplicates: true, slowMs: 2500, faultPlan: firstRequestOf((e) => userNumber(e) <= 3, 'late_record') });
    const dir = tempDir();
    const run = await runCli(['send', usersCsv(dir, 8), '--timeout', '1000', '--settle-grace', '2s'], { env: sendEnv(sim) });
    expectNoStackTrace(run.stderr);
    expect(run.code).toBe(0);
    expect(invitedTwice(sim)).toEqual([]);
    const perPerson = new Map<string, number>();
    for (const r of invitationRequests(sim)) perPerson.set(r.email!, (perPerson.get(r.email!) ?? 0) + 1);
    expect([...perPerson.values()]).toEqual(Array(8).fill(1));
    const rows = readResults(join(dir, 'users.results.csv'));
    expect(rows.map((r) => r.status)).toEqual(Array(8).fill('invited'));
    expect(rows.slice(0, 3).every((r) => r.error_message!.includes("confirmed from Brevo's invited-users list"))).toBe(true);
  });

  test('SIGKILL with 8 requests in flight, then an immediate --resume: no one invited twice, everyone invited', async () => {
    let child: ChildProcess | undefined;
    let killed = false;
    const sim = await simulator({
      acceptDuplicates: true,
      slowMs: 1500,
      faultPlan: (n) => {
        if (killed) return undefined;
        if (n === 8) setTimeout(() => child?.kill('SIGKILL'), 100);
        return 'late_record'; // held 1.5 s, then recorded: the client is dead by then
      },
    });
    const dir = tempDir();
    const input = usersCsv(dir, 24);
    const results = join(dir, 'users.results.csv');
    const first = await runCli(['send', input, '--concurrency', '8'], { env: sendEnv(sim), onSpawn: (c) => (child = c) });
    killed = true;
    expect(first.signal).toBe('SIGKILL');
    expect(invitationRequests(sim)).toHaveLength(8);
    expect(sim.invitations().size).toBe(0); // none recorded yet when the next run starts
    expect(readFileSync(`${results}.journal`, 'utf8').trim().split('\n')).toHaveLength(8);

    const second = await runCli(['send', input, '--resume', '--timeout', '1000', '--settle-grace', '3s'], { env: sendEnv(sim) });
    expectNoStackTrace(second.stderr);
    expect(second.code).toBe(0);
    expect(invitedTwice(sim)).toEqual([]);
    expect(sim.invitations().size).toBe(24);
    expect(invitationRequests(sim)).toHaveLength(24); // the 8 were not sent again
    const rows = readResults(results);
    expect(rows.map((r) => r.status)).toEqual(Array(24).fill('invited'));
    expect(rows.filter((r) => r.error_message!.includes('confirmed'))).toHaveLength(8);
    expect(existsSync(`${results}.journal`)).toBe(false);
  });
});

describe('2b. the journal keeps the latest request of a row still unknown', () => {
  test('an earlier entry, then Ctrl+C while Brevo holds the new request, then an immediate --resume: not invited twice', async () => {
    // user1's request is recorded 2.5 s after it arrives, long after the run has stopped.
    const stop = stopWhenSent('user1@example.com', 'SIGINT', 'late_record');
    const sim = await simulator({ acceptDuplicates: true, slowMs: 2500, faultPlan: stop.faultPlan });
    const dir = tempDir();
    const input = usersCsv(dir, 3);
    const results = join(dir, 'users.results.csv');
    // A run long ago sent user1's invitation without an answer, and Brevo never had it.
    writeFileSync(`${results}.journal`, `${JSON.stringify({ sending: 'user1@example.com', action: 'invite', line: 2, at: new Date(Date.now() - 3_600_000).toISOString() })}\n`);
    const stopped = await runCli(['send', input, '--resume', '--timeout', '1000', '--concurrency', '1'], { env: sendEnv(sim), onSpawn: stop.onSpawn });
    expect(stopped.code).toBe(130);
    expect(readResults(results)[0]).toMatchObject({ status: 'deferred', error_code: 'outcome_unknown' });
    expect(sim.invitations().size).toBe(0);

    const again = await runCli(['send', input, '--resume', '--timeout', '1000', '--settle-grace', '3s'], { env: sendEnv(sim) });
    expect(again.code).toBe(0);
    await until(() => sim.requests.some((r) => r.fault === 'late_record' && r.accepted === true), 'Brevo to record the held request');
    expect(invitedTwice(sim)).toEqual([]);
    expect(readResults(results).map((r) => r.status)).toEqual(['invited', 'invited', 'invited']);
    expect(readResults(results)[0]!.error_message).toContain('confirmed');
  });
});

describe('3. a symlink to the results file', () => {
  test('a run through the real path while one runs through the symlink is refused (locked, exit 75); the symlink stays a symlink', async () => {
    const sim = await simulator({ acceptDuplicates: true, latencyMs: 150 });
    const dir = tempDir();
    mkdirSync(join(dir, 'real'));
    const real = join(dir, 'real', 'results.csv');
    const link = join(dir, 'link.csv');
    symlinkSync(real, link);
    const input = usersCsv(dir, 12);
    const summary = join(dir, 'second.json');

    const first = runCli(['send', input, '-o', link, '--concurrency', '1'], { env: sendEnv(sim) });
    await until(() => existsSync(`${real}.lock`), 'the first run to take the lock of the real file');
    const second = await runCli(['send', input, '-o', real, '--summary-json', summary], { env: sendEnv(sim) });
    expect(second.code).toBe(75);
    expect(said(second)).toMatch(/another run .* is writing .*results\.csv/);
    expect(JSON.parse(readFileSync(summary, 'utf8'))).toMatchObject({ exit_code: 75, stopped_for: 'locked' });
    const done = await first;
    expect(done.code).toBe(0);
    expect(existsSync(`${link}.lock`)).toBe(false);

    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(real);
    expect(readResults(real).map((r) => r.status)).toEqual(Array(12).fill('invited'));
    expect(invitedTwice(sim)).toEqual([]);
    expect(invitationRequests(sim)).toHaveLength(12);

    // --resume through the other name finds the same results: nothing more to send
    const third = await runCli(['send', input, '-o', real, '--resume'], { env: sendEnv(sim) });
    expect(third.code).toBe(0);
    expect(invitationRequests(sim)).toHaveLength(12);
  });
});

describe('4. a duplicate row and --resume', () => {
  test('line 2 keeps invited and its invoice id, line 4 stays duplicate; --no-skip-existing sends nothing more', async () => {
    const sim = await simulator({ acceptDuplicates: true });
    const dir = tempDir();
    const input = join(dir, 'team.csv');
    writeFileSync(input, 'email,privileges\nann@example.com,contacts:view\nbob@example.com,contacts:view\nANN@example.com ,contacts:view\n');
    const results = join(dir, 'team.results.csv');
    expect((await runCli(['send', input], { env: sendEnv(sim) })).code).toBe(1); // a duplicate row needs attention
    const before = readResults(results);
    expect(before.map((r) => [r.line, r.status])).toEqual([['2', 'invited'], ['3', 'invited'], ['4', 'duplicate']]);

    for (const extra of [[], ['--no-skip-existing']]) {
      const run = await runCli(['send', input, '--resume', ...extra], { env: sendEnv(sim) });
      expect(run.code).toBe(1);
      const after = readResults(results);
      expect(after.map((r) => [r.line, r.status, r.invoice_id, r.error_code])).toEqual([
        ['2', 'invited', before[0]!.invoice_id, ''],
        ['3', 'invited', before[1]!.invoice_id, ''],
        ['4', 'duplicate', '', 'duplicate_email'],
      ]);
    }
    expect(invitationRequests(sim)).toHaveLength(2);
    expect(invitedTwice(sim)).toEqual([]);
  });
});

describe('4b. a --resume that cannot get the list', () => {
  test('keeps every row an earlier run finished (invoice ids and all), and the next --resume sends nothing again', async () => {
    const sim = await simulator({ acceptDuplicates: true });
    const down = await simulator({ faultsOnList: true, failRate: 1, faults: ['http_503'] });
    const dir = tempDir();
    const input = usersCsv(dir, 3);
    const results = join(dir, 'users.results.csv');
    expect((await runCli(['send', input, '--limit', '2'], { env: sendEnv(sim) })).code).toBe(75);
    const before = readResults(results);
    const outage = await runCli(['send', input, '--resume', '--max-retries', '0'], { env: sendEnv(down) });
    expect(outage.code).toBe(75);
    expect(readResults(results).map((r) => [r.status, r.invoice_id])).toEqual([
      ['invited', before[0]!.invoice_id],
      ['invited', before[1]!.invoice_id],
      ['deferred', ''],
    ]);
    expect((await runCli(['send', input, '--resume'], { env: sendEnv(sim) })).code).toBe(0);
    expect(invitationRequests(sim).map((r) => r.email)).toEqual(['user1@example.com', 'user2@example.com', 'user3@example.com']);
    expect(invitedTwice(sim)).toEqual([]);
  });
});

describe('4c. a run killed just after its list call settled an earlier request', () => {
  test('the settled row is in the results before the journal forgets the request: the next --resume reads it invited, not skipped', async () => {
    const stop = stopWhenSent('user1@example.com', 'SIGKILL', 'slow'); // recorded at once, no answer before the kill
    const sim = await simulator({ acceptDuplicates: true, slowMs: 3000, faultPlan: stop.faultPlan });
    const dir = tempDir();
    const input = usersCsv(dir, 3);
    const results = join(dir, 'users.results.csv');
    expect((await runCli(['send', input, '--concurrency', '1'], { env: sendEnv(sim), onSpawn: stop.onSpawn })).signal).toBe('SIGKILL');

    // The next run finds user1 in the list; it is killed the moment it rewrites the journal.
    let child: ChildProcess | undefined;
    const watcher = watch(dir, (_event, name) => {
      if (name === 'users.results.csv.journal') child?.kill('SIGKILL');
    });
    try {
      await runCli(['send', input, '--resume', '--timeout', '500', '--settle-grace', '0s'], { env: sendEnv(sim), onSpawn: (c) => (child = c) });
    } finally {
      watcher.close();
    }
    // Should the killed run have sent a request before the kill (a busy machine delays the watch),
    // the simulator records it at once: the last run need not wait the default grace for it.
    const last = await runCli(['send', input, '--resume', '--timeout', '500', '--settle-grace', '0s'], { env: sendEnv(sim) });
    expect(last.code).toBe(0);
    expect(readResults(results).map((r) => [r.email, r.status])).toEqual([
      ['user1@example.com', 'invited'],
      ['user2@example.com', 'invited'],
      ['user3@example.com', 'invited'],
    ]);
    expect(invitedTwice(sim)).toEqual([]);
  });
});

describe('5. a row whose email left the spreadsheet', () => {
  test('sent when the run was killed, then removed from the sheet: kept at the end, read as invited since Brevo had it', async () => {
    // user3's request is recorded at once; its answer would come 3 s later, after the run was killed.
    const stop = stopWhenSent('user3@example.com', 'SIGKILL', 'slow');
    const sim = await simulator({ acceptDuplicates: true, slowMs: 3000, faultPlan: stop.faultPlan });
    const dir = tempDir();
    const input = usersCsv(dir, 5);
    const results = join(dir, 'users.results.csv');
    const first = await runCli(['send', input, '--concurrency', '1'], { env: sendEnv(sim), onSpawn: stop.onSpawn });
    expect(first.signal).toBe('SIGKILL');
    expect(sim.invitations().get('user3@example.com')).toBe(1);

    writeFileSync(input, readFileSync(input, 'utf8').replace(/^user3@.*\n/m, ''));
    const second = await runCli(['send', input, '--resume', '--timeout', '1000', '--settle-grace', '0s'], { env: sendEnv(sim) });
    expectNoStackTrace(second.stderr);
    expect(second.code).toBe(0);
    const rows = readResults(results);
    expect(rows.map((r) => [r.line, r.email])).toEqual([
      ['2', 'user1@example.com'],
      ['3', 'user2@example.com'],
      ['4', 'user4@example.com'],
      ['5', 'user5@example.com'],
      ['', 'user3@example.com'],
    ]);
    const left = rows[4]!;
    expect(left.error_message).toMatch(/^no longer in the input file \(it was on line 4\)/);
    expect(left.status).toBe('invited');
    expect(invitedTwice(sim)).toEqual([]);
    expect(said(second)).toContain('1 row of earlier runs kept at the end of the results');
  });

  test('deferred with outcome_unknown, then removed from the sheet: kept, and confirmed invited by the next list', async () => {
    const sim = await simulator({ acceptDuplicates: true, slowMs: 1500, faultPlan: firstRequestOf((e) => e === 'user2@example.com', 'late_record') });
    const dir = tempDir();
    const input = usersCsv(dir, 3);
    const results = join(dir, 'users.results.csv');
    // Brevo gets 30 s to record it, the run may wait 1 s: the row is deferred, outcome unknown.
    const first = await runCli(['send', input, '--timeout', '500', '--settle-grace', '30s', '--max-wait', '1s'], { env: sendEnv(sim) });
    expect(first.code).toBe(75);
    expect(readResults(results).map((r) => [r.status, r.error_code])[1]).toEqual(['deferred', 'outcome_unknown']);
    await until(() => sim.invitations().has('user2@example.com'), 'Brevo to record the late request');

    writeFileSync(input, readFileSync(input, 'utf8').replace(/^user2@.*\n/m, ''));
    const second = await runCli(['send', input, '--resume'], { env: sendEnv(sim) });
    expect(second.code).toBe(0);
    const rows = readResults(results);
    expect(rows.map((r) => [r.line, r.email, r.status])).toEqual([
      ['2', 'user1@example.com', 'invited'],
      ['3', 'user3@example.com', 'invited'],
      ['', 'user2@example.com', 'invited'],
    ]);
    expect(rows[2]!.error_message).toMatch(/^no longer in the input file \(it was on line 3\)/);
    expect(invitedTwice(sim)).toEqual([]);
    expect(invitationRequests(sim)).toHaveLength(3);
  });
});
