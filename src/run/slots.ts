/**
 * The rows of a run between validation and the first request: one Slot per input row, with what
 * an earlier run left for its email (--resume), then the action the planner chose. Pure: rows in,
 * rows out.
 */
import type { ActionName, Invitation, RowResult } from '../types.js';
import { DONE_STATUSES } from '../types.js';
import { deferredRow } from '../send/control.js';
import { normalizeEmail } from '../validate/email.js';
import { carriedHeader, encodeCarried } from '../write/columns.js';
import type { JournalEntry } from '../write/journal.js';
import { isRetryableFailure, type EarlierRun, type PreviousRow } from '../write/previous.js';

/** A request of an earlier run that got no answer: what it was and when it started. */
export interface InFlight {
  action: ActionName;
  sentAt: number;
}

/** One input row: its result so far, and what is known and planned for it. */
export interface Slot {
  row: RowResult;
  /** What the row grants, while it is valid (send). */
  invitation?: Invitation | undefined;
  /** The email the row is about, while it is valid (every command). */
  email?: string | undefined;
  /** The earlier run's row for this email (--resume). */
  earlier?: PreviousRow | undefined;
  /** A request of an earlier run for this email that got no answer. */
  inFlight?: InFlight | undefined;
  /** The request planned for this run; with `settleFirst`, it waits for the list before being sent. */
  action?: ActionName | undefined;
  settleFirst?: number | undefined;
  /** The row is the earlier run's, kept as it was (nothing was done for it this run). */
  kept?: boolean | undefined;
  /** Why the planned action, in a few words (for the question). */
  reason?: string | undefined;
}

export const toSend = (slots: readonly Slot[]): Slot[] => slots.filter((s) => s.action !== undefined);
export const undecided = (slots: readonly Slot[]): Slot[] => slots.filter((s) => s.email !== undefined && s.action === undefined && s.row.status === 'valid');

/** Whether an earlier row holds an outcome worth keeping as it is: Brevo did it, or refused it for good. */
export function holdsOutcome(row: Pick<RowResult, 'status' | 'errorCode' | 'httpStatus'>): boolean {
  return DONE_STATUSES.has(row.status) || (row.status === 'failed' && !isRetryableFailure(row));
}

/** The earlier row, kept as it was, at the current line and with the current input's cells. */
export function keepEarlier(current: RowResult, earlier: PreviousRow): RowResult {
  const { cellsByName: _, ...kept } = earlier;
  return { ...kept, line: current.line, extra: current.extra };
}

const LEFT_INPUT = 'no longer in the input file';
/** The note on a row kept apart; group 1 or 2: the line the person was on. */
const KEPT_NOTE = /^(?:no longer in the input file \(it was on line (\d+)\)|its row in the input \(line (\d+)\) is not valid now); kept from an earlier run(?:: |$)/;
const SENT_UNANSWERED = 'sent by an earlier run without an answer; not yet checked against Brevo';

/**
 * --resume: attaches to each valid row what the earlier run left for its email (its row, and a
 * request in flight per the journal or an `outcome_unknown` row). Returns every earlier row whose
 * email has left the input, whatever its status (a request Brevo may have processed must not
 * vanish): they are kept after the input's rows, marked as such, with an empty line.
 */
export function foldEarlier(slots: readonly Slot[], earlier: EarlierRun | undefined, journal: ReadonlyMap<string, JournalEntry>, carriedNames: readonly string[]): RowResult[] {
  const rows = earlier?.rows ?? new Map<string, PreviousRow>();
  const inInput = new Set<string>();
  for (const slot of slots) {
    if (slot.email === undefined) continue;
    inInput.add(slot.email);
    const before = rows.get(slot.email);
    slot.earlier = before;
    slot.inFlight = inFlightOf(before, journal.get(slot.email));
  }
  // Emails on rows that are not valid now (a typo in a privilege, a duplicate): an earlier row of
  // theirs that holds nothing Brevo did is the same row's old state, not a row to keep apart.
  const onOtherRows = new Map<string, number>();
  for (const s of slots) if (s.email === undefined && s.row.email !== '' && !onOtherRows.has(normalizeEmail(s.row.email))) onOtherRows.set(normalizeEmail(s.row.email), s.row.line);
  const names = carriedHeader(carriedNames);
  const orphans: RowResult[] = [];
  for (const [email, p] of rows) {
    if (inInput.has(email)) continue;
    const unsent = !holdsOutcome(p) && p.errorCode !== 'outcome_unknown' && !journal.has(email);
    if (onOtherRows.has(email) && unsent) continue;
    // A row an earlier run found invalid (or a duplicate), whose email has left the input (a typo
    // fixed since): nothing was ever sent for it, and no receipt is on it: nothing to keep.
    if ((p.status === 'invalid' || p.status === 'duplicate') && unsent && p.invoiceId === undefined && p.creditNotes === undefined) continue;
    const { cellsByName, ...kept } = p;
    // A request the journal says was sent without an answer (the run was killed): the list may confirm it.
    const flight = kept.errorCode === 'outcome_unknown' ? undefined : inFlightOf(p, journal.get(email));
    const row = flight === undefined ? kept : { ...kept, action: flight.action, errorCode: 'outcome_unknown', errorMessage: SENT_UNANSWERED };
    // The note of an earlier run's orphan is replaced, not stacked.
    const had = KEPT_NOTE.exec(row.errorMessage ?? '');
    const base = had === null ? row.errorMessage : row.errorMessage!.slice(had[0].length) || undefined;
    const wasOn = row.line > 0 ? row.line : (had?.[1] ?? had?.[2]);
    const now = onOtherRows.get(email);
    const note =
      now !== undefined
        ? `its row in the input (line ${now}) is not valid now; kept from an earlier run`
        : wasOn !== undefined
          ? `${LEFT_INPUT} (it was on line ${wasOn}); kept from an earlier run`
          : undefined;
    orphans.push({
      ...row,
      line: 0,
      errorMessage: note === undefined ? base : base === undefined ? note : `${note}: ${base}`,
      extra: encodeCarried(names.map((n) => cellsByName?.get(n) ?? '')),
    });
  }
  return orphans;
}

/** A request of the earlier run whose outcome is not known: in the journal, or marked so in the results. */
function inFlightOf(before: PreviousRow | undefined, entry: JournalEntry | undefined): InFlight | undefined {
  if (before !== undefined && holdsOutcome(before) && before.errorCode !== 'outcome_unknown') return undefined;
  if (entry !== undefined) return { action: entry.action, sentAt: entry.at };
  if (before?.errorCode === 'outcome_unknown') return { action: before.action ?? 'invite', sentAt: 0 };
  return undefined;
}

/** --limit: the requests past it are deferred to the next run. Returns how many. */
export function deferPastLimit(slots: readonly Slot[], limit: number | undefined): number {
  if (limit === undefined) return 0;
  // Rows that only wait for the list (an earlier request without an answer) cost no request of their own.
  const past = toSend(slots).filter((s) => s.settleFirst === undefined).slice(limit);
  for (const s of past) {
    s.row = deferredRow({ ...s.row, action: s.action }, 'limit');
    s.action = undefined;
  }
  return past.length;
}

/**
 * How a row reads in the results snapshot written before the first request: as it is when nothing
 * is planned; still marked `outcome_unknown` when it first waits for the list (an earlier request
 * got no answer: should the journal be lost, --resume still checks it against Brevo); otherwise
 * not yet sent.
 */
export function snapshotRow(slot: Slot): RowResult {
  if (slot.action === undefined) return slot.row;
  if (slot.settleFirst !== undefined) return deferredRow({ ...slot.row, action: slot.action }, 'signal', slot.row.attempts, { errorCode: 'outcome_unknown', errorMessage: SENT_UNANSWERED });
  return notYetSent(slot.row);
}

/** How a row still to send reads in the file while the run goes (and after a crash). */
export function notYetSent(row: RowResult): RowResult {
  return { ...row, status: 'deferred', errorCode: 'not_yet_sent', errorMessage: 'not sent yet: the run was going when this was written; brevo-invite --resume continues it' };
}
