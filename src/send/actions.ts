/**
 * The action table: every kind of request a run can make for a row, as data. Each entry says
 * what request it is, what a refusal that means "already so" looks like, the status of a row
 * Brevo accepted, and how an answer that may hide a processed request is dealt with:
 *
 * - `settle`: not safe to repeat blindly (a second invitation is a second seat), or its effect
 *   shows in the invited-users list: the row waits for one list call, which says whether the
 *   request took effect (`tookEffect`); only when it did not is it sent again.
 * - `retry`: safe to repeat (setting permissions to the same value; sending the same pending
 *   invitation again): retried with backoff like a network error.
 *
 * The gate, the sender, the journal, the results and the CLI never branch on the action: adding
 * one is adding an entry here (and deciding in the run's planner when a row gets it).
 */
import type { ActionName, Invitation, Status } from '../types.js';
import type { AlreadyTest } from './classify.js';
import { invitationBody, type ApiRequest } from './client.js';
import type { WhenUnsure } from './retry.js';
import type { UserState } from './users.js';

/** Who a request is for, and what to grant them (for the actions that grant). */
export interface Target {
  email: string;
  invitation?: Invitation | undefined;
  /** The address as Brevo's list spells it: the path of a resend or a removal names the person so. */
  listedAs?: string | undefined;
}

export interface ActionSpec {
  name: ActionName;
  /** The status of a row whose request Brevo accepted. */
  done: Status;
  request(target: Target): ApiRequest;
  /** A refusal that means it is already so: the row is `skipped` with `alreadyCode`. */
  already?: AlreadyTest | undefined;
  alreadyCode?: string | undefined;
  /** How that refusal reads in the results. */
  alreadyText?: string | undefined;
  whenUnsure: WhenUnsure;
  /**
   * Whether an "already so" answer is checked against the list before it is believed: a removal
   * answered "not found" by a gateway (an HTML 404) must not read as a person who is gone.
   */
  settleAlready?: boolean | undefined;
  /** For `settle`: whether the list shows that the request took effect. */
  tookEffect(state: UserState | undefined): boolean;
  /** How a row confirmed from the list reads. */
  confirmed: string;
  /**
   * The action the person's state in the list calls for, when the list shows the request did not
   * take effect: a pending invitation accepted since is revoked, not cancelled again (and the
   * other way round). Without it the same request is sent again.
   */
  forState?: ((state: UserState) => ActionName) | undefined;
}

const ALREADY_INVITED_TEXT = [
  /\balready (been )?(invited|exists?|a member|registered|a user|part of|pending|in (the|this|your) (organi[sz]ation|account|team))/i,
  /\b(user|email|address|invitation|member)\b[^.]{0,40}?\b(is |has |was )?already (been )?(sent|exists?|invited|registered|pending|a member)/i,
  /\buser (already )?exists/i,
  /\bduplicate\b/i,
];

/**
 * Brevo does not document what it says for an address already invited. These read as "the person
 * is already there", and not as other refusals that use the word (e.g. "you have already reached
 * the maximum number of users", which is a real failure).
 */
const alreadyInvited: AlreadyTest = (status, code, message) =>
  (status === 400 || status === 409) && (/already|duplicate|user_exists/i.test(code) || ALREADY_INVITED_TEXT.some((re) => re.test(message)));

/** The person is not (or no longer) in the account: removing them again has nothing to do. */
const alreadyGone: AlreadyTest = (status, code, message) =>
  (status === 400 || status === 404 || status === 409) &&
  (/not_found|not_exist|no_such|not_a_user/i.test(code) ||
    /\b(not found|does ?n[o']t exist|no such (user|invitation)|not (a |an )?(user|member)|not part of|(is|was) not invited|no (pending )?invitation|already (revoked|removed|cancell?ed|deleted))/i.test(message));

/** The invitation is no longer pending (accepted, or gone): nothing to resend. */
const notPending: AlreadyTest = (status, code, message) =>
  (status === 400 || status === 404 || status === 409) && (/not_pending|already_active/i.test(code) || /\b(already (accepted|active|joined)|not pending|no pending|not (found|invited))/i.test(message));

const inPath = (t: Target) => encodeURIComponent(t.listedAs ?? t.email);

const present = (state: UserState | undefined) => state !== undefined;
const gone = (state: UserState | undefined) => state === undefined;

/**
 * A removal (revoke an active user, cancel a pending invitation): "not found" is checked against
 * the list before it is believed, and a lost answer is settled by the list (gone means done).
 */
function removal(name: 'revoke' | 'cancel', done: Status, confirmed: string): ActionSpec {
  return {
    name,
    done,
    request: (t) => ({ method: 'PUT', path: `/organization/user/invitation/${name}/${inPath(t)}` }),
    already: alreadyGone,
    alreadyCode: 'not_a_user',
    alreadyText: 'Brevo says the person is not in the account',
    whenUnsure: 'settle',
    settleAlready: true,
    tookEffect: gone,
    confirmed: `confirmed from Brevo's users list: ${confirmed}`,
    forState: (state) => (state.status === 'active' ? 'revoke' : 'cancel'),
  };
}

export const ACTIONS: Readonly<Record<ActionName, ActionSpec>> = {
  invite: {
    name: 'invite',
    done: 'invited',
    request: (t) => ({ method: 'POST', path: '/organization/user/invitation/send', body: invitationBody(t.invitation!) }),
    already: alreadyInvited,
    alreadyCode: 'already_invited',
    alreadyText: 'Brevo says the user is already invited',
    whenUnsure: 'settle',
    tookEffect: present,
    confirmed: "confirmed from Brevo's invited-users list",
  },
  update: {
    name: 'update',
    done: 'updated',
    request: (t) => ({ method: 'POST', path: '/organization/user/update/permissions', body: invitationBody(t.invitation!) }),
    whenUnsure: 'retry',
    tookEffect: present,
    confirmed: 'set again: setting permissions is safe to repeat',
  },
  resend: {
    name: 'resend',
    done: 'resent',
    request: (t) => ({ method: 'PUT', path: `/organization/user/invitation/resend/${inPath(t)}` }),
    already: notPending,
    alreadyCode: 'not_pending',
    alreadyText: 'Brevo says the invitation is no longer pending',
    whenUnsure: 'retry',
    tookEffect: present,
    confirmed: 'sent again',
  },
  revoke: removal('revoke', 'revoked', 'the person is no longer in the account'),
  cancel: removal('cancel', 'cancelled', 'the invitation is gone'),
};
