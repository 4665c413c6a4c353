/**
 * What a run needs from outside and shows to it: the API, time, the log, the question before
 * sending, the progress display and the signals. The CLI provides them; tests pass their own.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { BudgetView, Gate } from '../send/gate.js';
import type { Api, RequestInfo } from '../send/sender.js';
import type { ActionName, RowResult } from '../types.js';
import type { Command, Problems } from './report.js';

/** What the run is about to do, for the confirmation prompt and the progress display. */
export interface SendPlan {
  command: Command;
  /** Requests planned, per action. */
  actions: Record<ActionName, number>;
  toSend: number;
  /** In the account already, nothing to do. */
  existing: number;
  /** Kept as an earlier run left them. */
  alreadyDone: number;
  invalid: number;
  duplicate: number;
  deferredByLimit: number;
  /** People whose sheet access differs from what this tool last granted them (without --update). */
  accessChanged: number;
  /** Pending people updated now, whose resend waits for the next run. */
  resendsPostponed: number;
  /** Pending invitations this tool sent too recently to be sent again (--resend-after). */
  recentlyInvited: number;
  /** People on the roster this tool saw in the account, gone from it now: not invited again without --reinvite. */
  removedSince: number;
  /** The people whose access will be removed (revoke, cancel), for the prompt; `cancels`: those of them whose invitation is cancelled. */
  removals: string[];
  cancels: string[];
  /** The people whose pending invitation is sent again. */
  resends: string[];
  /** The people whose access will be set (update), with why. */
  updates: Array<{ email: string; reason: string }>;
  /** The first people to be invited, by name (the count is in `actions.invite`). */
  firstInvites: string[];
  /** Of the pending invitations to send again, how many this tool sent less than a day ago. */
  recentResends: number;
  /** Rows with nothing to send, per reason (`error_code`: already_active, owner, ...). */
  skippedBy: Record<string, number>;
  /** The account the requests go to (the question names it). */
  account?: { baseUrl: string; owner?: string | undefined; users: number } | undefined;
  /** The first rows to fix. */
  problems: Problems;
  budget: BudgetView;
  concurrency: number;
  /** --max-wait: a run does not wait longer for a window. */
  maxWaitMs?: number | undefined;
}

export interface ProgressSink {
  /** Before the plan: the run is waiting for Brevo (the list call, a rate-limit window). */
  waiting?(what: string, gate: Gate): void;
  start(plan: SendPlan, gate: Gate): void;
  request?(info: RequestInfo): void;
  rowDone(result: RowResult): void;
  /** The last list call waits until `until` for Brevo to record requests whose answer was lost. */
  settling?(until: number | undefined, rows: number): void;
  stop(): void;
}

/** What to do on Ctrl+C / SIGTERM: the first stops gently, a second flushes and exits at once. */
export interface InterruptHandlers {
  stop: (signal: 'SIGINT' | 'SIGTERM') => void;
  flushNow: () => void;
  /** Printed at the first signal (asked then: the run may be at a stage with nothing to finish). */
  notice?: string | (() => string | undefined);
  /** Printed before exiting at the second. */
  flushedNotice?: string;
  /** Nothing to finish gently (a dry run): the first signal already flushes and exits. */
  exitAtOnce?: boolean;
  /** How the notices reach the person: a plain line on stderr when absent (a terminal); a log line without one. */
  say?: ((text: string) => void) | undefined;
}

export interface RunDeps {
  api: Api;
  clock: Clock;
  random: () => number;
  log: Logger;
  /** Rows are logged at debug (a person at a terminal reads the progress bar and the summary). */
  quietRows?: boolean | undefined;
  /** How a row's email appears in the logs (as is, hashed, or not at all: --log-emails). */
  logEmail?: ((email: string) => Record<string, string>) | undefined;
  /** Asked before anything is sent; false cancels the run. Absent: nobody is asked. */
  /** The question; `signal` aborts it (Ctrl+C at the question), which then answers no. */
  confirm?: ((plan: SendPlan, signal: AbortSignal) => Promise<boolean>) | undefined;
  progress?: ProgressSink | undefined;
  /** Registers what to do on SIGINT/SIGTERM (first: stop gently) and on a second one (flush now). */
  onInterrupt?: ((handlers: InterruptHandlers) => () => void) | undefined;
}

export type { BudgetView };
