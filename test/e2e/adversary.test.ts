/**
 * What an adversarial Brevo stand-in broke, each reproduced here against the simulator's hostile
 * faults: a removal answered by a gateway's 404, a 200 that is a proxy's page, an empty users list,
 * a list email with an invisible character, a JSON-escaped echo of the key, a person pruned and
 * back on the roster, a second plan, the summary of a refused prune.
 */
import { afterAll, afterEach, describe, expect, test } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectNoStackTrace, lastError, runCli, said } from '../helpers/cli.js';
import { cleanTempDirs, readResults, tempDir } from '../helpers/files.js';
import { closeSimulators, invitationRequests, invitedTwice, KEY, requestsOf, sendEnv, simulator } from '../helpers/sim.js';

afterEach(closeSimulators);
afterAll(cleanTempDirs);

function roster(dir: string, emails: string[], name = 'roster.csv'): string {
  const path = join(dir, name);
  writeFileSync(path, ['email,privileges', ...emails.map((e) => `${e},contacts:view`)].join('\n') + '\n');
  return path;
}

describe('removals', () => {
  test('a gateway\'s HTML 404 to a revoke is not "not in the account": the list says the person is there, and the row fails', async () => {
    const sim = await simulator({ existing: [{ email: 'leaver@x.co', status: 'active' }], faultPlan: () => 'html_404' });
    const dir = tempDir();
    const run = await runCli(['revoke', roster(dir, ['leaver@x.co']), '--max-retries', '1', '--timeout', '500', '--settle-grace', '0s'], { env: sendEnv(sim) });
    expectNoStackTrace(run.stderr);
    expect(run.code).toBe(1);
    expect(readResults(join(dir, 'roster.results.csv'))[0]).toMatchObject({ status: 'failed', action: 'revoke', error_code: 'gateway_404' });
    expect(sim.users.has('leaver@x.co')).toBe(true);
  });

  test('a revoke Brevo processed but answered 404 "User not found" is revoked, confirmed by the list', async () => {
    const sim = await simulator({ existing: [{ email: 'leaver@x.co', status: 'active' }], faultPlan: () => 'done_404' });
    const dir = tempDir();
    const run = await runCli(['revoke', roster(dir, ['leaver@x.co']), '--timeout', '500', '--settle-grace', '0s'], { env: sendEnv(sim) });
    expect(run.code).toBe(0);
    expect(readResults(join(dir, 'roster.results.csv'))[0]).toMatchObject({ status: 'revoked', action: 'revoke' });
    expect(requestsOf(sim, 'revoke')).toHaveLength(1);
  });

  test('someone pruned by an earlier run and back on the roster is invited again; this run removes nobody', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const input = roster(dir, ['stays@x.co', 'back@x.co']);
    expect((await runCli(['send', input], { env: sendEnv(sim) })).code).toBe(0);
    writeFileSync(input, 'email,privileges\nstays@x.co,contacts:view\n');
    expect((await runCli(['send', input, '--resume', '--prune'], { env: sendEnv(sim) })).code).toBe(0);
    expect(sim.users.has('back@x.co')).toBe(false);
    roster(dir, ['stays@x.co', 'back@x.co']);
    const summary = join(dir, 's.json');
    const again = await runCli(['send', input, '--resume', '--summary-json', summary], { env: sendEnv(sim) });
    expect(again.code).toBe(0);
    expect(sim.users.has('back@x.co')).toBe(true);
    expect(readResults(join(dir, 'roster.results.csv')).find((r) => r.email === 'back@x.co')).toMatchObject({ status: 'invited', line: '3' });
    expect(JSON.parse(readFileSync(summary, 'utf8')).removals).toEqual([]);
    expect(said(again)).not.toContain('Removals');
  });

  test('a removal left in flight by a killed --prune run is not sent again once the person is back on the roster', async () => {
    let child: ChildProcess | undefined;
    const sim = await simulator({ existing: [{ email: 'keep@x.co', status: 'active' }, { email: 'xavier@x.co', status: 'active' }], faultPlan: (_n, _email, action) => (action === 'revoke' ? 'hang' : undefined) });
    const dir = tempDir();
    const input = roster(dir, ['keep@x.co']);
    const journal = join(dir, 'roster.results.csv.journal');
    const first = runCli(['send', input, '--prune', '--timeout', '5s'], { env: sendEnv(sim), onSpawn: (c) => (child = c) });
    for (let i = 0; i < 200 && !(existsSync(journal) && readFileSync(journal, 'utf8').includes('xavier') && requestsOf(sim, 'revoke').length > 0); i++) await new Promise((r) => setTimeout(r, 20));
    child?.kill('SIGKILL');
    expect((await first).signal).toBe('SIGKILL');
    roster(dir, ['keep@x.co', 'xavier@x.co']); // the removal was a mistake: xavier is back
    const again = await runCli(['send', input, '--resume', '--prune', '--timeout', '5s', '--settle-grace', '10s'], { env: sendEnv(sim) });
    expect(again.code).toBe(0);
    expect(requestsOf(sim, 'revoke')).toHaveLength(1); // only the one the killed run sent
    expect(sim.users.has('xavier@x.co')).toBe(true);
    expect(readResults(join(dir, 'roster.results.csv')).find((r) => r.email === 'xavier@x.co')).toMatchObject({ line: '3', status: 'skipped', error_code: 'already_active' });
  });

  test('a removal names the person as Brevo lists them (letter case), whatever the case in the file', async () => {
    const sim = await simulator({ existing: [{ email: 'Upper.Case@X.co', status: 'active' }, { email: 'Pend.Ing@X.co', status: 'pending' }] });
    const dir = tempDir();
    const run = await runCli(['revoke', roster(dir, ['upper.case@x.co', 'PEND.ING@X.CO']), '-y'], { env: sendEnv(sim) });
    expect(run.code).toBe(0);
    expect(sim.requests.filter((r) => r.method === 'PUT').map((r) => r.path.replace(/^.*\/invitation\//, ''))).toEqual(expect.arrayContaining(['revoke/Upper.Case%40X.co', 'cancel/Pend.Ing%40X.co']));
  });

  test('an email in the list with an invisible character is the roster\'s: --prune does not remove that person', async () => {
    const sim = await simulator({ existing: [{ email: 'keep@x.co\u200b', status: 'active' }, { email: 'gone@x.co', status: 'active' }] });
    const dir = tempDir();
    const run = await runCli(['send', roster(dir, ['keep@x.co']), '--prune'], { env: sendEnv(sim) });
    expect(run.code).toBe(0);
    expect(sim.removals.map((r) => r.email)).toEqual(['gone@x.co']);
    expect(invitationRequests(sim)).toHaveLength(0);
  });
});

describe('addresses with the characters RFC 5322 allows before the @', () => {
  test('are read, sent URL-encoded, removed by revoke, and protect their person from --prune', async () => {
    const odd = ['a/b@x.co', 'a%b@x.co', 'a#b@x.co', 'a&b=c@x.co', 'a?b@x.co'];
    const sim = await simulator({ existing: [...odd, 'gone@x.co'].map((email) => ({ email, status: 'active' as const })) });
    const dir = tempDir();
    const revoke = await runCli(['revoke', roster(dir, odd.slice(0, 2), 'leavers.csv')], { env: sendEnv(sim) });
    expect(revoke.code).toBe(0);
    expect(sim.removals.map((r) => r.email).sort()).toEqual(['a%b@x.co', 'a/b@x.co']);
    const prune = await runCli(['send', roster(dir, odd.slice(2)), '--prune'], { env: sendEnv(sim) });
    expect(prune.code).toBe(0);
    expect(sim.removals.map((r) => r.email).sort()).toEqual(['a%b@x.co', 'a/b@x.co', 'gone@x.co']);
    expect(requestsOf(sim, 'revoke').map((r) => r.path)).toContain('/v3/organization/user/invitation/revoke/a%2Fb%40x.co');
  });
});

describe('answers that lie', () => {
  test('an empty users list (every account lists its owner) is not believed: nobody is invited again', async () => {
    const sim = await simulator({ existing: [{ email: 'ann@x.co', status: 'active' }], acceptDuplicates: true, failRate: 1, faults: ['empty_list'], faultsOnList: true, faultPlan: () => undefined });
    const dir = tempDir();
    const run = await runCli(['send', roster(dir, ['ann@x.co', 'new@x.co']), '--max-retries', '1'], { env: sendEnv(sim) });
    expect(run.code).toBe(75);
    expect(said(run)).toContain('came back empty');
    expect(invitationRequests(sim)).toHaveLength(0);
    expect(invitedTwice(sim)).toEqual([]);
  });

  test('a 200 that is a proxy\'s HTML page is not an invitation: the list is asked, and the row is sent again', async () => {
    const sim = await simulator({ acceptDuplicates: true, faultPlan: (n) => (n === 1 ? 'html_200' : undefined) });
    const dir = tempDir();
    const run = await runCli(['send', roster(dir, ['ann@x.co']), '--timeout', '500', '--settle-grace', '0s'], { env: sendEnv(sim) });
    expect(run.code).toBe(0);
    const row = readResults(join(dir, 'roster.results.csv'))[0];
    expect(row).toMatchObject({ status: 'invited', attempts: '2' });
    expect(row?.invoice_id).toMatch(/^INV-/); // from the real answer of the second request
    expect(sim.invitations().get('ann@x.co')).toBe(1);
  });

  test('the key echoed JSON-escaped (\\u0078keysib-...) is scrubbed once decoded: not in the results or the summary', async () => {
    const sim = await simulator({ faultPlan: () => 'echo_key_escaped' });
    const dir = tempDir();
    const summary = join(dir, 's.json');
    const run = await runCli(['send', roster(dir, ['ann@x.co']), '--summary-json', summary], { env: sendEnv(sim) });
    expect(run.code).toBe(1);
    expect(readResults(join(dir, 'roster.results.csv'))[0]?.error_message).toBe('key [redacted] may not do this');
    for (const text of [run.stdout, run.stderr, readFileSync(join(dir, 'roster.results.csv'), 'utf8'), readFileSync(summary, 'utf8')]) expect(text).not.toContain(KEY);
  });
});

describe('plans and summaries', () => {
  test('plan --resume can be run night after night (a plan file is replaced, though it shows rows a send finished)', async () => {
    const sim = await simulator({ planLacks: ['phone'] });
    const dir = tempDir();
    const input = join(dir, 'roster.csv');
    writeFileSync(input, 'email,privileges\nok@x.co,contacts:view\nrefused@x.co,phone:all\n');
    expect((await runCli(['send', input], { env: sendEnv(sim) })).code).toBe(1);
    for (let night = 0; night < 2; night++) expect((await runCli(['plan', input, '--resume'], { env: sendEnv(sim) })).code).toBe(1);
    expect(readResults(join(dir, 'roster.plan.csv')).map((r) => [r.email, r.status, r.error_code])).toEqual([
      ['ok@x.co', 'skipped', 'done_before'],
      ['refused@x.co', 'failed', 'invalid_parameter'],
    ]);
    const onResults = await runCli(['plan', input, '--resume', '-o', join(dir, 'roster.results.csv')], { env: sendEnv(sim) });
    expect(onResults.code).toBe(2);
    expect(lastError(onResults)).toContain('would be written over the results file it reads');
  });

  test('the summary of a refused prune says what the run did: its list call, the base URL, the rows', async () => {
    const sim = await simulator({ existing: ['a', 'b', 'c'].map((n) => ({ email: `${n}@x.co`, status: 'active' as const })) });
    const dir = tempDir();
    const summary = join(dir, 's.json');
    const run = await runCli(['send', roster(dir, ['keep@x.co']), '--prune', '--max-prune', '1', '--summary-json', summary], { env: sendEnv(sim) });
    expect(run.code).toBe(2);
    expect(JSON.parse(readFileSync(summary, 'utf8'))).toMatchObject({ exit_code: 2, stopped_for: 'refused', requests: 1, base_url: sim.url, rows: 1 });
  });
});

describe('an account changed by hand, and Brevo recording late', () => {
  test('someone whose invitation was cancelled by hand since is not invited again without --reinvite, and not a moment after it was sent', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const input = roster(dir, ['ann@x.co', 'bob@x.co']);
    expect((await runCli(['send', input], { env: sendEnv(sim) })).code).toBe(0);
    sim.users.delete('ann@x.co'); // cancelled in Brevo's interface (or Brevo has not listed it yet)
    // Within the grace period the list's "not there" may only mean Brevo has not recorded it yet: kept.
    const soon = await runCli(['send', input, '--resume', '--timeout', '500', '--settle-grace', '30s'], { env: sendEnv(sim) });
    expect(soon.code).toBe(0);
    expect(invitationRequests(sim)).toHaveLength(2);
    // Past it, ann is known to be gone: removed since, so not invited again unless asked.
    await new Promise((r) => setTimeout(r, 600));
    const later = await runCli(['send', input, '--resume', '--timeout', '500', '--settle-grace', '0s'], { env: sendEnv(sim) });
    expect(later.code).toBe(0);
    expect(invitationRequests(sim)).toHaveLength(2);
    expect(said(later)).toContain('--reinvite');
    const rows = readResults(join(dir, 'roster.results.csv'));
    expect(rows.map((r) => [r.email, r.status, r.error_code])).toEqual([
      ['ann@x.co', 'skipped', 'removed_since'],
      ['bob@x.co', 'invited', ''], // kept from the first run
    ]);
    expect(rows[0]!.invoice_id).not.toBe(''); // the first invitation's receipt stays with her
    // Every later run says the same, until the roster or the flag changes.
    const again = await runCli(['send', input, '--resume', '--timeout', '500', '--settle-grace', '0s'], { env: sendEnv(sim) });
    expect(again.code).toBe(0);
    expect(invitationRequests(sim)).toHaveLength(2);
    const asked = await runCli(['send', input, '--resume', '--reinvite', '--timeout', '500', '--settle-grace', '0s'], { env: sendEnv(sim) });
    expect(asked.code).toBe(0);
    expect(invitationRequests(sim).map((r) => r.email)).toEqual(['ann@x.co', 'bob@x.co', 'ann@x.co']);
    expect(sim.users.has('ann@x.co')).toBe(true);
    expect(readResults(join(dir, 'roster.results.csv'))[0]).toMatchObject({ email: 'ann@x.co', status: 'invited' });
  });

  test('a leaver revoked while the roster still lists them is not invited back by the nightly run; the summary and its JSON say so', async () => {
    const sim = await simulator({ existing: [{ email: 'boss@x.co', status: 'active', isOwner: true }] });
    const dir = tempDir();
    const input = roster(dir, ['ann@x.co', 'nina@x.co', 'mia@x.co']);
    expect((await runCli(['send', input], { env: sendEnv(sim) })).code).toBe(0);
    sim.users.get('nina@x.co')!.status = 'active'; // nina accepted; mia's invitation is still pending
    const leavers = join(dir, 'leavers.csv');
    writeFileSync(leavers, 'email\nnina@x.co\nmia@x.co\n');
    expect((await runCli(['revoke', leavers, '-y'], { env: sendEnv(sim) })).code).toBe(0);
    expect(sim.removals.map((r) => [r.email, r.how]).sort()).toEqual([['mia@x.co', 'cancel'], ['nina@x.co', 'revoke']]);
    const summary = join(dir, 'last-run.json');
    await new Promise((r) => setTimeout(r, 600)); // past --timeout + --settle-grace: Brevo's list is believed
    const plan = await runCli(['plan', input, '--resume', '--timeout', '500', '--settle-grace', '0s'], { env: sendEnv(sim) });
    expect(plan.code).toBe(0);
    expect(said(plan)).toMatch(/2 people of the file were in the account .* not invited again/);
    const nightly = await runCli(['send', input, '--resume', '--timeout', '500', '--settle-grace', '0s', '--summary-json', summary], { env: sendEnv(sim) });
    expect(nightly.code).toBe(0);
    expect(invitationRequests(sim)).toHaveLength(3); // the first night's only
    const doc = JSON.parse(readFileSync(summary, 'utf8'));
    expect(doc).toMatchObject({ removed_since: 2, actions: { invite: 0 }, counts: { invited: 1, skipped: 2 }, counts_kept: { invited: 1, skipped: 0 } });
    // Named where on-call looks: the first rows, and a next step that is not "nothing left to do".
    expect(doc.first_rows.map((r: { email: string; error_code: string }) => [r.email, r.error_code])).toEqual([['nina@x.co', 'removed_since'], ['mia@x.co', 'removed_since']]);
    expect(doc.next_step).toMatch(/^2 people of the file were removed from the account since .* --reinvite$/);
    expect(nightly.stdout).toMatch(/invited\s+1\s+0 by this run, 1 kept from earlier runs/);
    expect(readResults(join(dir, 'roster.results.csv')).map((r) => [r.email, r.status, r.error_code])).toEqual([
      ['ann@x.co', 'invited', ''],
      ['nina@x.co', 'skipped', 'removed_since'],
      ['mia@x.co', 'skipped', 'removed_since'],
    ]);
  });

  test('an invitation left in flight, whose access the sheet has changed since, is confirmed with the access it sent and then updated with --update', async () => {
    let child: ChildProcess | undefined;
    const sim = await simulator({ slowMs: 400, faultPlan: (_n, _email, action) => (action === 'invite' ? 'late_record' : undefined) });
    const dir = tempDir();
    const input = roster(dir, ['ann@x.co']);
    const journal = join(dir, 'roster.results.csv.journal');
    const first = runCli(['send', input, '--timeout', '5s'], { env: sendEnv(sim), onSpawn: (c) => (child = c) });
    // Killed once the request has reached Brevo (its journal line alone may precede the request on a busy machine).
    for (let i = 0; i < 500 && !(existsSync(journal) && readFileSync(journal, 'utf8').includes('ann') && invitationRequests(sim).length > 0); i++) await new Promise((r) => setTimeout(r, 20));
    child?.kill('SIGKILL');
    expect((await first).signal).toBe('SIGKILL');
    for (let i = 0; i < 500 && !sim.users.has('ann@x.co'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(sim.users.get('ann@x.co')?.privileges).toEqual([{ feature: 'contacts', permissions: ['view'] }]);
    writeFileSync(input, 'email,privileges\nann@x.co,contacts:view|export\n'); // HR changed her access meanwhile
    const again = await runCli(['send', input, '--resume', '--update', '--settle-grace', '0s'], { env: sendEnv(sim) });
    expect(again.code).toBe(0);
    expect(invitationRequests(sim)).toHaveLength(1);
    expect(requestsOf(sim, 'update')).toHaveLength(1);
    expect(sim.users.get('ann@x.co')?.privileges).toEqual([{ feature: 'contacts', permissions: ['view', 'export'] }]);
    expect(readResults(join(dir, 'roster.results.csv'))[0]).toMatchObject({ action: 'update', status: 'updated', granted: 'contacts:view|export' });
  });

  test('--no-skip-existing with --update still looks the account up: the owner is never invited or updated, people there are updated, not invited', async () => {
    const sim = await simulator({ existing: [{ email: 'boss@x.co', status: 'active', isOwner: true }, { email: 'ann@x.co', status: 'active' }] });
    const dir = tempDir();
    const run = await runCli(['send', roster(dir, ['boss@x.co', 'ann@x.co', 'new@x.co']), '--no-skip-existing', '--update'], { env: sendEnv(sim) });
    expect(run.code).toBe(0);
    expect(invitationRequests(sim).map((r) => r.email)).toEqual(['new@x.co']);
    expect(requestsOf(sim, 'update').map((r) => r.email)).toEqual(['ann@x.co']);
    expect(readResults(join(dir, 'roster.results.csv')).map((r) => [r.email, r.status, r.error_code])).toEqual([
      ['boss@x.co', 'skipped', 'owner'],
      ['ann@x.co', 'updated', ''],
      ['new@x.co', 'invited', ''],
    ]);
  });
});

describe('removals Brevo records a few seconds after it answered', () => {
  const lateRemovals = (existing: Array<{ email: string; status: 'active' | 'pending' }>) =>
    simulator({ existing, slowMs: 4000, faultPlan: (_n, _email, action) => (action === 'revoke' || action === 'cancel' ? 'answer_first' : undefined) });
  const removalRequests = (sim: Awaited<ReturnType<typeof simulator>>) => [...requestsOf(sim, 'revoke'), ...requestsOf(sim, 'cancel')];

  test('revoke, then revoke --resume at once: the people still listed are kept as removed, not removed again', async () => {
    const sim = await lateRemovals([{ email: 'a@x.co', status: 'active' }, { email: 'b@x.co', status: 'pending' }, { email: 'c@x.co', status: 'active' }]);
    const dir = tempDir();
    const input = roster(dir, ['a@x.co', 'b@x.co', 'c@x.co']);
    expect((await runCli(['revoke', input], { env: sendEnv(sim) })).code).toBe(0);
    expect(sim.users.has('a@x.co')).toBe(true); // answered, not yet listed
    const again = await runCli(['revoke', input, '--resume'], { env: sendEnv(sim) });
    expect(again.code).toBe(0);
    expect(removalRequests(sim)).toHaveLength(3);
    expect(readResults(join(dir, 'roster.results.csv')).map((r) => [r.email, r.status, r.attempts])).toEqual([
      ['a@x.co', 'revoked', '1'],
      ['b@x.co', 'cancelled', '1'],
      ['c@x.co', 'revoked', '1'],
    ]);
  });

  test('send --prune, then --prune --resume at once: no second removal, and the ones still listed do not count against --max-prune', async () => {
    const sim = await lateRemovals(['stays', 'l1', 'l2', 'l3'].map((n) => ({ email: `${n}@x.co`, status: 'active' as const })));
    const dir = tempDir();
    const input = roster(dir, ['stays@x.co']);
    expect((await runCli(['send', input, '--prune', '--max-prune', '3'], { env: sendEnv(sim) })).code).toBe(0);
    expect(removalRequests(sim)).toHaveLength(3);
    const again = await runCli(['send', input, '--resume', '--prune', '--max-prune', '1'], { env: sendEnv(sim) });
    expect(again.code).toBe(0);
    expect(removalRequests(sim)).toHaveLength(3);
    expect(readResults(join(dir, 'roster.results.csv')).map((r) => [r.email, r.status])).toEqual([
      ['stays@x.co', 'skipped'],
      ['l1@x.co', 'revoked'],
      ['l2@x.co', 'revoked'],
      ['l3@x.co', 'revoked'],
    ]);
  });
});

describe("a gateway's 4xx page on an invitation or an update", () => {
  test('is unclear, not a refusal: settled or retried in the run, and a row that ended on it is sent again by --resume', async () => {
    let gateway = true;
    const sim = await simulator({ existing: [{ email: 'old@x.co', status: 'active' }], faultPlan: () => (gateway ? 'html_404' : undefined) });
    const dir = tempDir();
    const input = roster(dir, ['new@x.co', 'old@x.co']);
    const first = await runCli(['send', input, '--update', '--max-retries', '1', '--timeout', '500', '--settle-grace', '0s'], { env: sendEnv(sim) });
    expect(first.code).toBe(1);
    expect(readResults(join(dir, 'roster.results.csv')).map((r) => [r.email, r.status, r.error_code])).toEqual([
      ['new@x.co', 'failed', 'gateway_404'],
      ['old@x.co', 'failed', 'gateway_404'],
    ]);
    expect(said(first)).toContain('--resume');
    gateway = false;
    const again = await runCli(['send', input, '--resume', '--update'], { env: sendEnv(sim) });
    expect(again.code).toBe(0);
    expect(readResults(join(dir, 'roster.results.csv')).map((r) => [r.email, r.status])).toEqual([
      ['new@x.co', 'invited'],
      ['old@x.co', 'updated'],
    ]);
    expect(invitedTwice(sim)).toEqual([]);
  });
});

describe('receipts across nights (found by a fourth adversarial round)', () => {
  test("a person invited, pruned, and back on the roster keeps every invoice and credit note of theirs on their row", async () => {
    const sim = await simulator({ existing: [{ email: 'boss@x.co', status: 'active', isOwner: true }, { email: 'k1@x.co', status: 'active' }, { email: 'x0@x.co', status: 'active' }] });
    const dir = tempDir();
    const input = roster(dir, ['k1@x.co', 'n1@x.co']);
    const results = join(dir, 'roster.results.csv');
    const night = async (emails: string[]) => {
      roster(dir, emails);
      const run = await runCli(['send', input, '--resume', '--prune'], { env: sendEnv(sim) });
      expect(run.code).toBe(0);
      return new Map(readResults(results).map((r) => [r.email, r]));
    };
    const first = await night(['k1@x.co', 'n1@x.co']);
    const n1Invoice = first.get('n1@x.co')!.invoice_id;
    const x0Credit = first.get('x0@x.co')!.credit_notes;
    expect(first.get('x0@x.co')).toMatchObject({ status: 'revoked', line: '' });
    expect([n1Invoice, x0Credit]).toEqual([expect.stringMatching(/^INV-/), expect.stringMatching(/\S/)]);

    const second = await night(['k1@x.co']); // n1 left: pending, so cancelled
    expect(second.get('n1@x.co')).toMatchObject({ status: 'cancelled', invoice_id: n1Invoice });

    const third = await night(['k1@x.co', 'n1@x.co', 'x0@x.co']); // both back
    const n1 = third.get('n1@x.co')!;
    const x0 = third.get('x0@x.co')!;
    expect(n1.status).toBe('invited');
    expect((n1.invoice_id ?? '').split('; ')).toEqual([n1Invoice, expect.stringMatching(/^INV-/)]);
    expect(x0).toMatchObject({ status: 'invited', credit_notes: x0Credit });
    expect(x0.invoice_id).toMatch(/^INV-/);
    expect(sim.invitations().get('n1@x.co')).toBe(2); // once per time on the roster
  });
});

describe('a run that ends with requests it could not check within --max-wait', () => {
  test('says so: stopped_for "unsettled", exit 75, and not that the budget ran out', async () => {
    const sim = await simulator({ faultPlan: (n) => (n === 1 ? 'hang' : undefined) });
    const dir = tempDir();
    const summary = join(dir, 's.json');
    const run = await runCli(['send', roster(dir, ['ann@x.co']), '--timeout', '500', '--max-retries', '0', '--max-wait', '1s', '--summary-json', summary], { env: sendEnv(sim) });
    expect(run.code).toBe(75);
    const doc = JSON.parse(readFileSync(summary, 'utf8'));
    expect(doc).toMatchObject({ stopped_for: 'unsettled', exit_code: 75 });
    expect(doc.next_step).toContain("Brevo's list could not yet be trusted");
    expect(doc.next_step).not.toContain('budget');
    expect(readResults(join(dir, 'roster.results.csv'))[0]).toMatchObject({ status: 'deferred', error_code: 'outcome_unknown' });
  });
});

describe('a run that cannot have the list', () => {
  test('exits 75 even when every row is kept from an earlier run: nothing was checked', async () => {
    const up = await simulator();
    const dir = tempDir();
    const input = roster(dir, ['ann@x.co']);
    expect((await runCli(['send', input], { env: sendEnv(up) })).code).toBe(0);
    const down = await simulator({ failRate: 1, faults: ['http_503'], faultsOnList: true });
    const summary = join(dir, 's.json');
    const run = await runCli(['send', input, '--resume', '--update', '--max-retries', '0', '--summary-json', summary], { env: sendEnv(down) });
    expect(run.code).toBe(75);
    expect(JSON.parse(readFileSync(summary, 'utf8'))).toMatchObject({ exit_code: 75, stopped_for: 'unavailable' });
  });

  test("defers each row with the action it was on (an update stays an update), and keeps the person's receipts", async () => {
    const first = await simulator({ existing: [{ email: 'ann@x.co', status: 'active' }], faultPlan: (_n, _e, action) => (action === 'update' ? 'http_503' : undefined) });
    const dir = tempDir();
    const input = roster(dir, ['ann@x.co', 'new@x.co']);
    expect((await runCli(['send', input, '--update', '--max-retries', '0'], { env: sendEnv(first) })).code).toBe(1);
    const results = join(dir, 'roster.results.csv');
    const newInvoice = readResults(results)[1]!.invoice_id;
    expect(readResults(results).map((r) => [r.email, r.status, r.action])).toEqual([
      ['ann@x.co', 'failed', 'update'],
      ['new@x.co', 'invited', 'invite'],
    ]);
    const down = await simulator({ failRate: 1, faults: ['http_503'], faultsOnList: true });
    const run = await runCli(['send', input, '--update', '--resume', '--max-retries', '0'], { env: sendEnv(down) });
    expect(run.code).toBe(75);
    expect(readResults(results).map((r) => [r.email, r.status, r.action, r.invoice_id])).toEqual([
      ['ann@x.co', 'deferred', 'update', ''],
      ['new@x.co', 'invited', 'invite', newInvoice],
    ]);
  });
});

describe('removals an earlier --prune run deferred', () => {
  test('are not sent by a run without --prune, and its next step says so', async () => {
    const sim = await simulator({ existing: ['keep', 'l1', 'l2'].map((n) => ({ email: `${n}@x.co`, status: 'active' as const })) });
    const dir = tempDir();
    const input = roster(dir, ['keep@x.co']);
    expect((await runCli(['send', input, '--prune', '--limit', '1'], { env: sendEnv(sim) })).code).toBe(75);
    expect(sim.removals).toHaveLength(1);
    const summary = join(dir, 's.json');
    const run = await runCli(['send', input, '--resume', '--summary-json', summary], { env: sendEnv(sim) });
    expect(run.code).toBe(0);
    expect(sim.removals).toHaveLength(1);
    expect(JSON.parse(readFileSync(summary, 'utf8')).next_step).toBe('1 removal that an earlier --prune run deferred is left as it is: only a run with --prune sends it (after checking the roster again).');
  });
});
