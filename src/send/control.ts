/**
 * What every sender of a run shares: whether (and why) the run has stopped, the request counters,
 * and how a row that was not attempted reads in the results.
 */
import type { StopReason } from '../run/report.js';
import type { RowResult } from '../types.js';
import type { Gate } from './gate.js';

const DEFER_REASON: Record<StopReason, { code: string; message: string }> = {
  auth: { code: 'not_attempted', message: 'not sent: Brevo refused the API key (401), so the run stopped' },
  permission: { code: 'not_attempted', message: 'not sent: Brevo refused the key permission several times in a row (403), so the run stopped' },
  signal: { code: 'interrupted', message: 'not sent: the run was interrupted' },
  budget: { code: 'rate_limit_window', message: 'not sent: the rate-limit budget was used up and the next window is further away than --max-wait' },
  limit: { code: 'limit', message: 'not sent: --limit was reached for this run' },
  unavailable: { code: 'brevo_unavailable', message: 'not sent: Brevo did not answer the invited-users list call, so the run stopped before sending' },
  locked: { code: 'lock_lost', message: 'not sent: another run took over the lock on this results file, so this run stopped' },
  unsettled: { code: 'outcome_unknown', message: 'Brevo answered unclearly; it may still record the request, and the run could not wait that long (--max-wait): --resume checks it before sending again' },
  disk: { code: 'not_recorded', message: 'not sent: the results file or the journal could not be written (the disk is full, or writing was refused), so the run stopped' },
};

export interface SendTotals {
  requests: number;
  rateLimited: number;
}

/** Why the run stopped (once it has), and the counters. */
export class RunControl {
  stoppedFor: StopReason | undefined;
  /** When the budget stop happened, the reset time that was too far. */
  resetAt: number | undefined;
  /** What went wrong, in words, when the run stopped for a reason the summary should explain. */
  detail: string | undefined;
  readonly totals: SendTotals = { requests: 0, rateLimited: 0 };
  forbiddenStreak = 0;
  readonly #gate: Gate;
  readonly #abort = new AbortController();

  constructor(gate: Gate) {
    this.#gate = gate;
  }

  /** Aborted when the run stops: ends backoff sleeps and waits early. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  stop(reason: StopReason, options: { resetAt?: number | undefined; detail?: string | undefined } = {}): void {
    if (this.stoppedFor !== undefined) return;
    this.stoppedFor = reason;
    this.resetAt = options.resetAt;
    this.detail ??= options.detail;
    this.#gate.close();
    this.#abort.abort();
  }
}

export function deferredRow(row: RowResult, reason: StopReason, attempts = row.attempts, extra?: Partial<RowResult>): RowResult {
  const { code, message } = DEFER_REASON[reason];
  return { ...row, status: 'deferred', errorCode: code, errorMessage: message, attempts, httpStatus: undefined, finishedAt: undefined, ...extra };
}
