/**
 * The account lifecycle, end to end (the CLI as a child process, the simulator over real HTTP):
 * plan, send --update, --resend-pending, revoke, send --prune and its safeguards, resume after a
 * crash during a revoke, and a results file from the first version of the tool.
 */
import { afterAll, afterEach, describe, expect, test } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectNoStackTrace, lastError, runCli, said } from '../helpers/cli.js';
import { cleanTempDirs, readResults, tempDir } from '../helpers/files.js';
import { closeSimulators, invitationRequests, invitedTwice, listRequests, requestsOf, sendEnv, simulator } from '../helpers/sim.js';

afterEach(closeSimulators);
afterAll(cleanTempDirs);

/** A roster file: one row per [email, privileges]. */
function roster(dir: string, rows: Array<[string, string]>, name = 'roster.csv'): string {
  const path = join(dir, name);
  writeFileSync(path, ['email,privileges,team', ...rows.map(([e, p], i) => `${e},${p},team ${i}`)].join('\n') + '\n');
  return path;
}

const accessOf = (sim: Awaited<ReturnType<typeof simulator>>, email: string) => sim.users.get(email)?.privileges.map((p) => `${p.feature}:${p.permissions.join('|')}`).join('; ');

const account = [
  { email: 'active@x.co', status: 'active' as const, privileges: [{ feature: 'contacts', permissions: ['view'] }] },
  { email: 'pending@x.co', status: 'pending' as const },
  { email: 'boss@x.co', status: 'active' as const, isOwner: true, allFeaturesAccess: true },
  { email: 'leaver@x.co', status: 'active' as const },
  { email: 'unanswered@x.co', status: 'pending' as const },
];

describe('plan', () => {
  test('a mix of new, active, pending, owner and changed rows: exactly one request, every row\'s action right, nothing else sent', async () => {
    const sim = await simulator({ existing: account });
    const dir = tempDir();
    const input = roster(dir, [
      ['new@x.co', 'contacts:view'],
      ['active@x.co', 'contacts:view|import'],
      ['pending@x.co', 'templates:*'],
      ['boss@x.co', 'contacts:view'],
      ['bad-address', 'contacts:view'],
    ]);
    const run = await runCli(['plan', input, '--update', '--prune', '--max-prune', '2'], { env: sendEnv(sim) });
    expectNoStackTrace(run.stderr);
    expect(run.code).toBe(2); // an unreadable email: --prune refuses
    expect(lastError(run)).toContain('--prune removes nobody');
    expect(sim.requests).toHaveLength(1);

    writeFileSync(input, readFileSync(input, 'utf8').replace(/bad-address.*\n/, ''));
    const ok = await runCli(['plan', input, '--update', '--resend-pending', '--prune', '--max-prune', '2'], { env: sendEnv(sim) });
    expect(ok.code).toBe(0);
    expect(sim.requests).toHaveLength(2); // one list call per plan, and nothing else
    const rows = readResults(join(dir, 'roster.plan.csv'));
    expect(rows.map((r) => [r.line, r.email, r.status, r.action, r.error_code])).toEqual([
      ['2', 'new@x.co', 'valid', 'invite', ''],
      ['3', 'active@x.co', 'valid', 'update', ''],
      ['4', 'pending@x.co', 'valid', 'update', ''], // the update first; the resend waits for the next run
      ['5', 'boss@x.co', 'skipped', '', 'owner'],
      ['', 'leaver@x.co', 'valid', 'revoke', ''],
      ['', 'unanswered@x.co', 'valid', 'cancel', ''],
    ]);
    expect(said(ok)).toMatch(/Would send 5 requests \(invite 1, update 2, revoke 1, cancel 1\)/);
    expect(said(ok)).toContain('Would remove (2): leaver@x.co, unanswered@x.co');
    expect([...sim.users.keys()].sort()).toEqual(account.map((u) => u.email).sort()); // nothing changed
    expect(said(ok)).toContain('1 pending person is updated first');

    // Without --update and --prune: what the account holds besides the file is said, with the flags that act on it.
    const plain = await runCli(['plan', input], { env: sendEnv(sim) });
    expect(plain.code).toBe(0);
    expect(said(plain)).toMatch(/skipped\s+3\s+nothing to send \(error_code: already_active 1, already_pending 1, owner 1\)/);
    expect(said(plain)).toContain('2 people in the account (besides the owner) are not in this file: left as they are');
  });
});

describe("an earlier run's journal", () => {
  test('requests a killed run left in flight keep a send without --resume (or a dry run) from replacing their results', async () => {
    let child: ChildProcess | undefined;
    const sim = await simulator({ acceptDuplicates: true, slowMs: 2500, faultPlan: (n) => (n <= 3 ? 'late_record' : undefined) });
    const dir = tempDir();
    const input = roster(dir, Array.from({ length: 6 }, (_, i): [string, string] => [`p${i}@x.co`, 'contacts:view']));
    const journal = join(dir, 'roster.results.csv.journal');
    const first = runCli(['send', input, '--concurrency', '3'], { env: sendEnv(sim), onSpawn: (c) => (child = c) });
    for (let i = 0; i < 200 && !(existsSync(journal) && readFileSync(journal, 'utf8').split('\n').length > 3); i++) await new Promise((r) => setTimeout(r, 10));
    child?.kill('SIGKILL');
    expect((await first).signal).toBe('SIGKILL');
    for (const args of [['send', input], ['validate', input]]) {
      const again = await runCli(args, { env: sendEnv(sim) });
      expect(again.code).toBe(2);
      expect(lastError(again)).toContain('lists requests that an earlier run sent');
    }
    const resumed = await runCli(['send', input, '--resume', '--timeout', '1000', '--settle-grace', '3s'], { env: sendEnv(sim) });
    expect(resumed.code).toBe(0);
    expect(invitedTwice(sim)).toEqual([]);
    expect(sim.invitations().size).toBe(6);
  });
});

describe('plan never writes the results file it reads', () => {
  test('a plan without --resume beside an earlier send\'s results is refused (it would ignore them, and name a send that is refused): exit 2, no request', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const input = roster(dir, [['ann@x.co', 'contacts:view']]);
    expect((await runCli(['send', input], { env: sendEnv(sim) })).code).toBe(0);
    const before = sim.requests.length;
    const run = await runCli(['plan', input, '--update'], { env: sendEnv(sim) });
    expect(run.code).toBe(2);
    expect(lastError(run)).toContain('plan with --resume');
    expect(sim.requests).toHaveLength(before);
    expect((await runCli(['plan', input, '--update', '--resume'], { env: sendEnv(sim) })).code).toBe(0);
  });

  test('a plan whose list call fails leaves the results file byte for byte as it was', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const input = roster(dir, [['ann@x.co', 'contacts:view'], ['bob@x.co', 'contacts:view']]);
    expect((await runCli(['send', input, '--limit', '1'], { env: sendEnv(sim) })).code).toBe(75);
    const results = join(dir, 'roster.results.csv');
    const before = readFileSync(results);
    const down = await simulator({ failRate: 1, faults: ['http_503'], faultsOnList: true });
    const run = await runCli(['plan', input, '--resume', '--max-retries', '0'], { env: sendEnv(down) });
    expect(run.code).toBe(75);
    expect(readFileSync(results).equals(before)).toBe(true);
    expect(readResults(join(dir, 'roster.plan.csv')).map((r) => [r.email, r.status])).toEqual([
      ['ann@x.co', 'invited'],
      ['bob@x.co', 'deferred'],
    ]);
  });
});

describe('send --update and --resend-pending', () => {
  test('existing people updated once and never invited; an unchanged sheet then costs only the list call; one change, one update', async () => {
    const sim = await simulator({ existing: account.slice(0, 3), acceptDuplicates: true });
    const dir = tempDir();
    const input = roster(dir, [
      ['new@x.co', 'contacts:view'],
      ['active@x.co', 'contacts:view|import'],
      ['pending@x.co', 'templates:*'],
      ['boss@x.co', 'contacts:view'],
    ]);
    const first = await runCli(['send', input, '--update'], { env: sendEnv(sim) });
    expect(first.code).toBe(0);
    expect(requestsOf(sim, 'update').map((r) => r.email).sort()).toEqual(['active@x.co', 'pending@x.co']);
    expect(invitationRequests(sim).map((r) => r.email)).toEqual(['new@x.co']);
    expect(accessOf(sim, 'active@x.co')).toBe('contacts:view|import');
    expect(sim.users.get('boss@x.co')).toMatchObject({ allFeaturesAccess: true, privileges: [] }); // the owner's access is not touched
    const results = join(dir, 'roster.results.csv');
    expect(readResults(results).map((r) => [r.email, r.status, r.action])).toEqual([
      ['new@x.co', 'invited', 'invite'],
      ['active@x.co', 'updated', 'update'],
      ['pending@x.co', 'updated', 'update'],
      ['boss@x.co', 'skipped', ''],
    ]);

    const before = sim.requests.length;
    const again = await runCli(['send', input, '--resume', '--update'], { env: sendEnv(sim) });
    expect(again.code).toBe(0);
    expect(sim.requests.slice(before).map((r) => r.action)).toEqual(['list']);

    writeFileSync(input, readFileSync(input, 'utf8').replace('templates:*', 'templates:create_edit_delete'));
    const changed = await runCli(['send', input, '--resume', '--update'], { env: sendEnv(sim) });
    expect(changed.code).toBe(0);
    expect(sim.requests.slice(before + 1).map((r) => [r.action, r.email ?? ''])).toEqual([['list', ''], ['update', 'pending@x.co']]);
    expect(invitedTwice(sim)).toEqual([]);
  });

  test('without --update nothing goes to people in the account, and the summary names the flag for those whose access changed', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const input = roster(dir, [['ann@x.co', 'contacts:view']]);
    expect((await runCli(['send', input], { env: sendEnv(sim) })).code).toBe(0);
    writeFileSync(input, readFileSync(input, 'utf8').replace('contacts:view', 'contacts:view|export'));
    const run = await runCli(['send', input, '--resume', '--summary-json', join(dir, 's.json')], { env: sendEnv(sim) });
    expect(run.code).toBe(0);
    expect(requestsOf(sim, 'update')).toHaveLength(0);
    expect(said(run)).toContain('run with --update to apply it');
    expect(JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'))).toMatchObject({ access_changed: 1 });
  });

  test('--resend-pending: one resend per pending person, none on the next --resume', async () => {
    const sim = await simulator({ existing: [{ email: 'p1@x.co', status: 'pending' }, { email: 'p2@x.co', status: 'pending' }, { email: 'a@x.co', status: 'active' }] });
    const dir = tempDir();
    const input = roster(dir, [['p1@x.co', 'contacts:view'], ['p2@x.co', 'contacts:view'], ['a@x.co', 'contacts:view']]);
    expect((await runCli(['send', input, '--resend-pending'], { env: sendEnv(sim) })).code).toBe(0);
    expect(requestsOf(sim, 'resend').map((r) => r.email).sort()).toEqual(['p1@x.co', 'p2@x.co']);
    expect(readResults(join(dir, 'roster.results.csv')).map((r) => [r.email, r.status])).toEqual([
      ['p1@x.co', 'resent'],
      ['p2@x.co', 'resent'],
      ['a@x.co', 'skipped'],
    ]);
    expect((await runCli(['send', input, '--resend-pending', '--resume'], { env: sendEnv(sim) })).code).toBe(0);
    expect(requestsOf(sim, 'resend')).toHaveLength(2);
  });

  test('--resend-pending leaves alone the invitations this tool sent less than --resend-after ago, and says so', async () => {
    const sim = await simulator({ existing: [{ email: 'old@x.co', status: 'pending' }] });
    const dir = tempDir();
    const input = roster(dir, [['old@x.co', 'contacts:view'], ['n1@x.co', 'contacts:view'], ['n2@x.co', 'contacts:view']]);
    expect((await runCli(['send', input], { env: sendEnv(sim) })).code).toBe(0);
    const plain = await runCli(['send', input, '--resume'], { env: sendEnv(sim) });
    expect(said(plain)).toContain('1 person of the file has an invitation not yet accepted: --resend-pending sends it again.');
    const night = await runCli(['send', input, '--resume', '--resend-pending'], { env: sendEnv(sim) });
    expect(night.code).toBe(0);
    expect(requestsOf(sim, 'resend').map((r) => r.email)).toEqual(['old@x.co']); // not the new hires invited a moment ago
    expect(said(night)).toContain('2 pending invitations this tool sent less than --resend-after ago (default a day) are not sent again yet.');
    expect(readResults(join(dir, 'roster.results.csv')).map((r) => [r.email, r.status])).toEqual([
      ['old@x.co', 'resent'],
      ['n1@x.co', 'invited'],
      ['n2@x.co', 'invited'],
    ]);
    expect((await runCli(['send', input, '--resume', '--resend-pending', '--resend-after', '0'], { env: sendEnv(sim) })).code).toBe(0);
    expect(requestsOf(sim, 'resend').map((r) => r.email).sort()).toEqual(['n1@x.co', 'n2@x.co', 'old@x.co']);
  });

  test('--resend-after counts from the invitation, whatever was done since (an update, a deferral, a refusal)', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const input = roster(dir, [['n1@x.co', 'contacts:view']]);
    expect((await runCli(['send', input], { env: sendEnv(sim) })).code).toBe(0);
    const invitedAt = readResults(join(dir, 'roster.results.csv'))[0]!.invited_at;
    expect(invitedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    roster(dir, [['n1@x.co', 'contacts:view|export']]);
    expect((await runCli(['send', input, '--resume', '--update'], { env: sendEnv(sim) })).code).toBe(0);
    expect(readResults(join(dir, 'roster.results.csv'))[0]).toMatchObject({ status: 'updated', invited_at: invitedAt });
    const night = await runCli(['send', input, '--resume', '--resend-pending', '--resend-after', '7d'], { env: sendEnv(sim) });
    expect(night.code).toBe(0);
    expect(requestsOf(sim, 'resend')).toHaveLength(0);
    expect(said(night)).toContain('1 pending invitation this tool sent less than --resend-after ago');
  });

  test('--update with --resend-pending: a pending person is updated first, the summary says the resend waits, and the next run sends it', async () => {
    const sim = await simulator({ existing: [{ email: 'p1@x.co', status: 'pending' }] });
    const dir = tempDir();
    const input = roster(dir, [['p1@x.co', 'contacts:view']]);
    const summary = join(dir, 's.json');
    const first = await runCli(['send', input, '--update', '--resend-pending', '--summary-json', summary], { env: sendEnv(sim) });
    expect(first.code).toBe(0);
    expect([requestsOf(sim, 'update').length, requestsOf(sim, 'resend').length]).toEqual([1, 0]);
    expect(said(first)).toContain('1 pending person is updated first; their invitation is sent again by the next run with --resend-pending');
    expect(JSON.parse(readFileSync(summary, 'utf8'))).toMatchObject({ resends_postponed: 1, next_step: expect.stringContaining('The invitation updated first is sent again by the next run: brevo-invite send') });
    const second = await runCli(['send', input, '--update', '--resend-pending', '--resume', '--summary-json', summary], { env: sendEnv(sim) });
    expect(second.code).toBe(0);
    expect([requestsOf(sim, 'update').length, requestsOf(sim, 'resend').length]).toEqual([1, 1]);
    expect(JSON.parse(readFileSync(summary, 'utf8'))).toMatchObject({ resends_postponed: 0 });
  });

  test('under faults every update ends updated, nobody is invited twice, one request per action plus the list calls', async () => {
    const existing = Array.from({ length: 12 }, (_, i) => ({ email: `u${i}@x.co`, status: 'active' as const }));
    const sim = await simulator({ existing, failRate: 0.4, seed: 11, slowMs: 600, faults: ['http_503', 'reset_before', 'reset_after', 'slow', 'gateway_502'], acceptDuplicates: true });
    const dir = tempDir();
    const input = roster(dir, [...existing.map((u): [string, string] => [u.email, 'contacts:view|export']), ...Array.from({ length: 6 }, (_, i): [string, string] => [`n${i}@x.co`, 'contacts:view'])]);
    const run = await runCli(['send', input, '--update', '--timeout', '300', '--settle-grace', '1s', '--max-retries', '8'], { env: sendEnv(sim) });
    expectNoStackTrace(run.stderr);
    expect(run.code).toBe(0);
    const rows = readResults(join(dir, 'roster.results.csv'));
    expect(rows.filter((r) => r.action === 'update').every((r) => r.status === 'updated')).toBe(true);
    expect(rows.filter((r) => r.action === 'invite').every((r) => r.status === 'invited')).toBe(true);
    expect(invitedTwice(sim)).toEqual([]);
    for (const u of existing) expect(accessOf(sim, u.email)).toBe('contacts:view|export');
    // Each extra request is a retry of a fault (faulted requests) or a list call settling unclear answers.
    const faulted = sim.requests.filter((r) => r.fault !== undefined).length;
    expect(sim.requests.length).toBeLessThanOrEqual(18 + faulted + listRequests(sim).length);
    expect(invitationRequests(sim).filter((r) => r.email?.startsWith('u'))).toHaveLength(0); // nobody in the account was invited
  });
});

describe('what a later action keeps of an earlier one', () => {
  test('an update or a resend keeps the invoice id of the invitation; a row still invalid on --resume is one row, not two', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const input = roster(dir, [['ann@x.co', 'contacts:view'], ['bob@x.co', 'contacts:view'], ['cy@x.co', 'contacts:viw']]);
    expect((await runCli(['send', input], { env: sendEnv(sim) })).code).toBe(1);
    const results = join(dir, 'roster.results.csv');
    const invoices = Object.fromEntries(readResults(results).map((r) => [r.email, r.invoice_id]));
    writeFileSync(input, readFileSync(input, 'utf8').replace('ann@x.co,contacts:view', 'ann@x.co,contacts:view|export'));
    expect((await runCli(['send', input, '--resume', '--update', '--resend-pending', '--resend-after', '0'], { env: sendEnv(sim) })).code).toBe(1);
    const rows = readResults(results);
    expect(rows.map((r) => [r.line, r.email, r.status, r.invoice_id])).toEqual([
      ['2', 'ann@x.co', 'updated', invoices['ann@x.co']],
      ['3', 'bob@x.co', 'resent', invoices['bob@x.co']],
      ['4', 'cy@x.co', 'invalid', ''],
    ]);
    expect(invoices['ann@x.co']).toMatch(/^INV-/);
  });
});

describe('a results file of the first version of the tool', () => {
  test('resumes without complaint and keeps every finished row', async () => {
    const sim = await simulator({ existing: [{ email: 'done@x.co', status: 'pending' }] });
    const dir = tempDir();
    const input = roster(dir, [['done@x.co', 'contacts:view'], ['next@x.co', 'contacts:view']]);
    writeFileSync(
      join(dir, 'roster.results.csv'),
      '\uFEFFline,email,status,invoice_id,error_code,error_message,http_status,attempts,granted,finished_at,team\r\n' +
        '2,done@x.co,invited,INV-OLD-1,,,200,1,contacts:view,2026-11-01T10:00:00.000Z,team 0\r\n' +
        '3,next@x.co,deferred,,rate_limit_window,not sent,,0,contacts:view,,team 1\r\n',
    );
    const run = await runCli(['send', input, '--resume'], { env: sendEnv(sim) });
    expectNoStackTrace(run.stderr);
    expect(run.code).toBe(0);
    const rows = readResults(join(dir, 'roster.results.csv'));
    expect(rows.map((r) => [r.email, r.status, r.invoice_id])).toEqual([
      ['done@x.co', 'invited', 'INV-OLD-1'],
      ['next@x.co', 'invited', expect.stringMatching(/^INV-/)],
    ]);
    expect(invitationRequests(sim).map((r) => r.email)).toEqual(['next@x.co']);
  });

  test('a results file of the second version (action and credit notes, no invited_at) resumes too; its invited rows say when', async () => {
    const sim = await simulator({ existing: [{ email: 'done@x.co', status: 'pending' }] });
    const dir = tempDir();
    const input = roster(dir, [['done@x.co', 'contacts:view']]);
    const invited = new Date(Date.now() - 3_600_000).toISOString();
    writeFileSync(
      join(dir, 'roster.results.csv'),
      '\uFEFFline,email,status,invoice_id,error_code,error_message,http_status,attempts,granted,finished_at,action,credit_notes,team\r\n' +
        `2,done@x.co,invited,INV-V2-1,,,200,1,contacts:view,${invited},invite,,team 0\r\n`,
    );
    const run = await runCli(['send', input, '--resume', '--resend-pending'], { env: sendEnv(sim) });
    expect(run.code).toBe(0);
    expect(requestsOf(sim, 'resend')).toHaveLength(0); // invited an hour ago, by the finished_at of its invited row
    expect(readResults(join(dir, 'roster.results.csv'))[0]).toMatchObject({ status: 'invited', invoice_id: 'INV-V2-1', team: 'team 0' });
  });
});

describe('revoke', () => {
  test("plan --revoke refuses a send's options (its next step would name a revoke that refuses them), and sends nothing", async () => {
    const sim = await simulator({ existing: account });
    const dir = tempDir();
    const input = join(dir, 'leavers.csv');
    writeFileSync(input, 'email\nactive@x.co\n');
    const run = await runCli(['plan', '--revoke', input, '--update', '--prune'], { env: sendEnv(sim) });
    expect(run.code).toBe(2);
    expect(lastError(run)).toBe('--update, --prune are options of a send, not of a revoke: plan --revoke takes the options of revoke');
    expect(sim.requests).toHaveLength(0);
  });

  test('a mixed list: the right status per row, one request per removal plus the list call, the owner untouched', async () => {
    const sim = await simulator({ existing: account });
    const dir = tempDir();
    const input = join(dir, 'leavers.csv');
    writeFileSync(input, 'E-Mail,reason\nactive@x.co,left\npending@x.co,declined\nnobody@x.co,typo\nboss@x.co,oops\nACTIVE@x.co,again\nnot an email,?\n');
    const run = await runCli(['revoke', input, '--summary-json', join(dir, 's.json')], { env: sendEnv(sim) });
    expectNoStackTrace(run.stderr);
    expect(run.code).toBe(1); // a duplicate and an invalid row
    expect(readResults(join(dir, 'leavers.results.csv')).map((r) => [r.line, r.status, r.action, r.error_code, r.credit_notes, r.reason])).toEqual([
      ['2', 'revoked', 'revoke', '', expect.stringMatching(/^CN-/), 'left'],
      ['3', 'cancelled', 'cancel', '', '', 'declined'],
      ['4', 'skipped', '', 'not_a_user', '', 'typo'],
      ['5', 'skipped', '', 'owner', '', 'oops'],
      ['6', 'duplicate', '', 'duplicate_email', '', 'again'],
      ['7', 'invalid', '', 'invalid_email', '', '?'],
    ]);
    expect(sim.requests[0]?.action).toBe('list');
    expect(sim.requests.map((r) => r.action).sort()).toEqual(['cancel', 'list', 'revoke']);
    expect(sim.users.has('boss@x.co')).toBe(true);
    expect(sim.removals.map((r) => r.email).sort()).toEqual(['active@x.co', 'pending@x.co']);
    expect(JSON.parse(readFileSync(join(dir, 's.json'), 'utf8')).removals).toEqual([
      { email: 'active@x.co', action: 'revoke', status: 'revoked' },
      { email: 'pending@x.co', action: 'cancel', status: 'cancelled' },
    ]);
  });

  test('--dry-run checks the file offline: no key, no request', async () => {
    const dir = tempDir();
    const input = join(dir, 'leavers.csv');
    writeFileSync(input, 'email\nann@x.co\nnot-an-email\n');
    const run = await runCli(['revoke', input, '--dry-run']);
    expect(run.code).toBe(1);
    expect(readResults(join(dir, 'leavers.results.csv')).map((r) => r.status)).toEqual(['valid', 'invalid']);
  });

  test('SIGKILL during a revoke of 100 people, then --resume: everyone listed removed, nobody else touched, no request for someone already gone', async () => {
    let child: ChildProcess | undefined;
    let removed = 0;
    const listed = Array.from({ length: 100 }, (_, i) => ({ email: `leaver${i}@x.co`, status: i % 4 === 0 ? ('pending' as const) : ('active' as const) }));
    const others = Array.from({ length: 10 }, (_, i) => ({ email: `stays${i}@x.co`, status: 'active' as const }));
    const sim = await simulator({
      existing: [...listed, ...others],
      latencyMs: 20,
      onRequest: (r) => {
        if ((r.action === 'revoke' || r.action === 'cancel') && ++removed === 40) child?.kill('SIGKILL');
      },
    });
    const dir = tempDir();
    const input = join(dir, 'leavers.csv');
    writeFileSync(input, ['email', ...listed.map((u) => u.email)].join('\n') + '\n');
    const first = await runCli(['revoke', input, '--concurrency', '4'], { env: sendEnv(sim), onSpawn: (c) => (child = c) });
    expect(first.signal).toBe('SIGKILL');
    await new Promise((r) => setTimeout(r, 200)); // requests the crash left in flight are processed all the same
    const gone = new Set(sim.removals.map((r) => r.email));
    const n0 = sim.requests.length;
    const second = await runCli(['revoke', input, '--resume', '--timeout', '2000', '--settle-grace', '1s'], { env: sendEnv(sim) });
    expectNoStackTrace(second.stderr);
    expect(second.code).toBe(0);
    expect(sim.removals.map((r) => r.email).sort()).toEqual(listed.map((u) => u.email).sort());
    expect(others.every((u) => sim.users.has(u.email))).toBe(true);
    // after the crash, no request went to someone already gone, and none was answered "not found"
    const resumed = sim.requests.slice(n0).filter((r) => r.action === 'revoke' || r.action === 'cancel');
    expect(resumed.filter((r) => gone.has(r.email ?? ''))).toEqual([]);
    expect(resumed).toHaveLength(100 - gone.size);
    expect(sim.requests.filter((r) => r.status === 404)).toEqual([]);
    expect(readResults(join(dir, 'leavers.results.csv')).every((r) => r.status === 'revoked' || r.status === 'cancelled')).toBe(true);
  });
});

describe('send --prune', () => {
  test('exactly the people missing from the roster are removed: never the owner, never anyone on it', async () => {
    const sim = await simulator({ existing: account });
    const dir = tempDir();
    const input = roster(dir, [['active@x.co', 'contacts:view'], ['pending@x.co', 'contacts:view'], ['fresh@x.co', 'contacts:view']]);
    const run = await runCli(['send', input, '--prune'], { env: sendEnv(sim) });
    expect(run.code).toBe(0);
    expect(sim.removals.map((r) => [r.email, r.how]).sort()).toEqual([
      ['leaver@x.co', 'revoke'],
      ['unanswered@x.co', 'cancel'],
    ]);
    expect([...sim.users.keys()].sort()).toEqual(['active@x.co', 'boss@x.co', 'fresh@x.co', 'pending@x.co']);
    const rows = readResults(join(dir, 'roster.results.csv'));
    expect(rows.slice(3).map((r) => [r.line, r.email, r.status])).toEqual([
      ['', 'leaver@x.co', 'revoked'],
      ['', 'unanswered@x.co', 'cancelled'],
    ]);
  });

  test.each([
    ['over --max-prune', [['active@x.co', 'contacts:view']] as Array<[string, string]>, ['--max-prune', '1'], /would remove 3 people, more than --max-prune allows \(1\).*--max-prune 3/],
    ['a share over --max-prune', [['active@x.co', 'contacts:view']] as Array<[string, string]>, ['--max-prune', '40%'], /more than --max-prune allows \(40% of 5 users: 2\)/],
    ['an unreadable email in the roster', [['active@x.co', 'contacts:view'], ['pending@x.co', 'contacts:view'], ['leaver@x', 'contacts:view']] as Array<[string, string]>, ['--max-prune', '10'], /email cannot be read \(line 4 \("leaver@x"\)\)/],
    ['no valid row in the roster', [['nobody', 'contacts:view']] as Array<[string, string]>, ['--max-prune', '100%'], /email cannot be read|no valid row/],
  ])('%s: exit 2, zero removals, nothing sent but the list call, and the message says why', async (_, rows, flags, message) => {
    const sim = await simulator({ existing: account });
    const dir = tempDir();
    const input = roster(dir, rows);
    const run = await runCli(['send', input, '--prune', ...flags], { env: sendEnv(sim) });
    expect(run.code).toBe(2);
    expect(lastError(run)).toMatch(message);
    expect(lastError(run)).toContain('Nothing was sent');
    expect(sim.requests.map((r) => r.action)).toEqual(['list']);
    expect(sim.removals).toEqual([]);
  });

  test('a row invalid for another reason (a typo in a privilege) still protects its email', async () => {
    const sim = await simulator({ existing: account });
    const dir = tempDir();
    const input = roster(dir, [['active@x.co', 'contact:view'], ['pending@x.co', 'contacts:view'], ['leaver@x.co', 'contacts:view'], ['unanswered@x.co', 'contacts:view']]);
    const run = await runCli(['send', input, '--prune'], { env: sendEnv(sim) });
    expect(run.code).toBe(1);
    expect(sim.removals).toEqual([]);
    expect(sim.users.has('active@x.co')).toBe(true);
  });
});
