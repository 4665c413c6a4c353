/**
 * The rows of a send between validation and the first invitation: an earlier run's results folded
 * in (--resume), the invited-users list applied, --limit applied. Pure: rows in, rows out.
 */
import { deferredRow } from '../send/control.js';
import type { UserState } from '../send/users.js';
import type { Invitation, RowResult } from '../types.js';
import { normalizeEmail } from '../validate/email.js';
import { RESULT_COLUMNS, resultHeader } from '../write/columns.js';
import { isFinal, type PreviousRow } from '../write/previous.js';

/** One input row: its result so far, and its invitation while it is still to be sent. */
export interface Slot {
  row: RowResult;
  invitation?: Invitation | undefined;
  /** Its request may have reached Brevo in an earlier run without an answer being recorded. */
  unsettled?: boolean;
}

export const pending = (slots: readonly Slot[]): Slot[] => slots.filter((s) => s.invitation !== undefined);

function keepPrevious(current: RowResult, previous: PreviousRow): RowResult {
  const { extraByName: _, ...kept } = previous;
  return { ...kept, line: current.line, extra: current.extra };
}

/**
 * Resume: finished rows of the earlier run are kept as they were (matched by email); rows that were
 * in flight when it died are marked to be checked first. Returns the earlier rows whose email has
 * left the spreadsheet, to be kept at the end of the file so nothing is lost.
 */
export function foldPrevious(slots: readonly Slot[], previous: ReadonlyMap<string, PreviousRow>, inFlight: ReadonlySet<string>, carriedNames: readonly string[]): RowResult[] {
  const seen = new Set<string>();
  for (const slot of slots) {
    if (slot.invitation === undefined) continue;
    const email = slot.invitation.email;
    seen.add(email);
    const before = previous.get(email);
    // A refused row is kept as it was, unless the access asked for has changed since (it was fixed).
    const fixed = before?.status === 'failed' && before.granted !== slot.row.granted;
    if (before !== undefined && isFinal(before) && !fixed) {
      slot.row = keepPrevious(slot.row, before);
      slot.invitation = undefined;
    } else if (inFlight.has(email) || before?.errorCode === 'outcome_unknown') {
      slot.unsettled = true;
    }
  }
  const outputNames = resultHeader(carriedNames).slice(RESULT_COLUMNS.length);
  return [...previous.values()]
    .filter((p) => isFinal(p) && !seen.has(normalizeEmail(p.email)))
    .sort((a, b) => a.line - b.line)
    .map((p) => ({ ...keepPrevious(p, p), extra: outputNames.map((n) => p.extraByName[n] ?? '') }));
}

/** The list's verdict: rows left in flight that Brevo has are invited; existing users are skipped. */
export function applyUsers(slots: readonly Slot[], users: ReadonlyMap<string, UserState> | undefined, skipExisting: boolean, finishedAt: string): void {
  for (const s of pending(slots)) {
    const state = users?.get(s.invitation!.email);
    if (s.unsettled === true) {
      if (state !== undefined) {
        s.row = { ...s.row, status: 'invited', attempts: Math.max(1, s.row.attempts), finishedAt, errorCode: undefined, httpStatus: undefined, errorMessage: "the answer was lost when the earlier run stopped; confirmed from Brevo's invited-users list" };
        s.invitation = undefined;
      }
      continue;
    }
    if (state !== undefined && skipExisting) {
      s.row = {
        ...s.row,
        status: 'skipped',
        errorCode: state === 'active' ? 'already_active' : 'already_pending',
        errorMessage: state === 'active' ? 'already a user of the account: not sent' : 'already invited, the invitation is not yet accepted: not sent',
        finishedAt,
      };
      s.invitation = undefined;
    }
  }
}

/** --limit: the rows past it are deferred to the next run. Returns how many. */
export function deferPastLimit(slots: readonly Slot[], limit: number | undefined): number {
  if (limit === undefined) return 0;
  const past = pending(slots).slice(limit);
  for (const s of past) {
    s.row = deferredRow(s.row, 'limit');
    s.invitation = undefined;
  }
  return past.length;
}

/** How a row still to send reads in the file while the run goes (and after a crash). */
export function notYetSent(row: RowResult): RowResult {
  return { ...row, status: 'deferred', errorCode: 'not_yet_sent', errorMessage: 'not sent yet: the run was going when this was written; brevo-invite send --resume continues it' };
}
