/** The rows of a send before the first invitation: resume, the users list, --limit. */
import { describe, expect, test } from '@jest/globals';
import { applyUsers, deferPastLimit, foldPrevious, pending, type Slot } from '../../src/run/slots.js';
import type { RowResult } from '../../src/types.js';
import type { PreviousRow } from '../../src/write/previous.js';

function slot(line: number, email: string, granted = 'contacts:view'): Slot {
  return {
    row: { line, email, status: 'valid', attempts: 0, granted, extra: [`note ${line}`] },
    invitation: { email, allFeaturesAccess: false, privileges: [{ feature: 'contacts', permissions: ['view'] }] },
  };
}

function before(line: number, email: string, over: Partial<RowResult> = {}): PreviousRow {
  return { line, email, status: 'invited', attempts: 1, granted: 'contacts:view', extra: [], extraByName: { note: `old ${line}` }, invoiceId: `INV-${line}`, ...over };
}

const byEmail = (rows: PreviousRow[]) => new Map(rows.map((r) => [r.email, r]));

describe('foldPrevious (--resume)', () => {
  test('finished rows are kept as they were, at their new line with the current cells; the rest is still to send', () => {
    const slots = [slot(2, 'new@x.co'), slot(3, 'done@x.co'), slot(4, 'later@x.co')];
    const orphans = foldPrevious(slots, byEmail([before(7, 'done@x.co'), before(8, 'later@x.co', { status: 'deferred', invoiceId: undefined })]), new Set(), ['note']);
    expect(orphans).toEqual([]);
    expect(pending(slots).map((s) => s.row.email)).toEqual(['new@x.co', 'later@x.co']);
    expect(slots[1]?.row).toMatchObject({ line: 3, status: 'invited', invoiceId: 'INV-7', extra: ['note 3'] });
  });

  test('a refused row is kept, unless its access was changed since (then it is sent again)', () => {
    const refused = (line: number, email: string) => before(line, email, { status: 'failed', errorCode: 'invalid_parameter', httpStatus: 400, granted: 'contacts:view' });
    const slots = [slot(2, 'same@x.co'), slot(3, 'fixed@x.co', 'contacts:view|import')];
    foldPrevious(slots, byEmail([refused(2, 'same@x.co'), refused(3, 'fixed@x.co')]), new Set(), []);
    expect(slots.map((s) => [s.row.status, s.invitation !== undefined])).toEqual([
      ['failed', false],
      ['valid', true],
    ]);
  });

  test('rows in flight in the journal, or of unknown outcome, are marked to be checked before sending', () => {
    const slots = [slot(2, 'journal@x.co'), slot(3, 'unknown@x.co'), slot(4, 'plain@x.co')];
    foldPrevious(slots, byEmail([before(3, 'unknown@x.co', { status: 'failed', errorCode: 'outcome_unknown' })]), new Set(['journal@x.co']), []);
    expect(slots.map((s) => s.unsettled === true)).toEqual([true, true, false]);
  });

  test('finished rows whose email left the spreadsheet are kept, in their old order, with their carried cells', () => {
    const orphans = foldPrevious([slot(2, 'a@x.co')], byEmail([before(9, 'gone2@x.co'), before(5, 'gone1@x.co'), before(6, 'open@x.co', { status: 'deferred' })]), new Set(), ['note']);
    expect(orphans.map((r) => [r.line, r.email, r.extra])).toEqual([
      [5, 'gone1@x.co', ['old 5']],
      [9, 'gone2@x.co', ['old 9']],
    ]);
  });
});

describe('applyUsers and deferPastLimit', () => {
  test('existing users are skipped; rows left in flight that Brevo has are invited, the others still sent', () => {
    const slots = [slot(2, 'active@x.co'), slot(3, 'pending@x.co'), slot(4, 'lost@x.co'), slot(5, 'lost2@x.co'), slot(6, 'new@x.co')];
    slots[2]!.unsettled = true;
    slots[3]!.unsettled = true;
    const users = new Map([['active@x.co', 'active'], ['pending@x.co', 'pending'], ['lost@x.co', 'pending']] as const);
    applyUsers(slots, users, true, '2026-01-01T00:00:00.000Z');
    expect(slots.map((s) => [s.row.status, s.row.errorCode])).toEqual([
      ['skipped', 'already_active'],
      ['skipped', 'already_pending'],
      ['invited', undefined],
      ['valid', undefined],
      ['valid', undefined],
    ]);
    expect(slots[2]?.row.errorMessage).toContain("confirmed from Brevo's invited-users list");
  });

  test('--no-skip-existing sends to existing users', () => {
    const slots = [slot(2, 'active@x.co')];
    applyUsers(slots, new Map([['active@x.co', 'active']]), false, '2026-01-01T00:00:00.000Z');
    expect(pending(slots)).toHaveLength(1);
  });

  test('--limit defers the rows past it, and says how many', () => {
    const slots = [slot(2, 'a@x.co'), slot(3, 'b@x.co'), slot(4, 'c@x.co')];
    expect(deferPastLimit(slots, 1)).toBe(2);
    expect(slots.map((s) => [s.row.status, s.row.errorCode])).toEqual([
      ['valid', undefined],
      ['deferred', 'limit'],
      ['deferred', 'limit'],
    ]);
    expect(deferPastLimit(slots, undefined)).toBe(0);
  });
});
