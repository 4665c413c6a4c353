/** The plan shown before a real send: what will happen, to whom, what it costs, how long it takes. */
import { formatDuration } from '../duration.js';
import { estimateMs } from '../run/estimate.js';
import type { SendPlan } from '../run/ports.js';
import type { ActionName } from '../types.js';
import { postponedText, printable, recentlyInvitedText, removedSinceText } from './summary.js';

const ACTION_LINES: Array<[ActionName, string, string]> = [
  ['invite', 'to invite', 'will be sent now'],
  ['update', 'to update', 'access set to what the sheet says'],
  ['resend', 'to resend', 'pending invitations sent again'],
  ['revoke', 'to revoke', 'active users removed from the account, at once'],
  ['cancel', 'to cancel', 'pending invitations cancelled, at once'],
];

/** Rows with nothing to send, by why. */
const SKIP_LINES: Record<string, [string, string]> = {
  already_active: ['already users', 'skipped: in the account'],
  already_pending: ['pending', 'skipped: invited, not yet accepted'],
  owner: ['owner', 'never changed or removed'],
  not_a_user: ['not in account', 'nothing to remove'],
  unchanged: ['unchanged', 'access as this tool last set it'],
  removed_since: ['removed since', 'was in the account, gone now: not invited again (--reinvite)'],
};

const people = (n: number) => `${n} ${n === 1 ? 'person' : 'people'}`;
const removing = (plan: SendPlan) => ACTION_LINES.every(([a]) => plan.actions[a] === 0 || a === 'revoke' || a === 'cancel');

/** What the question asks: "Send 500 invitations?", "Remove 3 people?", or the requests of every kind. */
export function planQuestion(plan: SendPlan): string {
  const only = ACTION_LINES.filter(([a]) => plan.actions[a] > 0);
  if (only.length === 1 && only[0]![0] === 'invite') return `Send ${plan.toSend} invitation${plan.toSend === 1 ? '' : 's'}?`;
  if (removing(plan)) return `Remove ${people(plan.toSend)} (${only.map(([a]) => `${plan.actions[a]} ${a}`).join(', ')})?`;
  return `Send ${plan.toSend} request${plan.toSend === 1 ? '' : 's'} (${only.map(([a]) => `${plan.actions[a]} ${a}`).join(', ')})?`;
}

/** Names, the first few, and how many more. */
const names = (emails: readonly string[], max = 10) => `${emails.slice(0, max).join(', ')}${emails.length > max ? ` and ${emails.length - max} more` : ''}`;

function header(plan: SendPlan): string {
  const a = plan.account;
  const where = a === undefined ? 'the Brevo account' : `the Brevo account at ${a.baseUrl}${a.owner === undefined ? '' : ` (${a.users} ${a.users === 1 ? 'user' : 'users'}, the owner ${a.owner} among them)`}`;
  return removing(plan) ? `About to remove ${people(plan.toSend)} from ${where}:` : `About to send ${plan.toSend} request${plan.toSend === 1 ? '' : 's'} to ${where}:`;
}

function countLines(plan: SendPlan): string[] {
  const rows: Array<[string, number, string]> = [
    ...ACTION_LINES.map(([a, label, meaning]): [string, number, string] => [label, plan.actions[a], meaning]),
    ...Object.entries(plan.skippedBy).map(([code, n]): [string, number, string] => {
      const [label, meaning] = SKIP_LINES[code] ?? [code, 'skipped'];
      return [label, n, meaning];
    }),
    ['done before', plan.alreadyDone, 'kept as an earlier run left them'],
    ['invalid', plan.invalid, 'not sent: fix them (first rows below)'],
    ['duplicate', plan.duplicate, 'not sent: the email is on an earlier row'],
    ['over --limit', plan.deferredByLimit, 'left for a later run'],
  ];
  const shown = rows.filter(([, n]) => n > 0);
  const width = Math.max(...shown.map(([, n]) => String(n).length), 1);
  return shown.map(([label, n, meaning]) => `  ${label.padEnd(15)}${String(n).padStart(width)}   ${meaning}`);
}

/** Who gets what, by name: the people removed, the people whose access is set and why. */
function whoLines(plan: SendPlan): string[] {
  const lines: string[] = [];
  if (plan.updates.length > 0) {
    const byReason = new Map<string, string[]>();
    for (const u of plan.updates) byReason.set(u.reason, [...(byReason.get(u.reason) ?? []), u.email]);
    lines.push(`Access to set for: ${[...byReason].map(([reason, emails]) => `${names(emails)} (${reason})`).join('; ')}.`);
  }
  if (plan.firstInvites.length > 0) lines.push(`To invite: ${plan.firstInvites.join(', ')}${plan.actions.invite > plan.firstInvites.length ? ` and ${plan.actions.invite - plan.firstInvites.length} more` : ''}.`);
  if (plan.resends.length > 0) lines.push(`To send the invitation again: ${names(plan.resends)}.`);
  if (plan.removals.length > 0) {
    const cancels = new Set(plan.cancels);
    const revokes = plan.removals.filter((e) => !cancels.has(e));
    const parts = [...(revokes.length > 0 ? [`${names(revokes)} (revoked)`] : []), ...(cancels.size > 0 ? [`${names(plan.cancels)} (invitation cancelled)`] : [])];
    lines.push(`Access is removed at once for: ${parts.join('; ')}.`);
  }
  if (plan.recentResends > 0) lines.push(`${plan.recentResends} of the invitations to send again were sent by this tool less than a day ago.`);
  return lines;
}

export function planText(plan: SendPlan, now: number): string {
  const lines = [header(plan), ...countLines(plan), ...whoLines(plan)];
  if (plan.accessChanged > 0) lines.push(`Access in the sheet differs for ${people(plan.accessChanged)} already in the account: run with --update to apply it.`);
  if (plan.resendsPostponed > 0) lines.push(postponedText(plan.resendsPostponed));
  if (plan.recentlyInvited > 0) lines.push(recentlyInvitedText(plan.recentlyInvited));
  if (plan.removedSince > 0) lines.push(removedSinceText(plan.removedSince));
  if (plan.problems.lines.length > 0) {
    lines.push(plan.problems.more > 0 ? `First rows to fix (${plan.problems.more} more in the results file after the run):` : 'Rows to fix:');
    for (const line of plan.problems.lines) lines.push(`  ${printable(line)}`);
  }
  const { limit, remaining, resetAt } = plan.budget;
  if (remaining !== undefined) {
    const reset = resetAt === undefined ? '' : `, the window resets in ${formatDuration(resetAt - now)}`;
    lines.push(`Budget: ${remaining}${limit === undefined ? '' : ` of ${limit}`} requests left${reset}.`);
  }
  lines.push(`Time needed at this budget: ${timeNeeded(estimateMs(plan.toSend, plan.budget, now, plan.concurrency, plan.budget.windowMs))}.`);
  // More requests than the window has left, and its reset further away than --max-wait: the rest wait for a --resume.
  if (remaining !== undefined && plan.toSend > remaining && resetAt !== undefined && plan.maxWaitMs !== undefined && resetAt - now > plan.maxWaitMs) {
    lines.push(`With --max-wait ${formatDuration(plan.maxWaitMs)}, about ${remaining} of the ${plan.toSend} go now; the rest are deferred until --resume after the window resets.`);
  }
  if (plan.actions.invite > 0) lines.push(`Each invitation can add a paid seat to the account: up to ${plan.actions.invite} here (Brevo then returns an invoice_id, written in the results).`);
  if (plan.actions.update > 0) lines.push('A change of access can change what a seat costs (Brevo then returns an invoice_id or credit notes, written in the results).');
  return lines.join('\n') + '\n';
}

/** "about 2h 05m", or "a few seconds" rather than "about 0s". */
export const timeNeeded = (ms: number) => (ms < 5000 ? 'a few seconds' : `about ${formatDuration(ms)}`);
