/**
 * Sends the rows' requests: p-limit for concurrency, the gate for the budget, the action table for
 * what each request is and how its answers are read, retry.ts for what to do after each answer,
 * the settler for answers that may hide a processed request. Every job ends as exactly one
 * RowResult; jobs not attempted when the run stops are `deferred`.
 */
import pLimit from 'p-limit';
import type { Clock } from '../clock.js';
import type { ActionName, RowResult } from '../types.js';
import { ACTIONS, type ActionSpec, type Target } from './actions.js';
import type { Answer, ApiRequest } from './client.js';
import { joinReceipts } from './receipts.js';
import { classify, type Outcome } from './classify.js';
import { deferredRow, type RunControl } from './control.js';
import type { Gate } from './gate.js';
import { decide, type RetryPolicy } from './retry.js';
import { Settler, type ListVerdict } from './settler.js';
import { fetchUsers, throughGate, type RequestInfo } from './through-gate.js';

export { fetchUsers, type ListResult, type RequestInfo } from './through-gate.js';

export interface Api {
  call(request: ApiRequest): Promise<Answer>;
  listUsers(): Promise<Answer>;
}

export interface SendJob {
  /** The row as planned; its line, email, granted and carried cells are kept. */
  row: RowResult;
  action: ActionName;
  target: Target;
  /** An earlier request for it (in an earlier run) got no answer: when it started. */
  sentAt?: number | undefined;
}

export interface SenderDeps {
  api: Api;
  gate: Gate;
  clock: Clock;
  random: () => number;
  policy: RetryPolicy;
  concurrency: number;
  /** How long after a request started the list may be trusted to say it was not processed. */
  settleAfterMs: number;
  maxWaitMs: number;
  /** Called, synchronously, just before each request starts (the journal's intent). If it throws, the request is not sent. */
  beforeSend?: ((job: SendJob) => void) | undefined;
  /** Called as each row finishes. */
  onRowDone?: ((result: RowResult) => void) | undefined;
  /** Called after each request, with its answer in short (for debug logs). */
  onRequest?: ((info: RequestInfo) => void) | undefined;
  /** Told before a retry, with why and after how long. */
  onRetry?: ((job: SendJob, why: string, delayMs: number) => void) | undefined;
  /** Told before the users list is asked for again, with why and after how long. */
  onListRetry?: ((why: string, delayMs: number) => void) | undefined;
  /** Told while the last list call waits for Brevo to record requests whose answer was lost. */
  onSettleWait?: ((until: number | undefined, rows: number) => void) | undefined;
}

/** A run of this many 403s with no success in between stops the run: the key lacks the right. */
export const FORBIDDEN_STREAK_LIMIT = 5;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function finished(row: RowResult, spec: ActionSpec, attempts: number, now: number, outcome: Outcome, extra: Partial<RowResult> = {}): RowResult {
  // The receipts of earlier actions for the person (carried on the row) stay with it, and this
  // action's are added: the file must go on saying who was billed for a seat, and credited.
  const base: RowResult = {
    ...row,
    action: spec.name,
    attempts,
    finishedAt: new Date(now).toISOString(),
    errorCode: undefined,
    errorMessage: undefined,
    httpStatus: undefined,
  };
  switch (outcome.type) {
    case 'done':
      return {
        ...base,
        status: spec.done,
        invoiceId: joinReceipts(row.invoiceId, outcome.invoiceId),
        creditNotes: joinReceipts(row.creditNotes, outcome.creditNotes),
        httpStatus: outcome.status,
        ...(spec.name === 'invite' ? { invitedAt: base.finishedAt } : {}),
        ...extra,
      };
    case 'already':
      return { ...base, status: 'skipped', errorCode: spec.alreadyCode, errorMessage: `${spec.alreadyText ?? 'Brevo says it is already so'} (${outcome.code}: ${outcome.message})`, httpStatus: outcome.status, ...extra };
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
  /** An earlier request got no answer (or a 5xx), and the list did not have it then. */
  answerLost: boolean;
  /** When the last request for it started (this run or, from the journal, an earlier one). */
  sentAt: number | undefined;
  /** Answers "already so" (gone, say) that the list contradicted. */
  contradicted: number;
  /** A refusal was checked against the list (once per row). */
  refusalChecked: boolean;
  /** The row was sent as another action after the list showed the person changed state (once per row). */
  switched: boolean;
}

/** What one turn of sending ends with: the row's result, or a wait for the invited-users list. */
type Step = { type: 'done'; result: RowResult } | { type: 'settle'; outcome: Outcome };

/**
 * A refusal of a request whose right form depends on the person's state (a removal: a cancel to
 * someone who accepted the invitation since the list was taken) is checked against the list once.
 */
const refusalToCheck = (spec: ActionSpec, outcome: Outcome, p: Progress) =>
  spec.forState !== undefined && outcome.type === 'rejected' && (outcome.status === 400 || outcome.status === 409) && !p.refusalChecked;

/** Sends one row until it finishes or its outcome is unknown (then the list must tell). */
async function sendTurn(job: SendJob, p: Progress, deps: SenderDeps, control: RunControl): Promise<Step> {
  const spec = ACTIONS[job.action];
  const row = { ...job.row, action: job.action };
  const done = (result: RowResult): Step => ({ type: 'done', result });
  for (;;) {
    if (control.stoppedFor !== undefined) return done(deferredRow(row, control.stoppedFor, p.attempts, p.answerLost ? unknownDeferred : {}));
    const answer = await throughGate(deps, control, { action: job.action, email: job.target.email }, () => {
      deps.beforeSend?.(job);
      p.attempts++;
      p.sentAt = deps.clock.now();
      return deps.api.call(spec.request(job.target));
    });
    if (answer === undefined) return done(deferredRow(row, control.stoppedFor ?? 'signal', p.attempts, p.answerLost ? unknownDeferred : {}));
    const outcome = classify(answer, spec.already);
    const now = deps.clock.now();
    if (outcome.type === 'done') control.forbiddenStreak = 0;
    if (outcome.type === 'forbidden' && ++control.forbiddenStreak >= FORBIDDEN_STREAK_LIMIT) control.stop('permission', { detail: `HTTP 403: ${outcome.message}` });

    const decision = decide(outcome, p.retries, deps.policy, spec.whenUnsure, deps.random);
    // "Already so" to a removal is believed once the list agrees (a gateway's 404 is not Brevo's).
    if (outcome.type === 'already' && spec.settleAlready === true) return { type: 'settle', outcome };
    if (refusalToCheck(spec, outcome, p)) {
      p.refusalChecked = true;
      return { type: 'settle', outcome };
    }
    switch (decision.action) {
      case 'done':
        if (outcome.type === 'already' && p.answerLost) {
          // Our own earlier request went through after all: this tool did it.
          return done(finished(row, spec, p.attempts, now, { type: 'done', status: outcome.status, invoiceId: undefined, creditNotes: undefined }, {
            errorMessage: `an earlier request got no answer, and Brevo now says it is already so: that request went through (${outcome.message})`,
          }));
        }
        return done(finished(row, spec, p.attempts, now, outcome));
      case 'stop_run':
        control.stop(decision.reason, { detail: 'message' in outcome ? `HTTP 401: ${outcome.message}` : undefined });
        return done(deferredRow(row, decision.reason, p.attempts, { httpStatus: 401, errorCode: outcome.type === 'auth' ? outcome.code : 'unauthorized' }));
      case 'wait_window':
        continue; // the gate holds every sender until the window resets
      case 'give_up': {
        const why = 'message' in outcome ? outcome.message : '';
        return done(finished(row, spec, p.attempts, now, outcome, { errorMessage: `${why} (gave up after ${plural(p.attempts, 'attempt')}; brevo-invite --resume tries it again)`.trim() }));
      }
      case 'retry':
        deps.onRetry?.(job, 'message' in outcome ? `${outcome.code}: ${outcome.message}` : outcome.type, decision.delayMs);
        p.retries++;
        p.answerLost ||= outcome.type === 'unknown';
        await deps.clock.sleep(decision.delayMs, control.signal);
        continue;
      case 'settle':
        return { type: 'settle', outcome };
    }
  }
}

const unknownDeferred: Partial<RowResult> = {
  errorCode: 'outcome_unknown',
  errorMessage: 'sent without a clear answer, and the run stopped before it could be checked; --resume checks it against Brevo before sending again',
};

const whatHappened = (outcome: Outcome) =>
  outcome.type === 'server' || outcome.type === 'already' || outcome.type === 'rejected' ? `HTTP ${outcome.status}` : outcome.type === 'unknown' ? outcome.code : 'no answer';

/**
 * What the list said about a row whose answer was unclear: its result, or undefined when Brevo
 * provably did not process it (then it is sent again).
 */
function settled(job: SendJob, p: Progress, outcome: Outcome, verdict: ListVerdict | undefined, deps: SenderDeps, control: RunControl): RowResult | undefined {
  const spec = ACTIONS[job.action];
  const row = { ...job.row, action: job.action };
  const now = deps.clock.now();
  const happened = whatHappened(outcome);
  // The list names the person the owner now: whatever was planned, the owner is never changed or removed.
  if (verdict?.state?.isOwner === true && !spec.tookEffect(verdict.state)) {
    return { ...row, action: undefined, status: 'skipped', granted: '', attempts: p.attempts, finishedAt: new Date(now).toISOString(), errorCode: 'owner', errorMessage: "Brevo's users list names the person the owner of the account: never changed or removed", httpStatus: undefined };
  }
  if (verdict !== undefined && spec.tookEffect(verdict.state)) {
    return finished(row, spec, p.attempts, now, { type: 'done', status: 200, invoiceId: undefined, creditNotes: undefined }, {
      httpStatus: undefined,
      errorMessage: `the answer was ${happened === 'no answer' ? 'lost' : `unclear (${happened})`}; ${spec.confirmed}`,
    });
  }
  if (outcome.type === 'rejected') {
    // A refusal checked against the list: the person's state now calls for another request (the
    // caller sends it, once per row), or the refusal stands.
    const next = verdict?.state === undefined || p.switched ? undefined : spec.forState?.(verdict.state);
    if (next !== undefined && next !== job.action) return control.stoppedFor === undefined ? undefined : deferredRow({ ...row, action: next }, control.stoppedFor, p.attempts);
    return finished(row, spec, p.attempts, now, outcome);
  }
  if (control.stoppedFor !== undefined) return deferredRow(row, control.stoppedFor, p.attempts, unknownDeferred);
  if (verdict === undefined) {
    return finished(row, spec, p.attempts, now, outcome, {
      errorCode: 'outcome_unknown',
      errorMessage: `${happened === 'no answer' ? 'no answer from Brevo' : `Brevo answered ${happened}`} and its users list could not be had to confirm the outcome; --resume checks again before sending`,
    });
  }
  if (!verdict.trusted) {
    return deferredRow(row, 'unsettled', p.attempts, { errorMessage: `Brevo answered ${happened}; it may still record the request, and the run could not wait that long (--max-wait): --resume checks it before sending again` });
  }
  // "Already so" twice, and twice the list says otherwise: Brevo and its list disagree, and asking
  // again would only spend the budget.
  const disagree = outcome.type === 'already' && ++p.contradicted >= 2;
  if (disagree) {
    return finished(row, spec, p.attempts, now, { ...outcome, type: 'rejected' }, {
      errorCode: 'conflicting_answers',
      errorMessage: `Brevo answered "${outcome.message}" (HTTP ${outcome.status}) ${p.attempts} times, and its users list still shows the person${verdict.state === undefined ? '' : ` (${verdict.state.status})`}; brevo-invite --resume tries it again`,
    });
  }
  if (p.retries >= deps.policy.maxRetries) {
    // The list says the last request was not processed: a plain failure, that --resume sends again.
    const code = outcome.type === 'server' || outcome.type === 'already' || outcome.type === 'unknown' ? outcome.code : 'network';
    // An "already so" the list contradicts is a failure, not a skip.
    const failedOutcome: Outcome = outcome.type === 'already' ? { ...outcome, type: 'rejected' } : outcome;
    return finished(row, spec, p.attempts, now, failedOutcome, { errorCode: code, errorMessage: `Brevo answered ${happened}, and did not process it (gave up after ${plural(p.attempts, 'attempt')}; brevo-invite --resume tries it again)` });
  }
  p.retries++;
  p.answerLost = true;
  return undefined;
}

export async function sendAll(jobs: readonly SendJob[], deps: SenderDeps, control: RunControl): Promise<RowResult[]> {
  const limit = pLimit(deps.concurrency);
  const settler = new Settler(
    async () => {
      const list = await fetchUsers(deps, control, { firstCall: false });
      return list.ok ? list.users : undefined;
    },
    jobs.length,
    { clock: deps.clock, maxWaitMs: deps.maxWaitMs, signal: control.signal, onWait: deps.onSettleWait },
  );
  const sendJob = async (planned: SendJob): Promise<RowResult> => {
    let job = planned;
    const p: Progress = { attempts: job.row.attempts, retries: 0, answerLost: job.sentAt !== undefined, sentAt: job.sentAt, contradicted: 0, refusalChecked: false, switched: false };
    const turn = () =>
      limit(() =>
        control.stoppedFor === undefined
          ? sendTurn(job, p, deps, control)
          : Promise.resolve<Step>({ type: 'done', result: deferredRow({ ...job.row, action: job.action }, control.stoppedFor, p.attempts, p.answerLost ? unknownDeferred : {}) }),
      );
    // A row sent by an earlier run without an answer is looked up before anything is sent.
    let step: Step = job.sentAt !== undefined ? { type: 'settle', outcome: { type: 'unknown', code: 'outcome_unknown', message: 'sent by an earlier run without an answer' } } : await turn();
    for (;;) {
      if (step.type === 'done') return step.result;
      // A row waiting for the list gives its place to the others (the list waits for them).
      // A refusal is no request Brevo may still record: the list is believed at once.
      const verdict = await settler.check(job.target.email, step.outcome.type === 'rejected' ? 0 : (p.sentAt ?? 0) + deps.settleAfterMs);
      const result = settled(job, p, step.outcome, verdict, deps, control);
      if (result !== undefined) return result;
      // Provably not processed: sent again at once, which is a retry as on-call counts them; as
      // the request the person's state now calls for (an invitation accepted since is revoked).
      const happened = whatHappened(step.outcome);
      const now = verdict?.state === undefined || p.switched ? undefined : ACTIONS[job.action].forState?.(verdict.state);
      if (now !== undefined && now !== job.action) {
        deps.onRetry?.(job, `Brevo answered ${happened}, and its users list shows the person ${verdict!.state!.status} now: ${now} instead of ${job.action}`, 0);
        job = { ...job, action: now };
        [p.contradicted, p.switched] = [0, true];
      } else {
        deps.onRetry?.(job, `${happened === 'no answer' ? 'no answer' : `an unclear answer (${happened})`}, and Brevo's users list shows it was not processed`, 0);
      }
      step = await turn();
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
