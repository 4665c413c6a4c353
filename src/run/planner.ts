/**
 * After the one list call, every valid row gets exactly one planned action, or none (the row is
 * then `skipped`, with a code that says why, or keeps the outcome an earlier run recorded). Pure:
 * the rows, the list and the options in; the slots' `action` and `row` out.
 *
 * What the tool knows of someone's access comes from its own earlier results (--resume): a row it
 * invited or updated with the same `granted` needs nothing; a different one is updated (with
 * --update); a person it has no record of is updated once, since the list does not say which
 * permissions a user has, and asking would cost the same request as setting them.
 */
import { ACTIONS } from '../send/actions.js';
import type { UserState, Users } from '../send/users.js';
import type { ActionName, RowResult } from '../types.js';
import { withEarlierReceipts } from '../send/receipts.js';
import { holdsOutcome, keepEarlier, type Slot } from './slots.js';

export interface SendPlanOptions {
  /** The list was asked: people in the account are known. */
  listed: boolean;
  update: boolean;
  resendPending: boolean;
  /** An invitation this tool sent more recently than this is not sent again (0: any). */
  resendAfterMs: number;
  /** Invite again people this tool saw in the account before and who are gone now (removed since). */
  reinvite: boolean;
  /** When the list was taken, and how long after a request Brevo may take to show it. */
  listedAt: number;
  settleAfterMs: number;
}

/** Why a row needs no request, as its `error_code` and message. */
export const SKIP: Record<string, string> = {
  already_active: 'already a user of the account: not sent',
  already_pending: 'already invited, the invitation is not yet accepted: not sent',
  owner: 'the owner of the account: never changed or removed',
  unchanged: 'already has this access, granted by an earlier run: nothing to send',
  not_a_user: 'not in the account: nothing to remove',
  removed_since: 'in the account when this tool last dealt with them, and no longer there (removed or cancelled since): not invited again; take them off the roster if they left, or run with --reinvite',
};

export function skipped(row: RowResult, code: keyof typeof SKIP, finishedAt: string, message = SKIP[code]): RowResult {
  // Nothing was sent: nothing was granted (the sheet's access for the person stays in the input's cells).
  return { ...row, status: 'skipped', action: undefined, granted: '', errorCode: code, errorMessage: message, invoiceId: undefined, creditNotes: undefined, httpStatus: undefined, finishedAt };
}

/** What the plan found, beyond the actions: for the summary. */
export interface PlanNotes {
  /** People in the account whose sheet access differs from what this tool last granted them (without --update). */
  accessChanged: number;
  /** Pending people updated now, whose resend (--resend-pending) waits for the next run. */
  resendsPostponed: number;
  /** People in the account (not the owner) whom the roster does not list, when --prune is off. */
  notOnRoster: number;
  /** Pending invitations this tool sent too recently to be sent again (--resend-after). */
  recentlyInvited: number;
  /** People on the roster this tool saw in the account, who are gone from it now (not invited again without --reinvite). */
  removedSince: number;
  /** People in the account (not the owner) whose access this tool never set (without --update: it would set it once). */
  neverSet: number;
}

/**
 * A request of an earlier run that got no answer. When the list shows it took effect, the row is
 * done (returns true). When Brevo may still record it (it started less than the grace period
 * before the list was taken), the row waits for a later list call before anything is sent.
 */
export function settleInFlight(slot: Slot, users: Users | undefined, listedAt: number, settleAfterMs: number, wanted: readonly ActionName[]): boolean {
  const flight = slot.inFlight;
  if (flight === undefined) return false;
  const spec = ACTIONS[flight.action];
  if (spec.whenUnsure !== 'settle') return false; // safe to repeat: planned as usual
  // A request the row no longer wants (a removal sent while the person was off the roster, who is
  // back on it): never sent again; the list says where the person stands, and the row is planned
  // from that (a removal that landed after all is followed by an invitation, next run at the latest).
  if (!wanted.includes(flight.action)) return false;
  const state = users?.get(slot.email!);
  if (users !== undefined && spec.tookEffect(state)) {
    const attempts = Math.max(1, slot.earlier?.attempts ?? 0);
    slot.row = withEarlierReceipts({
      ...slot.row,
      // What that request granted is what the earlier run's row said (the sheet may have changed since).
      granted: slot.earlier?.granted ?? '',
      action: flight.action,
      status: spec.done,
      attempts,
      finishedAt: new Date(listedAt).toISOString(),
      errorCode: undefined,
      httpStatus: undefined,
      invoiceId: undefined,
      creditNotes: undefined,
      errorMessage: `an earlier run sent it and did not record the answer (it was stopped, or could not write its results); ${spec.confirmed}`,
      ...(flight.action === 'invite' ? { invitedAt: new Date(listedAt).toISOString() } : {}),
    }, slot.earlier);
    return true;
  }
  if (users === undefined || listedAt < flight.sentAt + settleAfterMs) {
    slot.row = withEarlierReceipts({ ...slot.row, action: flight.action, attempts: slot.earlier?.attempts ?? slot.row.attempts }, slot.earlier);
    slot.action = flight.action;
    slot.settleFirst = flight.sentAt;
    return true;
  }
  return false; // not done, and old enough for the list to be sure: planned as usual
}

/**
 * The access this tool last set for the row's person: what it invited or updated them with. A
 * resent row carries that knowledge on (its `granted` is what the person has as far as the tool
 * knows, or empty when it does not know).
 */
function lastGranted(slot: Slot): string | undefined {
  const e = slot.earlier;
  if (e === undefined || e.granted === '') return undefined;
  return e.status === 'invited' || e.status === 'updated' || e.status === 'resent' ? e.granted : undefined;
}

/** `send`: invite, update, resend, or nothing, for each valid row. */
export function planSend(slots: readonly Slot[], users: Users | undefined, options: SendPlanOptions): PlanNotes {
  const { listedAt, settleAfterMs } = options;
  const notes: PlanNotes = { accessChanged: 0, resendsPostponed: 0, notOnRoster: 0, recentlyInvited: 0, removedSince: 0, neverSet: 0 };
  const at = new Date(listedAt).toISOString();
  for (const slot of slots) {
    if (slot.email === undefined || slot.row.status !== 'valid') continue;
    const sheet = slot.row.granted;
    if (settleInFlight(slot, users, listedAt, settleAfterMs, ['invite'])) {
      // Confirmed from the list, with the access that request sent: the sheet's, now, may differ.
      if (options.update && slot.action === undefined && slot.row.granted !== sheet && !users?.get(slot.email)?.isOwner) {
        [slot.action, slot.reason, slot.row] = ['update', 'changed in the sheet', { ...slot.row, granted: sheet }];
      }
      continue;
    }
    const state = options.listed ? users?.get(slot.email) : undefined;
    const action = chooseSend(slot, state, options, notes);
    if (action === 'keep') [slot.row, slot.kept] = [keepEarlier(slot.row, slot.earlier!), true];
    else if (typeof action === 'string') {
      slot.action = action;
      // Earlier receipts stay with the row; nothing is granted by a resend: the row keeps what is
      // known of the person's access.
      slot.row = withEarlierReceipts({ ...slot.row, action, ...(action === 'resend' ? { granted: lastGranted(slot) ?? '' } : {}) }, slot.earlier);
    }
    else slot.row = withEarlierReceipts(skipped(slot.row, action.skip, at), slot.earlier);
  }
  return notes;
}

type Choice = ActionName | 'keep' | { skip: keyof typeof SKIP };

function chooseSend(slot: Slot, state: UserState | undefined, options: SendPlanOptions, notes: PlanNotes): Choice {
  const e = slot.earlier;
  const kept = e !== undefined && holdsOutcome(e);
  if (state === undefined) {
    // Refused for good: kept, unless the access asked for has changed since (it was fixed).
    if (kept && e.status === 'failed') return e.granted !== slot.row.granted ? 'invite' : 'keep';
    // Without the list (--no-skip-existing) nothing is known of the account: what an earlier run
    // did or found stands (someone it found in the account, or the owner, is not invited now).
    if (!options.listed) return kept || (e !== undefined && (sawInAccount(e) || e.errorCode === 'owner')) ? 'keep' : 'invite';
    // Done a moment ago: Brevo may not list it yet (it records some seconds late): kept for now.
    if (e?.status === 'invited' && doneMomentsAgo(e, options.listedAt, options.settleAfterMs)) return 'keep';
    // In the account when this tool last dealt with them, gone now: removed by hand or by a revoke
    // (a leaver whom HR's roster still lists), or an invitation cancelled. Inviting them again
    // would give a leaver access back and a second seat: only with --reinvite.
    if (sawInAccount(e)) {
      if (!options.reinvite) {
        notes.removedSince++;
        return { skip: 'removed_since' };
      }
      slot.reason = 'removed from the account since';
    }
    // Not in the account, and on the roster: invited.
    return 'invite';
  }
  if (state.isOwner) return { skip: 'owner' };
  const granted = lastGranted(slot);
  if (options.update) {
    const refusedUpdate = e?.status === 'failed' && e.action === 'update' && kept && e.granted === slot.row.granted;
    if (refusedUpdate) return 'keep';
    if (granted !== slot.row.granted) {
      // Why, for the question: the sheet changed, or this tool never set this person's access.
      slot.reason = granted === undefined ? 'not set by this tool before' : 'changed in the sheet';
      // One request per person per run: the resend waits for the next run.
      if (options.resendPending && state.status === 'pending' && e?.status !== 'resent' && !invitedMomentsAgo(e, options)) notes.resendsPostponed++;
      return 'update';
    }
  } else if (granted !== undefined && granted !== slot.row.granted) {
    notes.accessChanged++;
  } else if (granted === undefined) {
    notes.neverSet++;
  }
  if (options.resendPending && state.status === 'pending' && e?.status !== 'resent') {
    // An invitation this tool sent a moment ago (the night before, say) is not sent again yet.
    if (!invitedMomentsAgo(e, options)) return 'resend';
    notes.recentlyInvited++;
    slot.reason = 'the invitation is not sent again yet: this tool sent it less than --resend-after ago';
  }
  if (kept && e.status !== 'failed') return 'keep';
  return { skip: state.status === 'active' ? 'already_active' : 'already_pending' };
}

/** Codes of a skipped row whose person was in the account when the row was written. */
const IN_ACCOUNT_CODES = new Set(['already_active', 'already_pending', 'unchanged', 'already_invited', 'not_pending', 'removed_since']);

/**
 * Whether an earlier run's row says the person was in the account then: this tool invited,
 * updated or resent them, planned an update or a resend, or found them there. A row this tool
 * removed (--prune) is not: a person put back on the roster after that is invited again.
 */
function sawInAccount(e: Pick<RowResult, 'status' | 'action' | 'errorCode'> | undefined): boolean {
  if (e === undefined) return false;
  if (e.status === 'invited' || e.status === 'updated' || e.status === 'resent') return true;
  if (e.status === 'revoked' || e.status === 'cancelled') return false;
  if (e.action === 'update' || e.action === 'resend') return true;
  return e.status === 'skipped' && IN_ACCOUNT_CODES.has(e.errorCode ?? '');
}

/**
 * Whether an earlier run's request finished so recently that Brevo's list may not show it yet
 * (it records some seconds after it answers): the list is trusted to contradict it only
 * `settleAfterMs` (--timeout + --settle-grace) after it finished.
 */
function doneMomentsAgo(e: Pick<RowResult, 'finishedAt'>, listedAt: number, settleAfterMs: number): boolean {
  return e.finishedAt !== undefined && Date.parse(e.finishedAt) + settleAfterMs > listedAt;
}

/** A removal an earlier run finished a moment ago (see doneMomentsAgo). */
export function removedMomentsAgo(e: Pick<RowResult, 'status' | 'finishedAt'>, listedAt: number, settleAfterMs: number): boolean {
  return (e.status === 'revoked' || e.status === 'cancelled') && doneMomentsAgo(e, listedAt, settleAfterMs);
}

/** Whether this tool invited the person less than --resend-after ago, whatever was done since (an update, a deferral). */
function invitedMomentsAgo(e: Pick<RowResult, 'invitedAt' | 'status' | 'finishedAt'> | undefined, options: Pick<SendPlanOptions, 'listedAt' | 'resendAfterMs'>): boolean {
  const at = e?.invitedAt ?? (e?.status === 'invited' ? e.finishedAt : undefined);
  const sentAt = at === undefined ? NaN : Date.parse(at);
  return !Number.isNaN(sentAt) && options.listedAt - sentAt < options.resendAfterMs;
}

/** `revoke`: each listed person is removed: an active user is revoked, a pending invitation cancelled. */
export function planRevoke(slots: readonly Slot[], users: Users, listedAt: number, settleAfterMs: number): void {
  const at = new Date(listedAt).toISOString();
  for (const slot of slots) {
    if (slot.email === undefined || slot.row.status !== 'valid') continue;
    if (settleInFlight(slot, users, listedAt, settleAfterMs, ['revoke', 'cancel'])) continue;
    const state = users.get(slot.email);
    const e = slot.earlier;
    if (state === undefined) {
      // Gone: removed by an earlier run (kept as it was), or never in the account.
      if (e !== undefined && (e.status === 'revoked' || e.status === 'cancelled')) [slot.row, slot.kept] = [keepEarlier(slot.row, e), true];
      else slot.row = withEarlierReceipts(skipped(slot.row, 'not_a_user', at), e);
    } else if (state.isOwner) {
      slot.row = withEarlierReceipts(skipped(slot.row, 'owner', at), e);
    } else if (e !== undefined && removedMomentsAgo(e, listedAt, settleAfterMs)) {
      // Removed a moment ago, and still listed: Brevo records some seconds late. Kept, not sent again.
      [slot.row, slot.kept] = [keepEarlier(slot.row, e), true];
    } else {
      slot.action = state.status === 'active' ? 'revoke' : 'cancel';
      slot.row = withEarlierReceipts({ ...slot.row, action: slot.action }, e);
    }
  }
}
