/**
 * Brevo's receipts for a person: the invoice of each paid seat and the credit note of each seat
 * given back. A results file keeps one row per person, in the state of the last action, but the
 * receipts of every earlier action stay on it: a person invited, removed and invited again keeps
 * both invoices and the credit note. Several are joined with "; ", earliest first, each once.
 */
import type { RowResult } from '../types.js';

const split = (text: string | undefined) => (text ?? '').split(';').map((s) => s.trim()).filter((s) => s !== '');

/** The receipts of `earlier`, then those of `later`, each once; undefined when there is none. */
export function joinReceipts(earlier: string | undefined, later: string | undefined): string | undefined {
  const all = [...new Set([...split(earlier), ...split(later)])];
  return all.length === 0 ? undefined : all.join('; ');
}

type PersonRecord = Pick<RowResult, 'invoiceId' | 'creditNotes' | 'invitedAt'>;

/**
 * `row` with what an earlier run's row for the same person knew: its receipts, added before the
 * row's own, and when this tool last invited the person (a row of the second version of the file
 * has no invited_at: an `invited` row's finished_at says it).
 */
export function withEarlierReceipts<T extends PersonRecord>(row: T, earlier: (PersonRecord & Pick<RowResult, 'status' | 'finishedAt'>) | undefined): T {
  if (earlier === undefined) return row;
  const invitedAt = row.invitedAt ?? earlier.invitedAt ?? (earlier.status === 'invited' ? earlier.finishedAt : undefined);
  return { ...row, invoiceId: joinReceipts(earlier.invoiceId, row.invoiceId), creditNotes: joinReceipts(earlier.creditNotes, row.creditNotes), invitedAt };
}
