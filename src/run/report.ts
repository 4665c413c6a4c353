/**
 * What a run did, in numbers: the source of the end summary, the `--summary-json` file and the
 * exit code.
 */
import { STATUSES, type RowResult, type Status } from '../types.js';

export type StopReason = 'auth' | 'permission' | 'signal' | 'budget' | 'limit' | 'unavailable';

export const EXIT = {
  ok: 0,
  rowsNeedAttention: 1,
  usage: 2,
  auth: 3,
  deferred: 75,
  interrupted: 130,
} as const;

export interface Budget {
  limit?: number | undefined;
  remaining?: number | undefined;
  /** When the current rate-limit window resets (ms since epoch). */
  resetAt?: number | undefined;
}

export interface RunReport {
  command: 'validate' | 'send';
  input: string;
  resultsPath: string;
  counts: Record<Status, number>;
  total: number;
  blankRows: number;
  requests: number;
  rateLimited: number;
  elapsedMs: number;
  budget?: Budget | undefined;
  stoppedFor?: StopReason | undefined;
  /** What went wrong, in words, when the run stopped because Brevo could not be reached. */
  stopDetail?: string | undefined;
  exitCode: number;
  /** Things about the input the person should know (e.g. bytes that were not UTF-8). */
  notices?: string[] | undefined;
  /** The first rows that need attention (invalid, duplicate, failed), for the summary. */
  problems?: Problems | undefined;
}

/** The first few rows that need attention, as one line each, and how many more there are. */
export class Problems {
  static readonly SHOWN = 5;
  readonly lines: string[] = [];
  more = 0;

  add(row: RowResult): void {
    if (row.status !== 'invalid' && row.status !== 'duplicate' && row.status !== 'failed') return;
    if (this.lines.length >= Problems.SHOWN) {
      this.more++;
      return;
    }
    const message = row.errorMessage ?? row.errorCode ?? row.status;
    this.lines.push(message.startsWith('line ') ? message : `line ${row.line}: ${row.status}: ${message}`);
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

export function exitCodeFor(counts: Record<Status, number>, stoppedFor?: StopReason): number {
  if (stoppedFor === 'auth' || stoppedFor === 'permission') return EXIT.auth;
  if (stoppedFor === 'signal') return EXIT.interrupted;
  if (counts.deferred > 0) return EXIT.deferred;
  if (counts.invalid + counts.duplicate + counts.failed > 0) return EXIT.rowsNeedAttention;
  return EXIT.ok;
}
