/**
 * `send --prune`: the people in the account whom the roster does not list are removed, never the
 * owner. A truncated HR export must never empty an account, so before any request (after the one
 * list call) the removals are refused, with exit 2 and one paragraph, when:
 * - a roster row's email cannot be read (an invalid address, a damaged row): that person may be
 *   one of those it would remove (a row invalid for another reason still protects its email);
 * - the roster has no valid row at all;
 * - they are more than --max-prune allows (a number of people, or a share of the account's users).
 */
import { AppError } from '../errors.js';
import type { Users } from '../send/users.js';
import type { ActionName, RowResult } from '../types.js';
import { normalizeEmail } from '../validate/email.js';
import type { JournalEntry } from '../write/journal.js';
import { quote } from '../validate/quote.js';
import { UNREADABLE_EMAIL } from './plan.js';
import type { Slot } from './slots.js';

/** `--max-prune`: at most this many people, or this share (percent) of the account's users. */
export type MaxPrune = { count: number } | { percent: number };

export const DEFAULT_MAX_PRUNE: MaxPrune = { count: 5 };

export function parseMaxPrune(text: string): MaxPrune | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text);
  if (m === null) return undefined;
  const n = Number(m[1]);
  if (m[2] === '%') return n <= 100 ? { percent: n } : undefined;
  return Number.isInteger(n) ? { count: n } : undefined;
}

export const describeMaxPrune = (max: MaxPrune) => ('count' in max ? String(max.count) : `${max.percent}%`);

export interface Removal {
  email: string;
  action: ActionName;
}

/** Everyone in the account the roster does not list (emails compared ignoring case and spaces), but the owner. */
export function pruneCandidates(users: Users, roster: ReadonlySet<string>): Removal[] {
  const out: Removal[] = [];
  for (const [email, state] of users) {
    if (state.isOwner || roster.has(email)) continue;
    out.push({ email, action: state.status === 'active' ? 'revoke' : 'cancel' });
  }
  return out.sort((a, b) => a.email.localeCompare(b.email));
}

const refused = (message: string) => new AppError('refused', `--prune removes nobody: ${message} Nothing was sent.`);

const listed = (emails: readonly string[], max = 20) => `${emails.slice(0, max).join(', ')}${emails.length > max ? ` and ${emails.length - max} more` : ''}`;

/** The safeguards: throws a refusal (exit 2) that says what and why, or returns when the removals may go. */
export function checkPrune(slots: readonly Slot[], users: Users, removals: readonly Removal[], max: MaxPrune): void {
  const unreadable = slots.filter((s) => s.row.status === 'invalid' && UNREADABLE_EMAIL.has(s.row.errorCode ?? ''));
  if (unreadable.length > 0) {
    // A damaged row's email is a guess from its first line: said as such.
    const where = unreadable.map((s) =>
      s.row.errorCode === 'missing_email' ? `line ${s.row.line} (no email)`
      : s.row.errorCode === 'invalid_email' ? `line ${s.row.line} (${quote(s.row.email)})`
      : `line ${s.row.line} (a damaged row${s.row.email === '' ? '' : `, which seems to be ${quote(s.row.email)}`})`,
    );
    throw refused(
      `the roster has ${unreadable.length === 1 ? 'a row' : 'rows'} whose email cannot be read (${listed(where, 10)}), and the person on such a row could be one it would remove. Fix ${unreadable.length === 1 ? 'it' : 'them'} (brevo-invite validate shows how), then run again.`,
    );
  }
  if (!slots.some((s) => s.email !== undefined)) {
    throw refused(`the roster has no valid row, so it would remove everyone in the account (${removals.length} ${removals.length === 1 ? 'person' : 'people'}): is this the right file?`);
  }
  const allowed = 'count' in max ? max.count : Math.floor((users.size * max.percent) / 100);
  if (removals.length > allowed) {
    throw refused(
      `it would remove ${removals.length} people, more than --max-prune allows (${describeMaxPrune(max)}${'percent' in max ? ` of ${users.size} users: ${allowed}` : ''}): ${listed(removals.map((r) => r.email))}. ` +
        `A roster cut short (a truncated export) looks like this. If the roster is right, run again with --max-prune ${removals.length} (or --max-prune ${Math.ceil((removals.length * 100) / Math.max(1, users.size))}%).`,
    );
  }
}

/**
 * A row for each removal, after the input's rows (line empty). An earlier run's row for the person
 * (a removal it started) becomes the row's earlier outcome, and a request the journal says got no
 * answer is settled first, as for any row.
 */
export function pruneSlots(removals: readonly Removal[], orphans: readonly RowResult[], journal: ReadonlyMap<string, JournalEntry>, emptyCarried: string): Slot[] {
  return removals.map(({ email }) => {
    const earlier = orphans.find((o) => normalizeEmail(o.email) === email);
    const entry = journal.get(email);
    const removing = entry !== undefined && (entry.action === 'revoke' || entry.action === 'cancel');
    return {
      row: { line: 0, email, status: 'valid', attempts: earlier?.attempts ?? 0, granted: '', extra: earlier?.extra ?? emptyCarried },
      email,
      earlier: earlier === undefined ? undefined : { ...earlier },
      inFlight: removing ? { action: entry.action, sentAt: entry.at } : earlier?.errorCode === 'outcome_unknown' ? { action: earlier.action ?? 'revoke', sentAt: 0 } : undefined,
    };
  });
}
