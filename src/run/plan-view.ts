/** `plan`: how each row reads in the plan file. */
import { DONE_STATUSES, type RowResult } from '../types.js';
import type { Slot } from './slots.js';

/** How a row reads in a plan: what it would get (`valid`, with its action), or why nothing is sent. */
export function planView(slot: Slot, update: boolean): RowResult {
  const row = slot.row;
  if (slot.action !== undefined) {
    const waiting = slot.settleFirst === undefined ? {} : { errorCode: 'outcome_unknown', errorMessage: 'an earlier request got no answer: the list is asked again before anything is sent' };
    return { ...row, status: 'valid', action: slot.action, finishedAt: undefined, invoiceId: undefined, creditNotes: undefined, httpStatus: undefined, errorCode: undefined, errorMessage: undefined, ...waiting };
  }
  if (DONE_STATUSES.has(row.status)) {
    const unchanged = update && (row.status === 'invited' || row.status === 'updated') && slot.earlier?.granted === row.granted;
    const why = slot.reason === undefined ? '' : `; ${slot.reason}`;
    return { ...row, status: 'skipped', action: undefined, errorCode: unchanged ? 'unchanged' : 'done_before', errorMessage: `${row.status} by an earlier run${row.finishedAt === undefined ? '' : ` (${row.finishedAt})`}: nothing to send${why}` };
  }
  if (slot.reason !== undefined && row.status === 'skipped') return { ...row, errorMessage: `${row.errorMessage ?? 'nothing to send'}; ${slot.reason}` };
  return row;
}
