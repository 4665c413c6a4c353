/**
 * `brevo-invite send`: the whole run. Offline first (read and validate every row, fold in an
 * earlier run's results when resuming), then one list call (which proves the key, skips existing
 * users and settles rows left in flight), then the invitations, with the results file kept
 * current all along.
 */
import { once } from 'node:events';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import type { Clock } from '../clock.js';
import { Gate } from '../send/gate.js';
import { DEFAULT_RETRY } from '../send/retry.js';
import { RunControl, deferredRow } from '../send/control.js';
import { fetchUsers, sendAll, type Api, type SendJob, type SenderDeps } from '../send/sender.js';
import type { UserState } from '../send/users.js';
import type { RowResult } from '../types.js';
import { checkReplaceable } from '../write/existing.js';
import { Journal, journalPath, readJournal, removeJournal } from '../write/journal.js';
import { LiveResults } from '../write/live-results.js';
import { acquireLock, type Lock } from '../write/lock.js';
import { readPrevious } from '../write/previous.js';
import { writeResults } from '../write/results-file.js';
import { openPlan, type PlanOptions } from './plan.js';
import { countStatuses, exitCodeFor, Problems, type RunReport, type StopReason } from './report.js';
import { applyUsers, deferPastLimit, foldPrevious, notYetSent, pending, type Slot } from './slots.js';

export interface SendRunOptions extends PlanOptions {
  file: string;
  resultsPath: string;
  concurrency: number;
  ratePerSecond: number;
  maxRetries: number;
  maxWaitMs: number;
  limit?: number | undefined;
  resume: boolean;
  skipExisting: boolean;
  /** Replace an earlier send's results without --resume (the demo's own file, on a fresh simulator). */
  replaceResults?: boolean | undefined;
}

/** What the run is about to do, for the confirmation prompt and the progress display. */
export interface SendPlan {
  toInvite: number;
  invalid: number;
  duplicate: number;
  existing: number;
  alreadyDone: number;
  deferredByLimit: number;
  budget: Gate['budget'];
  concurrency: number;
}

export interface ProgressSink {
  start(plan: SendPlan, gate: Gate): void;
  rowDone(result: RowResult): void;
  stop(): void;
}

/** What to do on Ctrl+C / SIGTERM: the first stops gently, a second flushes and exits at once. */
export interface InterruptHandlers {
  stop: () => void;
  flushNow: () => void;
  /** Printed at the first signal. */
  notice?: string;
  /** Printed before exiting at the second. */
  flushedNotice?: string;
}

export interface SendRunDeps {
  api: Api;
  clock: Clock;
  random: () => number;
  log: Logger;
  /** Asked before anything is sent; false cancels the run. Absent: nobody is asked. */
  confirm?: ((plan: SendPlan) => Promise<boolean>) | undefined;
  progress?: ProgressSink | undefined;
  /** Registers what to do on SIGINT/SIGTERM (first: stop gently) and on a second one (flush now). */
  onInterrupt?: ((handlers: InterruptHandlers) => () => void) | undefined;
}

export async function sendRun(options: SendRunOptions, deps: SendRunDeps): Promise<RunReport> {
  const started = deps.clock.now();
  const lock = acquireLock(options.resultsPath);
  try {
    return await run(options, deps, started, lock);
  } finally {
    lock.release();
  }
}

async function run(options: SendRunOptions, deps: SendRunDeps, started: number, lock: Lock): Promise<RunReport> {
  const { clock, log } = deps;
  if (!options.resume) await checkReplaceable(options.resultsPath, 'send', options.replaceResults === true);

  // 1. Offline: every row validated before the first request.
  const plan = await openPlan(options.file, options);
  const slots: Slot[] = [];
  for await (const batch of plan.batches) for (const p of batch) slots.push({ row: p.result, invitation: p.invitation });

  // 2. Resume: finished rows are kept; rows in flight when the last run died are marked.
  const previous = options.resume ? await readPrevious(options.resultsPath) : undefined;
  const inFlight = options.resume ? readJournal(journalPath(options.resultsPath)) : new Set<string>();
  if (options.resume && previous === undefined) log.info({ resultsPath: options.resultsPath }, 'no earlier results file: starting a fresh run');
  // Rows of the earlier run whose email left the spreadsheet: kept, at the end, so nothing is lost.
  const orphans = options.resume ? foldPrevious(slots, previous ?? new Map(), inFlight, plan.carriedNames) : [];

  /** Every results row: the input's, in input order, then the earlier run's rows that left the input. */
  const allRows = () => [...slots.map((s) => s.row), ...orphans];

  const gate = new Gate(clock, { ratePerSecond: options.ratePerSecond, maxWaitMs: options.maxWaitMs });
  const control = new RunControl(gate);
  const senderDeps: SenderDeps = {
    api: deps.api,
    gate,
    clock,
    random: deps.random,
    policy: { ...DEFAULT_RETRY, maxRetries: options.maxRetries },
    concurrency: options.concurrency,
  };
  // From here on, Ctrl+C stops gently: nothing new starts, the results are written.
  let live: LiveResults | undefined;
  let journal: Journal | undefined;
  const stopListening = deps.onInterrupt?.({
    notice: 'finishing the requests in flight, then writing the results (press Ctrl+C again to stop at once)',
    flushedNotice: 'Stopped at once; every finished row is in the results file. Run again with --resume.',
    stop: () => {
      deps.progress?.stop();
      control.stop('signal');
    },
    flushNow: () => {
      live?.closeNow();
      journal?.close();
      lock.release();
    },
  });
  try {
    const report = (stoppedFor?: StopReason): RunReport => {
      const rows = allRows();
      const counts = countStatuses(rows);
      return {
        command: 'send',
        input: options.file,
        resultsPath: options.resultsPath,
        counts,
        total: rows.length,
        blankRows: plan.source.blankRows,
        requests: control.totals.requests,
        rateLimited: control.totals.rateLimited,
        elapsedMs: clock.now() - started,
        budget: { ...gate.budget, resetAt: control.resetAt ?? gate.budget.resetAt },
        stoppedFor,
        stopDetail: stoppedFor === 'unavailable' ? control.listProblem : undefined,
        exitCode: exitCodeFor(counts, stoppedFor),
        problems: Problems.of(rows),
        notices: plan.source.notice === undefined ? [] : [plan.source.notice],
      };
    };

    // 3. One list call: proves the key, finds existing users, settles rows left in flight.
    const needList = pending(slots).length > 0 && (options.skipExisting || pending(slots).some((s) => s.unsettled === true));
    let users: Map<string, UserState> | undefined;
    if (needList) {
      users = await fetchUsers(senderDeps, control);
      if (users === undefined) {
        const reason = control.stoppedFor ?? 'unavailable';
        for (const s of pending(slots)) {
          // A row still to be checked stays marked, so that the next --resume checks it before sending.
          const extra = s.unsettled === true ? { errorCode: 'outcome_unknown', errorMessage: 'sent by an earlier run without an answer; not yet checked against Brevo' } : {};
          [s.row, s.invitation] = [deferredRow(s.row, reason, s.row.attempts, extra), undefined];
        }
        await writeResults(options.resultsPath, plan.carriedNames, [allRows()]);
        return report(reason);
      }
    }
    applyUsers(slots, users, options.skipExisting, new Date(clock.now()).toISOString());
    const deferredByLimit = deferPastLimit(slots, options.limit);

    const sendPlan: SendPlan = {
      toInvite: pending(slots).length,
      invalid: slots.filter((s) => s.row.status === 'invalid').length,
      duplicate: slots.filter((s) => s.row.status === 'duplicate').length,
      existing: slots.filter((s) => s.row.status === 'skipped').length,
      alreadyDone: slots.filter((s) => s.row.status === 'invited').length,
      deferredByLimit,
      budget: gate.budget,
      concurrency: options.concurrency,
    };
    log.info({ plan: { ...sendPlan, budget: undefined }, budget: gate.budget }, 'plan');
    if (sendPlan.toInvite > 0 && deps.confirm !== undefined) {
      const yes = await Promise.race([deps.confirm(sendPlan), once(control.signal, 'abort').then(() => false)]);
      if (!yes && control.stoppedFor === undefined) throw new AppError('cancelled', 'cancelled at the prompt: nothing was sent');
    }

    // 4. Send, keeping the results file current.
    const sending = pending(slots);
    const jobs: SendJob[] = sending.map((s) => ({ row: { ...s.row, status: 'deferred' }, invitation: s.invitation!, answerLost: s.unsettled }));
    live = await LiveResults.start(
      options.resultsPath,
      plan.carriedNames,
      [...slots.map((s) => (s.invitation === undefined ? s.row : notYetSent(s.row))), ...orphans],
    );
    const openJournal = new Journal(journalPath(options.resultsPath));
    journal = openJournal;
    const liveResults = live;
    deps.progress?.start(sendPlan, gate);
    try {
      const results = await sendAll(jobs, {
        ...senderDeps,
        beforeSend: (job) => openJournal.intent(job.row.line, job.invitation.email),
        onRowDone: (result) => {
          if (result.status !== 'deferred' || result.attempts > 0) liveResults.append(result);
          deps.progress?.rowDone(result);
          log.info({ line: result.line, email: result.email, status: result.status, error_code: result.errorCode, attempts: result.attempts }, 'row finished');
        },
      }, control);
      sending.forEach((s, j) => (s.row = results[j]!));
    } finally {
      deps.progress?.stop();
    }
    await live.finish(allRows());
    openJournal.close();
    removeJournal(journalPath(options.resultsPath));
    return report(control.stoppedFor);
  } finally {
    stopListening?.();
  }
}
