/** The plan shown before a real send: what will happen, what it costs, how long it takes. */
import { formatDuration } from '../duration.js';
import { estimateMs } from '../run/estimate.js';
import type { SendPlan } from '../run/send-run.js';

export function planText(plan: SendPlan, now: number): string {
  const rows: Array<[string, number, string]> = [
    ['to invite', plan.toInvite, 'will be sent now'],
    ['already users', plan.existing, 'skipped: they are in the account'],
    ['done before', plan.alreadyDone, 'invited by an earlier run: kept'],
    ['invalid', plan.invalid, 'not sent: fix them (see the results file)'],
    ['duplicate', plan.duplicate, 'not sent: the email is on an earlier row'],
    ['over --limit', plan.deferredByLimit, 'left for a later run'],
  ];
  const width = Math.max(...rows.map(([, n]) => String(n).length));
  const lines = [`About to invite ${plan.toInvite} ${plan.toInvite === 1 ? 'person' : 'people'} to the Brevo account:`];
  for (const [label, n, meaning] of rows) if (n > 0 || label === 'to invite') lines.push(`  ${label.padEnd(14)}${String(n).padStart(width)}   ${meaning}`);
  const { limit, remaining, resetAt } = plan.budget;
  if (remaining !== undefined) {
    const reset = resetAt === undefined ? '' : `, the window resets in ${formatDuration(resetAt - now)}`;
    lines.push(`Budget: ${remaining}${limit === undefined ? '' : ` of ${limit}`} requests left${reset}.`);
  }
  lines.push(`Time needed at this budget: about ${formatDuration(estimateMs(plan.toInvite, plan.budget, now, plan.concurrency))}.`);
  lines.push('Each invitation can add a paid seat to the account (Brevo then returns an invoice_id, written in the results).');
  return lines.join('\n') + '\n';
}
