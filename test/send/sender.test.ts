/** The sender with a scripted API and a fake clock: decisions, counts and stops, without real time. */
import { describe, expect, test } from '@jest/globals';
import type { Answer, ApiRequest } from '../../src/send/client.js';
import { Gate } from '../../src/send/gate.js';
import { RunControl } from '../../src/send/control.js';
import { FORBIDDEN_STREAK_LIMIT, fetchUsers, sendAll, type SendJob } from '../../src/send/sender.js';
import type { Invitation, RowResult } from '../../src/types.js';
import { FakeClock } from '../helpers/fake-clock.js';

const ok = (body: unknown = { status: 'OK', invoice_id: 'INV-1' }, status = 200): Answer => ({
  kind: 'response',
  status,
  rate: { limit: 100, remaining: 50, resetSeconds: 3600 },
  body,
});
// Every account lists its owner (an empty list is not trusted).
const usersList = (emails: string[]): Answer => ok({ users: [{ email: 'owner@example.com', status: 'active', is_owner: true }, ...emails.map((email) => ({ email, status: 'pending' }))] });

function job(i: number): SendJob {
  const invitation: Invitation = { email: `p${i}@example.com`, allFeaturesAccess: true, privileges: [] };
  const row: RowResult = { line: i + 1, email: invitation.email, status: 'deferred', attempts: 0, granted: 'all', extra: '' };
  return { row, action: 'invite', target: { email: invitation.email, invitation } };
}

/** An API whose answers come from a script, each after 10 ms of fake time. */
function scripted(clock: FakeClock, invite: (email: string, n: number) => Answer, list: () => Answer = () => usersList([])) {
  const calls: string[] = [];
  let n = 0;
  return {
    calls,
    api: {
      call: async (request: ApiRequest) => {
        const email = (request.body as { email: string }).email;
        calls.push(`POST ${email}`);
        await clock.sleep(10);
        return invite(email, ++n);
      },
      listUsers: async () => {
        calls.push('GET');
        await clock.sleep(10);
        return list();
      },
    },
  };
}

function run(clock: FakeClock, api: ReturnType<typeof scripted>['api'], jobs: SendJob[], maxRetries = 3) {
  const gate = new Gate(clock, { ratePerSecond: 0, maxWaitMs: 3_600_000 });
  const control = new RunControl(gate);
  const done = sendAll(jobs, { api, gate, clock, random: () => 0.5, policy: { maxRetries, baseMs: 1000, capMs: 30_000 }, concurrency: 2, settleAfterMs: 0, maxWaitMs: 3_600_000 }, control);
  return { control, done: clock.run(done) };
}

describe('sender', () => {
  test('a 429 is waited out and sent again without counting as a retry', async () => {
    const clock = new FakeClock();
    const { api, calls } = scripted(clock, (_, n) => (n <= 2 ? { kind: 'response', status: 429, rate: { limit: 10, remaining: 0, resetSeconds: 2 }, body: {} } : ok()));
    const { control, done } = run(clock, api, [job(1)], 0);
    const [result] = await done;
    expect(result).toMatchObject({ status: 'invited', attempts: 3, invoiceId: 'INV-1' });
    expect(calls).toEqual(['POST p1@example.com', 'POST p1@example.com', 'POST p1@example.com']);
    expect(control.totals).toMatchObject({ requests: 3, rateLimited: 2 });
  });

  test('a 5xx to an invitation (a gateway after Brevo processed it) is settled by the list, not sent again', async () => {
    const clock = new FakeClock();
    const { api, calls } = scripted(clock, () => ok({ code: 'bad_gateway', message: 'gateway' }, 502), () => usersList(['p1@example.com']));
    const [result] = await run(clock, api, [job(1)], 3).done;
    expect(result).toMatchObject({ status: 'invited', attempts: 1 });
    expect(result?.errorMessage).toContain('unclear (HTTP 502)');
    expect(calls).toEqual(['POST p1@example.com', 'GET']);
  });

  test('a 5xx that Brevo did not process is sent again after the list says so, up to --max-retries, then fails as retryable', async () => {
    const clock = new FakeClock();
    const { api, calls } = scripted(clock, () => ok({ code: 'internal_error', message: 'boom' }, 503));
    const [result] = await run(clock, api, [job(1)], 2).done;
    expect(result).toMatchObject({ status: 'failed', errorCode: 'http_503', attempts: 3 });
    expect(result?.errorMessage).toContain('gave up after 3 attempts; brevo-invite --resume tries it again');
    expect(calls).toEqual(['POST p1@example.com', 'GET', 'POST p1@example.com', 'GET', 'POST p1@example.com', 'GET']);
  });

  test('an answer that may hide a request is not trusted against a list taken before the grace period: the list waits', async () => {
    const clock = new FakeClock();
    const gate = new Gate(clock, { ratePerSecond: 0, maxWaitMs: 3_600_000 });
    const control = new RunControl(gate);
    let recorded = false;
    const api = {
      call: async () => {
        await clock.sleep(1000); // times out on our side...
        void clock.sleep(2500).then(() => (recorded = true)); // ...and Brevo records it 2.5 s later
        return { kind: 'error', phase: 'unknown', code: 'timeout', message: 'no answer' } as Answer;
      },
      listUsers: async () => usersList(recorded ? ['p1@example.com'] : []),
    };
    const started = clock.now();
    const [result] = await clock.run(sendAll([job(1)], { api, gate, clock, random: () => 0.5, policy: { maxRetries: 3, baseMs: 1000, capMs: 30_000 }, concurrency: 1, settleAfterMs: 31_000, maxWaitMs: 3_600_000 }, control));
    expect(result).toMatchObject({ status: 'invited', attempts: 1 });
    expect(clock.now() - started).toBeGreaterThanOrEqual(31_000); // the list was asked once the grace period had passed
    expect(control.totals.requests).toBe(2);
  });

  test('when the grace period is longer than --max-wait, the row is deferred as unknown instead of being sent again', async () => {
    const clock = new FakeClock();
    const gate = new Gate(clock, { ratePerSecond: 0, maxWaitMs: 5000 });
    const control = new RunControl(gate);
    const { api, calls } = scripted(clock, () => ({ kind: 'error', phase: 'unknown', code: 'timeout', message: 'no answer' }));
    const [result] = await clock.run(sendAll([job(1)], { api, gate, clock, random: () => 0.5, policy: { maxRetries: 3, baseMs: 1000, capMs: 30_000 }, concurrency: 1, settleAfterMs: 60_000, maxWaitMs: 5000 }, control));
    expect(result).toMatchObject({ status: 'deferred', errorCode: 'outcome_unknown' });
    expect(calls).toEqual(['POST p1@example.com', 'GET']);
  });

  test('a lost answer is settled by the list: found means invited, with no second request', async () => {
    const clock = new FakeClock();
    const { api, calls } = scripted(
      clock,
      () => ({ kind: 'error', phase: 'unknown', code: 'timeout', message: 'no answer' }),
      () => usersList(['p1@example.com']),
    );
    const [result] = await run(clock, api, [job(1)]).done;
    expect(result).toMatchObject({ status: 'invited', attempts: 1 });
    expect(result?.errorMessage).toContain("confirmed from Brevo's invited-users list");
    expect(calls).toEqual(['POST p1@example.com', 'GET']);
  });

  test('a lost answer that Brevo does not have is sent again', async () => {
    const clock = new FakeClock();
    const { api, calls } = scripted(clock, (_, n) => (n === 1 ? { kind: 'error', phase: 'unknown', code: 'network', message: 'reset' } : ok()));
    const [result] = await run(clock, api, [job(1)]).done;
    expect(result).toMatchObject({ status: 'invited', attempts: 2 });
    expect(calls).toEqual(['POST p1@example.com', 'GET', 'POST p1@example.com']);
  });

  test('answers lost at different moments are settled by one list call, once nothing else is being sent', async () => {
    const clock = new FakeClock();
    const seen = new Set<string>();
    const { api, calls } = scripted(clock, (email) => {
      const first = !seen.has(email);
      seen.add(email);
      return first && (email === 'p1@example.com' || email === 'p4@example.com') ? { kind: 'error', phase: 'unknown', code: 'timeout', message: 'no answer' } : ok();
    });
    const results = await run(clock, api, [1, 2, 3, 4, 5].map(job)).done;
    expect(results.map((r) => r.status)).toEqual(Array(5).fill('invited'));
    expect(calls.filter((c) => c === 'GET')).toHaveLength(1);
    expect(calls.indexOf('GET')).toBe(calls.length - 3); // after every other row, then the two resends
  });

  test('when the answer was lost and the resend hears "already invited", the row is invited (this tool did it)', async () => {
    const clock = new FakeClock();
    const { api } = scripted(clock, (_, n) =>
      n === 1 ? { kind: 'error', phase: 'unknown', code: 'timeout', message: 'no answer' } : ok({ code: 'invalid_parameter', message: 'User already exists in the organization' }, 400),
    );
    const [result] = await run(clock, api, [job(1)]).done;
    expect(result).toMatchObject({ status: 'invited', attempts: 2 });
    expect(result?.errorMessage).toContain('that request went through');
  });

  test('a 401 stops the run: the row and every row not started are deferred', async () => {
    const clock = new FakeClock();
    const { api, calls } = scripted(clock, () => ok({ code: 'unauthorized', message: 'Key not found' }, 401));
    const { control, done } = run(clock, api, [job(1), job(2), job(3)]);
    const results = await done;
    expect(control.stoppedFor).toBe('auth');
    expect(results.map((r) => r.status)).toEqual(['deferred', 'deferred', 'deferred']);
    expect(calls).toHaveLength(1);
  });

  test(`${FORBIDDEN_STREAK_LIMIT} 403s in a row stop the run`, async () => {
    const clock = new FakeClock();
    const { api } = scripted(clock, () => ok({ code: 'permission_denied', message: 'not allowed' }, 403));
    const { control, done } = run(clock, api, Array.from({ length: 9 }, (_, i) => job(i + 1)));
    const results = await done;
    expect(control.stoppedFor).toBe('permission');
    // the fifth stops the run; a request already in flight (concurrency 2) still finishes
    const failed = results.filter((r) => r.status === 'failed').length;
    expect(failed).toBeGreaterThanOrEqual(FORBIDDEN_STREAK_LIMIT);
    expect(failed).toBeLessThanOrEqual(FORBIDDEN_STREAK_LIMIT + 1);
    expect(results.filter((r) => r.status === 'deferred').length).toBeGreaterThan(0);
  });

  test('the first list call tells a set-up mistake (connection refused) from an outage; a later one retries and says why', async () => {
    const clock = new FakeClock();
    const gate = new Gate(clock, { ratePerSecond: 0, maxWaitMs: 3_600_000 });
    const control = new RunControl(gate);
    const { api, calls } = scripted(clock, () => ok(), () => ({ kind: 'error', phase: 'before-send', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' }));
    const deps = { api, gate, clock, random: () => 0.5, policy: { maxRetries: 2, baseMs: 1000, capMs: 30_000 } };
    expect(await clock.run(fetchUsers(deps, control, { firstCall: true }))).toMatchObject({ ok: false, problem: 'setup', setup: 'refused' });
    expect(calls).toHaveLength(1);
    expect(await clock.run(fetchUsers(deps, control, { firstCall: false }))).toEqual({ ok: false, problem: 'unavailable', detail: 'connect ECONNREFUSED 127.0.0.1:1 (ECONNREFUSED)' });
    expect(calls).toHaveLength(4);
  });

  test('a 404 on the first list call is a wrong base URL; a timeout is an outage, retried', async () => {
    const clock = new FakeClock();
    const gate = new Gate(clock, { ratePerSecond: 0, maxWaitMs: 3_600_000 });
    const control = new RunControl(gate);
    const deps = (list: () => Answer) => ({ ...scripted(clock, () => ok(), list), gate, clock, random: () => 0.5, policy: { maxRetries: 1, baseMs: 1000, capMs: 30_000 } });
    expect(await clock.run(fetchUsers(deps(() => ok({ code: 'not_found', message: 'No route' }, 404)), control, { firstCall: true }))).toMatchObject({ problem: 'setup', setup: 'not_found' });
    expect(await clock.run(fetchUsers(deps(() => ({ kind: 'error', phase: 'unknown', code: 'timeout', message: 'x' })), control, { firstCall: true }))).toMatchObject({ problem: 'unavailable', detail: 'no answer within --timeout' });
  });

  test('a permanent refusal is not retried, and the others go on', async () => {
    const clock = new FakeClock();
    const { api, calls } = scripted(clock, (email) => (email === 'p1@example.com' ? ok({ code: 'invalid_parameter', message: 'Invalid feature' }, 400) : ok()));
    const results = await run(clock, api, [job(1), job(2)]).done;
    expect(results.map((r) => [r.status, r.errorCode])).toEqual([
      ['failed', 'invalid_parameter'],
      ['invited', undefined],
    ]);
    expect(calls.filter((c) => c === 'POST p1@example.com')).toHaveLength(1);
  });
});

describe('removals whose person changed state since the list was taken', () => {
  const refusal = (status: number, message: string, code = 'invalid_parameter'): Answer => ok({ code, message }, status);
  const listed = (status: 'active' | 'pending') => ok({ users: [{ email: 'owner@example.com', status: 'active', is_owner: true }, { email: 'pat@example.com', status }] });

  function removals(clock: FakeClock, answer: (path: string, n: number) => Answer, list: () => Answer) {
    const calls: string[] = [];
    let n = 0;
    const api = {
      call: async (request: ApiRequest) => {
        calls.push(`${request.method} ${request.path.split('/').slice(-2).join('/')}`);
        await clock.sleep(10);
        return answer(request.path, ++n);
      },
      listUsers: async () => {
        calls.push('GET');
        await clock.sleep(10);
        return list();
      },
    };
    return { api, calls };
  }
  const cancelJob = (action: 'cancel' | 'revoke' = 'cancel'): SendJob => ({
    row: { line: 2, email: 'pat@example.com', status: 'deferred', attempts: 0, granted: '', extra: '' },
    action,
    target: { email: 'pat@example.com' },
  });

  test.each([
    ['"no pending invitation" (read as: not there)', 'No pending invitation for this user'],
    ['"already accepted" (a plain refusal)', 'The user has already accepted the invitation'],
  ])('a cancel refused with %s, to someone who accepted meanwhile, is followed by a revoke: one list call, no repeat of the cancel', async (_, message) => {
    const clock = new FakeClock();
    const { api, calls } = removals(clock, (path) => (path.includes('/cancel/') ? refusal(400, message) : ok({ status: 'OK', credit_notes: ['CN-1'] })), () => listed('active'));
    const [result] = await run(clock, api, [cancelJob()]).done;
    expect(result).toMatchObject({ status: 'revoked', action: 'revoke', creditNotes: 'CN-1' });
    expect(calls).toEqual(['PUT cancel/pat%40example.com', 'GET', 'PUT revoke/pat%40example.com']);
  });

  test('"not found" while the list goes on showing the person, twice: the row fails as Brevo and its list disagreeing (for --resume), after 2 requests, not 6', async () => {
    const clock = new FakeClock();
    const { api, calls } = removals(clock, () => refusal(404, 'User not found', 'document_not_found'), () => listed('active'));
    const [result] = await run(clock, api, [cancelJob('revoke')], 5).done;
    expect(result).toMatchObject({ status: 'failed', action: 'revoke', errorCode: 'conflicting_answers', attempts: 2 });
    expect(result?.errorMessage).toContain('--resume tries it again');
    expect(calls).toEqual(['PUT revoke/pat%40example.com', 'GET', 'PUT revoke/pat%40example.com', 'GET']);
  });

  test('a refusal the list does not explain stands: the row fails with Brevo\'s message, after one look at the list', async () => {
    const clock = new FakeClock();
    const { api, calls } = removals(clock, () => refusal(400, 'Something else entirely'), () => listed('pending'));
    const [result] = await run(clock, api, [cancelJob()]).done;
    expect(result).toMatchObject({ status: 'failed', action: 'cancel', errorCode: 'invalid_parameter', errorMessage: 'Something else entirely', attempts: 1 });
    expect(calls).toEqual(['PUT cancel/pat%40example.com', 'GET']);
  });
});

describe('the re-check of a removal never reaches the owner, and switches once', () => {
  const refusal = (status: number, message: string): Answer => ok({ code: 'invalid_parameter', message }, status);
  function removals(clock: FakeClock, answer: () => Answer, list: () => Answer) {
    const calls: string[] = [];
    const api = {
      call: async (request: ApiRequest) => {
        calls.push(`${request.method} ${request.path.split('/').slice(-2).join('/')}`);
        await clock.sleep(10);
        return answer();
      },
      listUsers: async () => {
        calls.push('GET');
        await clock.sleep(10);
        return list();
      },
    };
    return { api, calls };
  }
  const cancel: SendJob = { row: { line: 2, email: 'p@example.com', status: 'deferred', attempts: 0, granted: '', extra: '' }, action: 'cancel', target: { email: 'p@example.com' } };

  test('a cancel refused while the person became the owner: skipped, owner; no revoke is sent', async () => {
    const clock = new FakeClock();
    const { api, calls } = removals(clock, () => refusal(400, 'The invitation was accepted'), () => ok({ users: [{ email: 'p@example.com', status: 'active', is_owner: true }] }));
    const [result] = await run(clock, api, [cancel]).done;
    expect(result).toMatchObject({ status: 'skipped', errorCode: 'owner', action: undefined });
    expect(calls).toEqual(['PUT cancel/p%40example.com', 'GET']);
  });

  test('a person whose state flips at every request: one switch, then the refusal stands (no ping-pong)', async () => {
    const clock = new FakeClock();
    let pending = true;
    const { api, calls } = removals(
      clock,
      () => {
        pending = !pending;
        return refusal(400, pending ? 'The user is active: revoke instead' : 'The invitation was accepted');
      },
      () => ok({ users: [{ email: 'owner@example.com', status: 'active', is_owner: true }, { email: 'p@example.com', status: pending ? 'pending' : 'active' }] }),
    );
    const [result] = await run(clock, api, [cancel], 20).done;
    expect(result).toMatchObject({ status: 'failed', action: 'revoke' });
    expect(calls).toEqual(['PUT cancel/p%40example.com', 'GET', 'PUT revoke/p%40example.com']);
  });
});
