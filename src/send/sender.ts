/**
 * Sends the invitations: p-limit for concurrency, the gate for the budget, retry.ts for what to
 * do after each answer, the settler for answers of unknown outcome. Every job ends as exactly one
 * RowResult; jobs not attempted when the run stops are `deferred`.
 */
import pLimit from 'p-limit';
import type { Clock } from '../clock.js';
import type { Invitation, RowResult } from '../types.js';
import type { Answer, RateHeaders } from './client.js';
import { classifyInvite, type Outcome } from './classify.js';
import { deferredRow, type RunControl } from './control.js';
import { GateClosed, WindowTooFar, type Gate } from './gate.js';
import { backoffMs, decide, type RetryPolicy } from './retry.js';
import { Settler } from './settler.js';
import { parseUsers, type UserState } from './users.js';

export interface Api {
  inviteUser(invitation: Invitation): Promise<Answer>;
  listUsers(): Promise<Answer>;
}

export interface SendJob {
  /** The row as planned (status `valid`); its line, email, granted and carried cells are kept. */
  row: RowResult;
  invitation: Invitation;
  /** An earlier request for it got no answer (and the list did not have it then). */
  answerLost?: boolean | undefined;
}

export interface SenderDeps {
  api: Api;
  gate: Gate;
  clock: Clock;
  random: () => number;
  policy: RetryPolicy;
  concurrency: number;
  /** Called, synchronously, just before each invitation request starts (the journal's intent). */
  beforeSend?: (job: SendJob) => void;
  /** Called as each row finishes. */
  onRowDone?: (result: RowResult) => void;
}

/** A run of this many 403s with no success in between stops the run: the key lacks the right. */
export const FORBIDDEN_STREAK_LIMIT = 5;
/** A run of this many 429s with no success means the budget is being used elsewhere. */
export const RATE_LIMITED_STREAK_LIMIT = 20;

/**
 * One request through the gate: acquire, call, release, count. Returns undefined when the gate
 * will not let it start (the run is stopping, or the window is too far: the run is then stopped).
 */
async function throughGate(
  deps: SenderDeps,
  control: RunControl,
  call: () => Promise<Answer>,
): Promise<Answer | undefined> {
  try {
    await deps.gate.acquire();
  } catch (err) {
    if (err instanceof WindowTooFar) control.stop('budget', err.resetAt);
    else if (!(err instanceof GateClosed)) throw err;
    return undefined;
  }
  control.totals.requests++;
  const answer = await call();
  const status = answer.kind === 'response' ? answer.status : undefined;
  const rate: RateHeaders | undefined = answer.kind === 'response' ? answer.rate : undefined;
  deps.gate.release(rate, status);
  if (status === 429) {
    control.totals.rateLimited++;
    if (deps.gate.consecutiveRateLimited >= RATE_LIMITED_STREAK_LIMIT) control.stop('budget');
  }
  return answer;
}

/** The invited-users list, with retries (a GET is safe to repeat). Stops the run on 401/403. */
export async function fetchUsers(deps: SenderDeps, control: RunControl): Promise<Map<string, UserState> | undefined> {
  for (let retries = 0; ; ) {
    const answer = await throughGate(deps, control, () => deps.api.listUsers());
    if (answer === undefined) return undefined;
    if (answer.kind === 'response') {
      if (answer.status === 401) return void control.stop('auth');
      if (answer.status === 403) return void control.stop('permission');
      if (answer.status === 429) continue;
      // A 2xx that is not a users list (a wrong base URL, a proxy page) will not improve by asking again.
      if (answer.status >= 200 && answer.status < 300) {
        const users = parseUsers(answer.body);
        if (users === undefined) control.listProblem = `HTTP ${answer.status}, but the answer is not a list of users: is --base-url right?`;
        return users;
      }
      control.listProblem = `HTTP ${answer.status}${typeof answer.body === 'object' && answer.body !== null && 'message' in answer.body ? `: ${String(answer.body.message)}` : ''}`;
      if (answer.status < 500) return undefined;
    } else {
      control.listProblem = answer.message;
    }
    if (retries >= deps.policy.maxRetries) return undefined;
    await deps.clock.sleep(backoffMs(retries++, deps.policy, deps.random), control.signal);
  }
}

function finished(row: RowResult, attempts: number, now: number, outcome: Outcome, extra: Partial<RowResult> = {}): RowResult {
  const base = { ...row, attempts, finishedAt: new Date(now).toISOString(), invoiceId: undefined, errorCode: undefined, errorMessage: undefined, httpStatus: undefined };
  switch (outcome.type) {
    case 'invited':
      return { ...base, status: 'invited', invoiceId: outcome.invoiceId, httpStatus: outcome.status, ...extra };
    case 'already':
      return { ...base, status: 'skipped', errorCode: 'already_invited', errorMessage: `Brevo says the user is already invited (${outcome.code}: ${outcome.message})`, httpStatus: outcome.status, ...extra };
    case 'rejected':
    case 'forbidden':
    case 'server':
      return { ...base, status: 'failed', errorCode: outcome.code, errorMessage: outcome.message, httpStatus: outcome.status, ...extra };
    case 'network':
    case 'unknown':
      return { ...base, status: 'failed', errorCode: outcome.code, errorMessage: outcome.message, ...extra };
    case 'auth':
    case 'rate_limited':
      // Not final outcomes (the run stops, or the row waits for the window); listed for completeness.
      return { ...base, status: 'failed', errorCode: `http_${outcome.status}`, errorMessage: `Brevo answered HTTP ${outcome.status}`, httpStatus: outcome.status, ...extra };
  }
}

/** Where a row stands between its requests (kept across a wait for the list). */
interface Progress {
  attempts: number;
  retries: number;
  /** An earlier request got no answer, and the list did not have it then. */
  answerLost: boolean;
}

/** What one turn of sending ends with: the row's result, or a wait for the invited-users list. */
type Step = { type: 'done'; result: RowResult } | { type: 'settle'; outcome: Outcome };

/** Sends one row until it finishes or its outcome is unknown (then the list must tell). */
async function sendTurn(job: SendJob, p: Progress, deps: SenderDeps, control: RunControl): Promise<Step> {
  const { row, invitation } = job;
  const done = (result: RowResult): Step => ({ type: 'done', result });
  for (;;) {
    if (control.stoppedFor !== undefined) return done(deferredRow(row, control.stoppedFor, p.attempts));
    const answer = await throughGate(deps, control, () => {
      deps.beforeSend?.(job);
      p.attempts++;
      return deps.api.inviteUser(invitation);
    });
    if (answer === undefined) return done(deferredRow(row, control.stoppedFor ?? 'signal', p.attempts));
    const outcome = classifyInvite(answer);
    const now = deps.clock.now();
    if (outcome.type === 'invited') control.forbiddenStreak = 0;
    if (outcome.type === 'forbidden' && ++control.forbiddenStreak >= FORBIDDEN_STREAK_LIMIT) control.stop('permission');

    const decision = decide(outcome, p.retries, deps.policy, deps.random);
    switch (decision.action) {
      case 'done':
        if (outcome.type === 'already' && p.answerLost) {
          // Our own earlier request went through after all: this tool invited them.
          return done(finished(row, p.attempts, now, { type: 'invited', status: outcome.status, invoiceId: undefined }, {
            errorMessage: `an earlier request got no answer, and Brevo now says the user is already invited: that request went through (${outcome.message})`,
          }));
        }
        return done(finished(row, p.attempts, now, outcome));
      case 'stop_run':
        control.stop(decision.reason);
        return done(deferredRow(row, decision.reason, p.attempts, { httpStatus: 401, errorCode: outcome.type === 'auth' ? outcome.code : 'unauthorized' }));
      case 'wait_window':
        continue; // the gate holds every sender until the window resets
      case 'give_up':
        return done(finished(row, p.attempts, now, outcome, { errorMessage: `${'message' in outcome ? outcome.message : ''} (gave up after ${p.attempts} attempts)`.trim() }));
      case 'retry':
        p.retries++;
        await deps.clock.sleep(decision.delayMs, control.signal);
        continue;
      case 'settle':
        return { type: 'settle', outcome };
    }
  }
}

/**
 * What the list said about a row whose answer was lost: its result, or undefined when Brevo does
 * not have it (it was not processed, so it is safe to send again).
 */
function settled(job: SendJob, p: Progress, outcome: Outcome, known: boolean | undefined, deps: SenderDeps, control: RunControl): RowResult | undefined {
  const { row } = job;
  const code = outcome.type === 'unknown' ? outcome.code : 'unknown';
  if (known === true) {
    return finished(row, p.attempts, deps.clock.now(), { type: 'invited', status: 200, invoiceId: undefined }, {
      httpStatus: undefined,
      errorMessage: `the answer was lost (${code}); confirmed from Brevo's invited-users list`,
    });
  }
  if (known === undefined && control.stoppedFor !== undefined) {
    // Stopping before it could be checked: deferred, and marked so --resume checks it first.
    return deferredRow(row, control.stoppedFor, p.attempts, {
      errorCode: 'outcome_unknown',
      errorMessage: 'sent without an answer, and the run stopped before it could be checked; --resume checks it before sending again',
    });
  }
  if (known === undefined || p.retries >= deps.policy.maxRetries) {
    return finished(row, p.attempts, deps.clock.now(), outcome, {
      errorCode: 'outcome_unknown',
      errorMessage: `no answer from Brevo (${code}) and the invited-users list could not confirm it; --resume checks again before sending`,
    });
  }
  p.retries++;
  p.answerLost = true;
  return undefined;
}

export async function sendAll(jobs: readonly SendJob[], deps: SenderDeps, control: RunControl): Promise<RowResult[]> {
  const limit = pLimit(deps.concurrency);
  const settler = new Settler(() => fetchUsers(deps, control), jobs.length);
  const sendJob = async (job: SendJob): Promise<RowResult> => {
    const p: Progress = { attempts: job.row.attempts, retries: 0, answerLost: job.answerLost === true };
    for (;;) {
      // A row waiting for the list gives its place to the others (the list waits for them).
      const step = await limit(() =>
        control.stoppedFor === undefined ? sendTurn(job, p, deps, control) : Promise.resolve<Step>({ type: 'done', result: deferredRow(job.row, control.stoppedFor, p.attempts) }),
      );
      if (step.type === 'done') return step.result;
      const result = settled(job, p, step.outcome, await settler.isInvited(job.invitation.email), deps, control);
      if (result !== undefined) return result;
    }
  };
  return Promise.all(
    jobs.map(async (job) => {
      const result = await sendJob(job);
      settler.rowDone();
      deps.onRowDone?.(result);
      return result;
    }),
  );
}
