/** The real CLI as a child process, sending to the simulator over real HTTP on 127.0.0.1. */
import { afterAll, afterEach, describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectNoStackTrace, fixture, runCli, said } from '../helpers/cli.js';
import { cleanTempDirs, readResults, tempDir } from '../helpers/files.js';
import { closeSimulators, invitationRequests, invitedTwice, KEY, listRequests, sendEnv, simulator, usersCsv } from '../helpers/sim.js';

afterEach(closeSimulators);
afterAll(cleanTempDirs);

describe('brevo-invite send', () => {
  test('happy path: one list call, one invitation per valid row, results with invoice ids in input order', async () => {
    const sim = await simulator({ rateLimit: { limit: 100, windowMs: 3_600_000 } });
    const dir = tempDir();
    const input = usersCsv(dir, 12);
    const run = await runCli(['send', input], { env: sendEnv(sim) });
    expectNoStackTrace(run.stderr);
    expect(run.code).toBe(0);
    const rows = readResults(join(dir, 'users.results.csv'));
    expect(rows.map((r) => r.line)).toEqual(Array.from({ length: 12 }, (_, i) => String(i + 2)));
    expect(rows.every((r) => r.status === 'invited' && /^INV-\d+$/.test(r.invoice_id ?? '') && r.attempts === '1')).toBe(true);
    expect(listRequests(sim)).toHaveLength(1);
    expect(invitationRequests(sim)).toHaveLength(12);
    // every invited row was accepted by the server, with the invoice id it gave
    for (const r of rows) expect(sim.users.get(r.email ?? '')?.invoiceId).toBe(r.invoice_id);
    expect(rows[2]?.granted).toBe('contacts:view|import');
    expect(said(run)).toMatch(/invited\s+12/);
    expect(said(run)).toContain('Requests: 13 used');
  });

  test('invalid and duplicate rows never reach the network; existing users are skipped', async () => {
    const sim = await simulator({ existing: [{ email: 'all@example.com', status: 'active' }, { email: 'alias@example.com', status: 'pending' }] });
    const dir = tempDir();
    const out = join(dir, 'r.csv');
    const run = await runCli(['send', fixture('inputs/every-problem.csv'), '--roles', fixture('roles.json'), '-o', out], { env: sendEnv(sim) });
    expect(run.code).toBe(1);
    const rows = readResults(out);
    expect(rows.map((r) => [r.line, r.status, r.error_code])).toContainEqual(['13', 'skipped', 'already_active']);
    expect(rows.map((r) => [r.line, r.status, r.error_code])).toContainEqual(['15', 'skipped', 'already_pending']);
    expect(rows.filter((r) => r.status === 'invited').map((r) => r.email)).toEqual(['ok@example.com']);
    expect(invitationRequests(sim).map((r) => r.email)).toEqual(['ok@example.com']);
    expect(rows).toHaveLength(14);
  });

  test('--no-skip-existing sends to existing users and reads "already" answers as skipped', async () => {
    const sim = await simulator({ existing: [{ email: 'user2@example.com', status: 'active' }] });
    const dir = tempDir();
    const run = await runCli(['send', usersCsv(dir, 3), '--no-skip-existing'], { env: sendEnv(sim) });
    expect(run.code).toBe(0);
    expect(listRequests(sim)).toHaveLength(0);
    const rows = readResults(join(dir, 'users.results.csv'));
    expect(rows.map((r) => [r.status, r.error_code])).toEqual([
      ['invited', ''],
      ['skipped', 'already_invited'],
      ['invited', ''],
    ]);
  });

  test('faults of every kind: every row ends invited, and no one is invited twice', async () => {
    const sim = await simulator({ failRate: 0.45, seed: 7, slowMs: 700 });
    const dir = tempDir();
    const input = usersCsv(dir, 40);
    const run = await runCli(['send', input, '--timeout', '300', '--settle-grace', '1s', '--max-retries', '8', '--concurrency', '4'], { env: sendEnv(sim, { BREVO_LOG_LEVEL: 'warn' }) });
    expectNoStackTrace(run.stderr);
    const faults = new Set(invitationRequests(sim).map((r) => r.fault).filter((f) => f !== undefined));
    expect([...faults].sort()).toEqual(['gateway_502', 'http_500', 'http_503', 'late_record', 'reset_after', 'reset_before', 'slow']);
    const rows = readResults(join(dir, 'users.results.csv'));
    expect(rows.map((r) => r.status)).toEqual(Array(40).fill('invited'));
    expect(run.code).toBe(0);
    expect(invitedTwice(sim)).toEqual([]);
    expect(sim.invitations().size).toBe(40);
    const confirmed = rows.filter((r) => (r.error_message ?? '').includes("confirmed from Brevo's invited-users list"));
    expect(confirmed.length).toBeGreaterThan(0); // reset_after and slow answers were settled by the list
    expect(sim.maxConcurrent()).toBeLessThanOrEqual(4);
  });

  test.each(['ceil', 'floor'] as const)('a small window (10 requests per 2 s, reset rounded with %s) is used fully, with at most two 429s', async (resetRounding) => {
    const sim = await simulator({ rateLimit: { limit: 10, windowMs: 2000 }, resetRounding });
    const dir = tempDir();
    const input = usersCsv(dir, 29); // 29 invitations + 1 list call = 3 windows
    const started = Date.now();
    const run = await runCli(['send', input, '--concurrency', '4'], { env: sendEnv(sim) });
    const elapsed = Date.now() - started;
    expect(run.code).toBe(0);
    const statuses = sim.requests.map((r) => r.status);
    expect(statuses.filter((s) => s === 429).length).toBeLessThanOrEqual(resetRounding === 'ceil' ? 0 : 2);
    expect(invitationRequests(sim).filter((r) => r.status === 200)).toHaveLength(29);
    expect(readResults(join(dir, 'users.results.csv')).every((r) => r.status === 'invited')).toBe(true);
    // Three windows: the run cannot be faster than two resets; it must not idle a whole window more.
    expect(elapsed).toBeGreaterThanOrEqual(4000);
    expect(elapsed).toBeLessThan(6000 + 4000); // generous: a child process starts in well under a second
  });

  test('when the users list cannot be had, nothing is sent: every row deferred, exit 75', async () => {
    const sim = await simulator({ faultsOnList: true, failRate: 1, faults: ['http_503'] });
    const dir = tempDir();
    const run = await runCli(['send', usersCsv(dir, 3), '--max-retries', '1'], { env: sendEnv(sim) });
    expect(run.code).toBe(75);
    expect(invitationRequests(sim)).toHaveLength(0);
    expect(listRequests(sim)).toHaveLength(2);
    const rows = readResults(join(dir, 'users.results.csv'));
    expect(rows.map((r) => [r.status, r.error_code])).toEqual(Array(3).fill(['deferred', 'brevo_unavailable']));
    expect(said(run)).toContain('Brevo did not answer');
  });

  test('a refused key stops the run: exit 3, every row deferred, at most two requests, no key in the output', async () => {
    const sim = await simulator({ apiKey: 'the-right-key' });
    const dir = tempDir();
    const summary = join(dir, 'summary.json');
    const run = await runCli(['send', usersCsv(dir, 6), '--summary-json', summary], { env: sendEnv(sim) });
    expect(run.code).toBe(3);
    expect(sim.requests.length).toBeLessThanOrEqual(2);
    const rows = readResults(join(dir, 'users.results.csv'));
    expect(rows.map((r) => r.status)).toEqual(Array(6).fill('deferred'));
    expect(said(run)).toContain('Brevo refused the API key');
    for (const text of [run.stdout, run.stderr, readFileSync(join(dir, 'users.results.csv'), 'utf8'), readFileSync(summary, 'utf8')]) {
      expect(text).not.toContain(KEY);
    }
  });

  test('a refused key without the list call also stops after one request', async () => {
    const sim = await simulator({ apiKey: 'the-right-key' });
    const dir = tempDir();
    const run = await runCli(['send', usersCsv(dir, 6), '--no-skip-existing', '--concurrency', '8'], { env: sendEnv(sim) });
    expect(run.code).toBe(3);
    expect(sim.requests).toHaveLength(1);
  });

  test('nothing goes to the network without a key or to plain http off this machine', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const input = usersCsv(dir, 2);
    const noKey = await runCli(['send', input], { env: { BREVO_BASE_URL: sim.url } });
    expect(noKey.code).toBe(2);
    expect(said(noKey)).toContain('no API key: set BREVO_API_KEY');
    const plainHttp = await runCli(['send', input], { env: { BREVO_API_KEY: KEY, BREVO_BASE_URL: 'http://api.brevo.com/v3' } });
    expect(plainHttp.code).toBe(2);
    expect(said(plainHttp)).toContain('refusing plain http to api.brevo.com');
    const keyFlag = await runCli(['send', input, '--api-key', KEY], { env: { BREVO_BASE_URL: sim.url } });
    expect(keyFlag.code).toBe(2);
    expect(said(keyFlag)).toContain('--api-key is not accepted');
    expect(said(keyFlag)).not.toContain(KEY);
    expect(sim.requests).toHaveLength(0);
  });

  test('--api-key-file reads the key from a file', async () => {
    const sim = await simulator({ apiKey: 'from-a-file-123' });
    const dir = tempDir();
    const keyFile = join(dir, 'key.txt');
    writeFileSync(keyFile, 'from-a-file-123\n');
    const run = await runCli(['send', usersCsv(dir, 2), '--api-key-file', keyFile, '--base-url', sim.url]);
    expect(run.code).toBe(0);
  });

  test('a .env file in the working directory provides the key and options', async () => {
    const sim = await simulator();
    const dir = tempDir();
    writeFileSync(join(dir, '.env'), `BREVO_API_KEY=${KEY}\nBREVO_BASE_URL=${sim.url}\nBREVO_CONCURRENCY=2\n`);
    const run = await runCli(['send', usersCsv(dir, 3)], { cwd: dir });
    expect(run.code).toBe(0);
    expect(sim.maxConcurrent()).toBeLessThanOrEqual(2);
  });
});
