/** The rows of a run before the first request: resume, the users list, the planner, --limit. Pure. */
import { describe, expect, test } from '@jest/globals';
import { planSend, type SendPlanOptions } from '../../src/run/planner.js';
import { planView } from '../../src/run/plan-view.js';
import { deferPastLimit, foldEarlier, snapshotRow, toSend, type Slot } from '../../src/run/slots.js';
import type { UserState } from '../../src/send/users.js';
import type { JournalEntry } from '../../src/write/journal.js';
import type { EarlierRun, PreviousRow } from '../../src/write/previous.js';

const NOW = Date.parse('2026-11-27T10:00:00Z');
const GRACE = 60_000;

function slot(line: number, email: string, granted = 'contacts:view'): Slot {
  return {
    row: { line, email, action: 'invite', status: 'valid', attempts: 0, granted, extra: `,note ${line}` },
    invitation: { email, allFeaturesAccess: false, privileges: [{ feature: 'contacts', permissions: ['view'] }] },
    email,
  };
}

function before(line: number, email: string, over: Partial<PreviousRow> = {}): PreviousRow {
  return { line, email, action: 'invite', status: 'invited', attempts: 1, granted: 'contacts:view', invoiceId: `INV-${line}`, ...over };
}

const earlier = (rows: PreviousRow[]): EarlierRun => ({ rows: new Map(rows.map((r) => [r.email, r])), notices: [] });
const journal = (entries: Array<Partial<JournalEntry> & { email: string }>) => new Map(entries.map((e) => [e.email, { action: 'invite' as const, line: 2, at: NOW - 10 * GRACE, ...e }]));
const users = (entries: Record<string, UserState['status'] | 'owner'>) =>
  new Map(Object.entries(entries).map(([e, s]) => [e, { status: s === 'owner' ? ('active' as const) : s, isOwner: s === 'owner' }]));
const send = (over: Partial<SendPlanOptions> = {}): SendPlanOptions => ({ listed: true, update: false, resendPending: false, resendAfterMs: 0, reinvite: false, listedAt: NOW, settleAfterMs: GRACE, ...over });
const view = (slots: Slot[]) => slots.map((s) => [s.row.email, s.action ?? s.row.status, s.row.errorCode]);

describe('foldEarlier (--resume)', () => {
  test('each valid row gets its email\'s earlier row; the current cells and line are kept by the planner', () => {
    const slots = [slot(2, 'new@x.co'), slot(3, 'done@x.co')];
    expect(foldEarlier(slots, earlier([before(7, 'done@x.co')]), new Map(), ['note'])).toEqual([]);
    planSend(slots, users({ 'done@x.co': 'pending' }), send());
    expect(slots[1]?.row).toMatchObject({ line: 3, status: 'invited', invoiceId: 'INV-7', extra: ',note 3' });
    expect(view(slots)).toEqual([
      ['new@x.co', 'invite', undefined],
      ['done@x.co', 'invited', undefined],
    ]);
  });

  test('every earlier row whose email left the input is kept, whatever it holds (done, unknown, not yet sent), marked, with its own cells', () => {
    const cells = (note: string) => new Map([['note', note]]);
    const orphans = foldEarlier(
      [slot(2, 'a@x.co')],
      earlier([
        before(9, 'gone@x.co', { cellsByName: cells('old 9') }),
        before(5, 'unknown@x.co', { status: 'deferred', errorCode: 'outcome_unknown', errorMessage: 'sent without an answer', cellsByName: cells('old 5') }),
        before(6, 'open@x.co', { status: 'deferred', errorCode: 'not_yet_sent', cellsByName: cells('old 6') }),
      ]),
      new Map(),
      ['note'],
    );
    expect(orphans.map((r) => [r.line, r.email, r.status, r.errorCode, r.extra])).toEqual([
      [0, 'gone@x.co', 'invited', undefined, ',old 9'],
      [0, 'unknown@x.co', 'deferred', 'outcome_unknown', ',old 5'],
      [0, 'open@x.co', 'deferred', 'not_yet_sent', ',old 6'],
    ]);
    expect(orphans[1]?.errorMessage).toBe('no longer in the input file (it was on line 5); kept from an earlier run: sent without an answer');
    // marked once: a later resume does not mark it again
    const again = foldEarlier([], earlier([{ ...orphans[1]!, cellsByName: new Map() }]), new Map(), []);
    expect(again[0]?.errorMessage).toBe(orphans[1]?.errorMessage);
  });

  test('an earlier row whose person is on a row that is not valid now says so (not that they left); an earlier invalid row whose email left is dropped (nothing was sent for it)', () => {
    const invalidNow: Slot = { row: { line: 2, email: 'Intern@x.co', status: 'invalid', errorCode: 'unknown_role', attempts: 0, granted: '', extra: '' } };
    const orphans = foldEarlier(
      [invalidNow, slot(3, 'fixed@x.co')],
      earlier([before(2, 'intern@x.co'), before(3, 'fixd@x.co', { status: 'invalid', action: undefined, errorCode: 'invalid_email', invoiceId: undefined }), before(4, 'twice@x.co', { status: 'duplicate', action: undefined, invoiceId: undefined })]),
      new Map(),
      [],
    );
    expect(orphans.map((r) => [r.email, r.status, r.errorMessage])).toEqual([['intern@x.co', 'invited', 'its row in the input (line 2) is not valid now; kept from an earlier run']]);
    // Once the person is off the input too, the note says where they were, without stacking.
    const later = foldEarlier([], earlier([{ ...orphans[0]!, cellsByName: new Map() }]), new Map(), []);
    expect(later[0]?.errorMessage).toBe('no longer in the input file (it was on line 2); kept from an earlier run');
  });

  test('an earlier row the journal says was sent without an answer (the run was killed) is kept as outcome_unknown, to be settled', () => {
    const orphans = foldEarlier(
      [slot(2, 'a@x.co')],
      earlier([before(4, 'killed@x.co', { status: 'deferred', errorCode: 'not_yet_sent', invoiceId: undefined }), before(5, 'done@x.co')]),
      journal([{ email: 'killed@x.co', line: 4 }, { email: 'done@x.co', line: 5 }]),
      [],
    );
    expect(orphans.map((r) => [r.email, r.status, r.action, r.errorCode])).toEqual([
      ['killed@x.co', 'deferred', 'invite', 'outcome_unknown'],
      ['done@x.co', 'invited', 'invite', undefined],
    ]);
    expect(orphans[0]?.errorMessage).toBe('no longer in the input file (it was on line 4); kept from an earlier run: sent by an earlier run without an answer; not yet checked against Brevo');
  });
});

describe('requests an earlier run left without an answer', () => {
  test('found in the list: done, without a request; not found and old enough: sent again', () => {
    const slots = [slot(2, 'landed@x.co'), slot(3, 'lost@x.co')];
    foldEarlier(slots, earlier([]), journal([{ email: 'landed@x.co' }, { email: 'lost@x.co' }]), []);
    planSend(slots, users({ 'landed@x.co': 'pending' }), send());
    expect(view(slots)).toEqual([
      ['landed@x.co', 'invited', undefined],
      ['lost@x.co', 'invite', undefined],
    ]);
    expect(slots[0]?.row.errorMessage).toContain("confirmed from Brevo's invited-users list");
    expect(slots[1]?.settleFirst).toBeUndefined();
  });

  test('in the snapshot written before the first request, a row waiting for the list stays marked outcome_unknown', () => {
    const slots = [slot(2, 'young@x.co'), slot(3, 'new@x.co'), slot(4, 'done@x.co')];
    foldEarlier(slots, earlier([before(4, 'done@x.co')]), journal([{ email: 'young@x.co', at: NOW - 5000 }]), []);
    planSend(slots, users({ 'done@x.co': 'pending' }), send());
    expect(slots.map(snapshotRow).map((r) => [r.email, r.status, r.errorCode])).toEqual([
      ['young@x.co', 'deferred', 'outcome_unknown'],
      ['new@x.co', 'deferred', 'not_yet_sent'],
      ['done@x.co', 'invited', undefined],
    ]);
  });

  test('not found, but started less than the grace period ago: it waits for a later list call before anything is sent', () => {
    const slots = [slot(2, 'young@x.co')];
    foldEarlier(slots, earlier([]), journal([{ email: 'young@x.co', at: NOW - 5000 }]), []);
    planSend(slots, users({}), send());
    expect(slots[0]).toMatchObject({ action: 'invite', settleFirst: NOW - 5000 });
  });

  test('an outcome_unknown row without a journal entry is checked too (its time unknown: old enough)', () => {
    const slots = [slot(2, 'u@x.co')];
    foldEarlier(slots, earlier([before(2, 'u@x.co', { status: 'failed', errorCode: 'outcome_unknown' })]), new Map(), []);
    expect(slots[0]?.inFlight).toEqual({ action: 'invite', sentAt: 0 });
  });
});

describe('planSend', () => {
  test('new people are invited; people in the account are skipped with why; the owner is never touched', () => {
    const slots = [slot(2, 'new@x.co'), slot(3, 'act@x.co'), slot(4, 'pend@x.co'), slot(5, 'boss@x.co')];
    planSend(slots, users({ 'act@x.co': 'active', 'pend@x.co': 'pending', 'boss@x.co': 'owner' }), send({ update: true, resendPending: true }));
    expect(view(slots)).toEqual([
      ['new@x.co', 'invite', undefined],
      ['act@x.co', 'update', undefined],
      ['pend@x.co', 'update', undefined],
      ['boss@x.co', 'skipped', 'owner'],
    ]);
  });

  test('--update: what this tool last granted decides; the same access needs nothing, a different one is updated once', () => {
    const slots = [slot(2, 'same@x.co'), slot(3, 'moved@x.co', 'contacts:view|import'), slot(4, 'unknown@x.co')];
    foldEarlier(slots, earlier([before(2, 'same@x.co'), before(3, 'moved@x.co', { status: 'updated', action: 'update' }), before(4, 'unknown@x.co', { status: 'skipped', errorCode: 'already_active', invoiceId: undefined })]), new Map(), []);
    planSend(slots, users({ 'same@x.co': 'active', 'moved@x.co': 'active', 'unknown@x.co': 'active' }), send({ update: true }));
    expect(view(slots)).toEqual([
      ['same@x.co', 'invited', undefined], // kept as the earlier run left it
      ['moved@x.co', 'update', undefined],
      ['unknown@x.co', 'update', undefined], // no record of its access: set once
    ]);
  });

  test('someone this tool saw in the account and who is gone now is skipped removed_since (invited only with --reinvite); someone it removed and back on the roster is invited', () => {
    const rows = () => [slot(2, 'inv@x.co'), slot(3, 'upd@x.co'), slot(4, 'found@x.co'), slot(5, 'pruned@x.co'), slot(6, 'new@x.co'), slot(7, 'again@x.co')];
    const history = earlier([
      before(2, 'inv@x.co'),
      before(3, 'upd@x.co', { status: 'updated', action: 'update' }),
      before(4, 'found@x.co', { status: 'skipped', action: undefined, errorCode: 'already_pending', invoiceId: undefined }),
      before(0, 'pruned@x.co', { status: 'revoked', action: 'revoke' }),
      before(7, 'again@x.co', { status: 'skipped', action: undefined, errorCode: 'removed_since' }),
    ]);
    const slots = rows();
    foldEarlier(slots, history, new Map(), []);
    const notes = planSend(slots, users({}), send());
    expect(view(slots)).toEqual([
      ['inv@x.co', 'skipped', 'removed_since'],
      ['upd@x.co', 'skipped', 'removed_since'],
      ['found@x.co', 'skipped', 'removed_since'],
      ['pruned@x.co', 'invite', undefined],
      ['new@x.co', 'invite', undefined],
      ['again@x.co', 'skipped', 'removed_since'],
    ]);
    expect(notes.removedSince).toBe(4);
    expect(slots[0]!.row.invoiceId).toBe('INV-2'); // the receipt stays with the person
    const asked = rows();
    foldEarlier(asked, history, new Map(), []);
    expect(planSend(asked, users({}), send({ reinvite: true })).removedSince).toBe(0);
    expect(asked.map((s) => s.action)).toEqual(['invite', 'invite', 'invite', 'invite', 'invite', 'invite']);
  });

  test('without --update nothing is sent to people in the account, but a changed access is counted', () => {
    const slots = [slot(2, 'moved@x.co', 'contacts:view|import'), slot(3, 'unknown@x.co'), slot(4, 'boss@x.co')];
    foldEarlier(slots, earlier([before(2, 'moved@x.co')]), new Map(), []);
    const notes = planSend(slots, users({ 'moved@x.co': 'active', 'unknown@x.co': 'pending', 'boss@x.co': 'owner' }), send());
    expect(notes).toMatchObject({ accessChanged: 1, neverSet: 1 }); // the owner is neither
    expect(view(slots)).toEqual([
      ['moved@x.co', 'invited', undefined],
      ['unknown@x.co', 'skipped', 'already_pending'],
      ['boss@x.co', 'skipped', 'owner'],
    ]);
  });

  test('--resend-pending: once per pending person; an update goes first and the resend waits', () => {
    const slots = [slot(2, 'p1@x.co'), slot(3, 'p2@x.co'), slot(4, 'p3@x.co', 'contacts:view|import')];
    foldEarlier(slots, earlier([before(2, 'p1@x.co', { status: 'resent', action: 'resend' }), before(3, 'p2@x.co'), before(4, 'p3@x.co')]), new Map(), []);
    planSend(slots, users({ 'p1@x.co': 'pending', 'p2@x.co': 'pending', 'p3@x.co': 'pending' }), send({ update: true, resendPending: true }));
    expect(view(slots)).toEqual([
      ['p1@x.co', 'resent', undefined], // resent by an earlier run: not again
      ['p2@x.co', 'resend', undefined],
      ['p3@x.co', 'update', undefined],
    ]);
  });

  test('--resend-after: an invitation this tool sent recently is not resent, nor promised to the next run after an update', () => {
    const recent = new Date(NOW - 3_600_000).toISOString();
    const slots = [slot(2, 'fresh@x.co'), slot(3, 'moved@x.co', 'contacts:view|import'), slot(4, 'old@x.co')];
    foldEarlier(slots, earlier([before(2, 'fresh@x.co', { finishedAt: recent }), before(3, 'moved@x.co', { status: 'updated', action: 'update', invitedAt: recent }), before(4, 'old@x.co', { finishedAt: new Date(NOW - 2 * 86_400_000).toISOString() })]), new Map(), []);
    const notes = planSend(slots, users({ 'fresh@x.co': 'pending', 'moved@x.co': 'pending', 'old@x.co': 'pending' }), send({ update: true, resendPending: true, resendAfterMs: 86_400_000 }));
    expect(view(slots)).toEqual([
      ['fresh@x.co', 'invited', undefined], // kept as invited
      ['moved@x.co', 'update', undefined],
      ['old@x.co', 'resend', undefined],
    ]);
    expect(notes).toMatchObject({ recentlyInvited: 1, resendsPostponed: 0 });
  });

  test('a refused row is kept, unless its access was changed since (then it is sent again)', () => {
    const refused = (line: number, email: string) => before(line, email, { status: 'failed', errorCode: 'invalid_parameter', httpStatus: 400, invoiceId: undefined });
    const slots = [slot(2, 'same@x.co'), slot(3, 'fixed@x.co', 'contacts:view|import')];
    foldEarlier(slots, earlier([refused(2, 'same@x.co'), refused(3, 'fixed@x.co')]), new Map(), []);
    planSend(slots, users({}), send());
    expect(view(slots)).toEqual([
      ['same@x.co', 'failed', 'invalid_parameter'],
      ['fixed@x.co', 'invite', undefined],
    ]);
  });

  test('--limit defers the requests past it; rows that only wait for the list are not counted', () => {
    const slots = [slot(2, 'a@x.co'), slot(3, 'b@x.co'), slot(4, 'c@x.co'), slot(5, 'young@x.co')];
    foldEarlier(slots, earlier([]), journal([{ email: 'young@x.co', at: NOW }]), []);
    planSend(slots, users({}), send());
    expect(deferPastLimit(slots, 1)).toBe(2);
    expect(toSend(slots).map((s) => s.email)).toEqual(['a@x.co', 'young@x.co']);
    expect(slots.filter((s) => s.row.status === 'deferred').map((s) => [s.row.email, s.row.errorCode])).toEqual([
      ['b@x.co', 'limit'],
      ['c@x.co', 'limit'],
    ]);
  });
});

describe('planSend without the list (--no-skip-existing)', () => {
  test('what an earlier run did or found stands (nothing is known of the account): done rows, people found there, the owner and people removed since are kept as they were; only new ones are invited', () => {
    const slots = [slot(2, 'done@x.co'), slot(3, 'new@x.co'), slot(4, 'found@x.co'), slot(5, 'boss@x.co'), slot(6, 'gone@x.co')];
    const day = new Date(NOW - 86_400_000).toISOString();
    foldEarlier(
      slots,
      earlier([
        before(2, 'done@x.co', { finishedAt: day }),
        before(4, 'found@x.co', { status: 'skipped', action: undefined, errorCode: 'already_active', invoiceId: undefined, finishedAt: day }),
        before(5, 'boss@x.co', { status: 'skipped', action: undefined, errorCode: 'owner', invoiceId: undefined, finishedAt: day }),
        before(6, 'gone@x.co', { status: 'skipped', action: undefined, errorCode: 'removed_since', finishedAt: day }),
      ]),
      new Map(),
      [],
    );
    const notes = planSend(slots, undefined, send({ listed: false }));
    expect(view(slots)).toEqual([
      ['done@x.co', 'invited', undefined],
      ['new@x.co', 'invite', undefined],
      ['found@x.co', 'skipped', 'already_active'],
      ['boss@x.co', 'skipped', 'owner'],
      ['gone@x.co', 'skipped', 'removed_since'],
    ]);
    expect(notes.removedSince).toBe(0);
  });
});

describe('planView (the plan file)', () => {
  test('a pending person whose resend waits for --resend-after reads so in the plan, not only "nothing to send"', () => {
    const slots = [slot(2, 'fresh@x.co')];
    foldEarlier(slots, earlier([before(2, 'fresh@x.co', { finishedAt: new Date(NOW - 3_600_000).toISOString() })]), new Map(), []);
    planSend(slots, users({ 'fresh@x.co': 'pending' }), send({ resendPending: true, resendAfterMs: 86_400_000 }));
    const row = planView(slots[0]!, false);
    expect(row).toMatchObject({ status: 'skipped', errorCode: 'done_before' });
    expect(row.errorMessage).toContain('the invitation is not sent again yet: this tool sent it less than --resend-after ago');
  });
});
