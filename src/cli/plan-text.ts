/** The plan shown before a real send: what will happen, what it costs, how long it takes. */
import { formatDuration } from '../duration.js';
import { estimateMs } from '../run/estimate.js';
import type { SendPlan } from '../run/ports.js';
import type { ActionName } from '../types.js';
import { printable } from './summary.js';

const ACTION_LINES: Array<[ActionName, string, string]> = [
  ['invite', 'to invite', 'will be sent now'],
  ['update', 'to update', 'access set to what the sheet says'],
  ['resend', 'to resend', 'pending invitations sent again'],
  ['revoke', 'to revoke', 'removed from the account, at once'],
  ['cancel', 'to cancel', 'pending invitations cancelled, at once'],
];

/** What the question asks: "Send 500 invitations?", or the requests of every kind. */
export function planQuestion(plan: SendPlan): string {
  const only = ACTION_LINES.filter(([a]) => plan.actions[a] > 0);
  if (only.length === 1 && only[0]![0] === 'invite') return `Send ${plan.toSend} invitation${plan.toSend === 1 ? '' : 's'}?`;
  return `Send ${plan.toSend} request${plan.toSend === 1 ? '' : 's'} (${only.map(([a]) => `${plan.actions[a]} ${a}`).join(', ')})?`;
}

export function planText(plan: SendPlan, now: number): string {
  const rows: Array<[string, number, string]> = [
    ...ACTION_LINES.filter(([a]) => plan.actions[a] > 0 || a === 'invite').map(([a, label, meaning]): [string, number, string] => [label, plan.actions[a], meaning]),
    ['already in', plan.existing, 'skipped: nothing to send'],
    ['done before', plan.alreadyDone, 'kept as an earlier run left them'],
    ['invalid', plan.invalid, 'not sent: fix them (first rows below)'],
    ['duplicate', plan.duplicate, 'not sent: the email is on an earlier row'],
    ['over --limit', plan.deferredByLimit, 'left for a later run'],
  ];
  const width = Math.max(...rows.map(([, n]) => String(n).length));
  const lines = [`About to send ${plan.toSend} request${plan.toSend === 1 ? '' : 's'} to the Brevo account:`];
  for (const [label, n, meaning] of rows) if (n > 0 || label === 'to invite') lines.push(`  ${label.padEnd(14)}${String(n).padStart(width)}   ${meaning}`);
  if (plan.accessChanged > 0) lines.push(`Access in the sheet differs for ${plan.accessChanged} ${plan.accessChanged === 1 ? 'person' : 'people'} already in the account: run with --update to apply it.`);
  if (plan.problems.lines.length > 0) {
    lines.push(plan.problems.more > 0 ? `First rows to fix (${plan.problems.more} more in the results file after the run):` : 'Rows to fix:');
    for (const line of plan.problems.lines) lines.push(`  ${printable(line)}`);
  }
  if (plan.removals.length > 0) {
    const shown = plan.removals.slice(0, 10);
    lines.push(`Access is removed at once for: ${shown.join(', ')}${plan.removals.length > shown.length ? ` and ${plan.removals.length - shown.length} more` : ''}.`);
  }
  const { limit, remaining, resetAt } = plan.budget;
  if (remaining !== undefined) {
    const reset = resetAt === undefined ? '' : `, the window resets in ${formatDuration(resetAt - now)}`;
    lines.push(`Budget: ${remaining}${limit === undefined ? '' : ` of ${limit}`} requests left${reset}.`);
  }
  lines.push(`Time needed at this budget: about ${formatDuration(estimateMs(plan.toSend, plan.budget, now, plan.concurrency))}.`);
  if (plan.actions.invite + plan.actions.update > 0) lines.push('Each invitation (and a change of access) can add a paid seat to the account (Brevo then returns an invoice_id, written in the results).');
  return lines.join('\n') + '\n';
}
