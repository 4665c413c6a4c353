/**
 * What a run did, in numbers: the source of the end summary, the `--summary-json` file and the
 * exit code.
 */
import { ACTION_NAMES, STATUSES, type ActionName, type RowResult, type Status } from '../types.js';

/** Why a run stopped early; `unsettled`: it ran to the end, but unclear requests could not be checked within --max-wait. */
export type StopReason = 'auth' | 'permission' | 'signal' | 'budget' | 'limit' | 'unavailable' | 'locked' | 'disk' | 'unsettled';

export const EXIT = {
  ok: 0,
  rowsNeedAttention: 1,
  usage: 2,
  auth: 3,
  internal: 70,
  deferred: 75,
  interrupted: 130,
  terminated: 143,
} as const;

/** What each exit code means, for the summary and the logs. */
export const EXIT_MEANING: Record<number, string> = {
  0: 'every row done, skipped or valid',
  1: 'the run finished, but some rows are invalid, duplicate or failed',
  2: 'usage or configuration error: nothing was sent',
  3: 'Brevo refused the API key or its permissions: the rest is deferred',
  70: 'the system refused (a full disk, a permission) or an internal error',
  75: 'stopped early with rows deferred: run again with --resume',
  130: 'interrupted (Ctrl+C), after writing the results',
  143: 'terminated (SIGTERM), after writing the results',
};

export type Command = 'validate' | 'send' | 'plan' | 'revoke';

export interface Budget {
  limit?: number | undefined;
  remaining?: number | undefined;
  /** When the current rate-limit window resets (ms since epoch). */
  resetAt?: number | undefined;
  /** How late the server's resets were seen to run (ms), for the next run. */
  marginMs?: number | undefined;
  /** A window's length, when the run saw one begin. */
  windowMs?: number | undefined;
}

export interface RunReport {
  command: Command;
  input: string;
  resultsPath: string;
  /** Per status, over the input's rows (rows kept from earlier runs whose email left the input are counted apart). */
  counts: Record<Status, number>;
  /** Of `counts`, the rows kept as an earlier run left them (--resume): nothing was done for them now. */
  keptCounts?: Partial<Record<Status, number>> | undefined;
  /** Per action: rows for which it was done (or, before sending and in a plan, is planned). */
  actions: Record<ActionName, number>;
  total: number;
  /** Rows of earlier runs kept in the file although their email left the input. */
  leftInput: number;
  blankRows: number;
  requests: number;
  rateLimited: number;
  /** When the run started (ms since epoch) and how long it worked, not counting the time at the prompt. */
  startedAt: number;
  elapsedMs: number;
  budget?: Budget | undefined;
  stoppedFor?: StopReason | undefined;
  /** What went wrong, in words, when the run stopped for a reason the summary should explain. */
  stopDetail?: string | undefined;
  /** Where the API key came from (for a refused key's next step). */
  keySource?: string | undefined;
  /** The signal that stopped the run, for the exit code (130 or 143). */
  interruptedBy?: 'SIGINT' | 'SIGTERM' | undefined;
  exitCode: number;
  /** Things about the input the person should know (e.g. bytes that were not UTF-8). */
  notices?: string[] | undefined;
  /** The first rows that need attention (invalid, duplicate, failed), for the summary. */
  problems?: Problems | undefined;
  /** People whose sheet access differs from what this tool last granted them (sent only with --update). */
  accessChanged?: number | undefined;
  /** Pending people updated by this run, whose resend waits for the next run. */
  resendsPostponed?: number | undefined;
  /** Skipped rows per error_code (why nothing was sent). */
  skippedBy?: Record<string, number> | undefined;
  /** People in the account whom the roster does not list (--prune off: nobody removed). */
  notOnRoster?: number | undefined;
  /** Removals an earlier --prune run deferred, left as they are by a run without --prune. */
  removalsWaiting?: number | undefined;
  /** Pending invitations this tool sent too recently to be sent again (--resend-after). */
  recentlyInvited?: number | undefined;
  /** People on the roster this tool saw in the account, gone from it now: not invited again without --reinvite. */
  removedSince?: number | undefined;
  /** People in the account whose access this tool never set (a plan says --update would set it). */
  neverSet?: number | undefined;
  /** Failed rows that Brevo refused for good: sent unchanged, they would be refused again. */
  refused?: number | undefined;
  /** Every removal of the run (revoke, cancel): who, how, and where it stands. */
  removals?: Array<{ email: string; action: ActionName; status: Status }> | undefined;
  /** A plan: the requests the run would take (besides the list call it made). */
  plannedRequests?: number | undefined;
}

/** The first few rows that need attention, as one line each, and how many more there are. */
export class Problems {
  static readonly SHOWN = 5;
  readonly lines: string[] = [];
  readonly rows: Array<{ line: number; email: string; status: Status; error_code: string | null; error_message: string | null }> = [];
  more = 0;

  add(row: RowResult): void {
    // A person removed since, still on the roster, is one to look at too: they may be a leaver.
    const removedSince = row.status === 'skipped' && row.errorCode === 'removed_since';
    if (row.status !== 'invalid' && row.status !== 'duplicate' && row.status !== 'failed' && !removedSince) return;
    if (this.lines.length >= Problems.SHOWN) {
      this.more++;
      return;
    }
    const message = removedSince ? `${row.email} was in the account and is gone now: not invited again (--reinvite)` : (row.errorMessage ?? row.errorCode ?? row.status);
    this.lines.push(message.startsWith('line ') ? message : `line ${row.line}: ${row.status}: ${message}`);
    this.rows.push({ line: row.line, email: row.email, status: row.status, error_code: row.errorCode ?? null, error_message: row.errorMessage ?? null });
  }

  static of(rows: Iterable<RowResult>): Problems {
    const problems = new Problems();
    for (const row of rows) problems.add(row);
    return problems;
  }
}

export function countStatuses(rows: Iterable<Pick<RowResult, 'status'>>): Record<Status, number> {
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  for (const r of rows) counts[r.status]++;
  return counts;
}

export function countActions(rows: Iterable<Pick<RowResult, 'action'>>): Record<ActionName, number> {
  const counts = Object.fromEntries(ACTION_NAMES.map((a) => [a, 0])) as Record<ActionName, number>;
  for (const r of rows) if (r.action !== undefined) counts[r.action]++;
  return counts;
}

export function exitCodeFor(counts: Record<Status, number>, stoppedFor?: StopReason, signal?: 'SIGINT' | 'SIGTERM'): number {
  if (stoppedFor === 'auth' || stoppedFor === 'permission') return EXIT.auth;
  if (stoppedFor === 'signal') return signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
  if (stoppedFor === 'disk') return EXIT.internal;
  // Without the list nothing was checked, even when no row is left deferred (all kept from before).
  if (stoppedFor === 'unavailable') return EXIT.deferred;
  if (counts.deferred > 0) return EXIT.deferred;
  if (counts.invalid + counts.duplicate + counts.failed > 0) return EXIT.rowsNeedAttention;
  return EXIT.ok;
}
