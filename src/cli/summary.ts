/** The end-of-run summary a person reads: counts per status, the cost, and what to do next. */
import { formatDuration } from '../duration.js';
import type { RunReport } from '../run/report.js';
import type { Status } from '../types.js';

const MEANING: Record<Status, string> = {
  invited: 'Brevo accepted the invitation',
  skipped: 'already a user of the account: not sent',
  invalid: 'the row has a problem: not sent',
  duplicate: 'the email is on an earlier row: not sent',
  failed: 'Brevo refused it, or retries ran out',
  deferred: 'not tried this run: run again with --resume',
  valid: 'would be sent',
};

/** Quotes an argument for a POSIX shell when it needs it. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** The command that continues a run: the same arguments, with --resume. */
export function resumeCommand(args: readonly string[]): string {
  const kept = args.filter((a) => a !== '--resume');
  return ['brevo-invite', ...kept, '--resume'].map(shellQuote).join(' ');
}

/** After a clean dry run: the same arguments, sending for real. */
export function sendCommandFor(args: readonly string[]): string {
  const kept = args.filter((a) => a !== '--dry-run').map((a, i) => (i === 0 && a === 'validate' ? 'send' : a));
  return ['brevo-invite', ...kept].map(shellQuote).join(' ');
}

export interface NextCommands {
  resume: string;
  send: string;
}

function budgetLine(report: RunReport, now: number): string | undefined {
  const b = report.budget;
  // Without rate-limit headers (only 429s seen) nothing is known of the budget: say nothing.
  if (b === undefined || b.remaining === undefined || (b.limit === undefined && b.resetAt === undefined)) return undefined;
  const of = b.limit === undefined ? '' : ` of ${b.limit}`;
  const reset =
    b.resetAt === undefined
      ? ''
      : `, resets in ${formatDuration(b.resetAt - now)} (at ${new Date(b.resetAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })})`;
  return `Budget left: ${b.remaining}${of} requests${reset}`;
}

export function nextStep(report: RunReport, commands: NextCommands): string {
  const resume = commands.resume;
  const c = report.counts;
  const needFix = c.invalid + c.duplicate;
  if (report.stoppedFor === 'auth' || report.stoppedFor === 'permission') {
    return `Brevo refused the API key${report.stoppedFor === 'permission' ? "'s permissions" : ''}: check BREVO_API_KEY (it needs user-management rights), then run: ${resume}`;
  }
  if (c.deferred > 0) {
    const why = {
      signal: 'the run was interrupted',
      limit: 'of --limit',
      unavailable: `Brevo did not answer the list of users${report.stopDetail === undefined ? '' : ` (${printable(report.stopDetail)})`}; check --base-url and the network, or try again later`,
      budget: 'the rate-limit budget ran out for now',
    }[report.stoppedFor ?? 'budget'];
    return `${c.deferred} row${c.deferred === 1 ? ' was' : 's were'} deferred because ${why}. To continue, run:\n  ${resume}`;
  }
  if (report.command === 'validate') {
    return needFix > 0
      ? `Fix the ${needFix} row${needFix === 1 ? '' : 's'} marked invalid or duplicate (the error_message column says how), then validate again.`
      : `All rows are valid. To send the invitations: ${commands.send}`;
  }
  if (c.failed > 0) return `Open the results file: ${c.failed} row${c.failed === 1 ? '' : 's'} failed (see error_code and error_message).`;
  if (needFix > 0) return `Fix the ${needFix} row${needFix === 1 ? '' : 's'} marked invalid or duplicate, then run again with --resume: the rows already done are kept.`;
  return 'All done: every row is invited, skipped or kept from an earlier run.';
}

/**
 * One line of text from a row or from Brevo, safe to print at a terminal: line breaks and control
 * characters (an escape sequence in a server's message, say) become spaces; long text is cut.
 */
function printable(text: string, max = 200): string {
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

export function renderSummary(report: RunReport, commands: NextCommands, now = Date.now()): string {
  const lines: string[] = [];
  const title = report.command === 'validate' ? 'Dry run (nothing sent)' : 'Send';
  lines.push(`${title}: ${report.total} row${report.total === 1 ? '' : 's'} in ${formatDuration(report.elapsedMs)}`);
  const width = Math.max(...Object.values(report.counts).map((n) => String(n).length));
  for (const [status, n] of Object.entries(report.counts) as Array<[Status, number]>) {
    if (n === 0 && !(status === 'invited' && report.command === 'send')) continue;
    lines.push(`  ${status.padEnd(9)} ${String(n).padStart(width)}   ${MEANING[status]}`);
  }
  if (report.blankRows > 0) lines.push(`  (${report.blankRows} blank row${report.blankRows === 1 ? '' : 's'} ignored)`);
  if (report.command === 'send') {
    lines.push(`Requests: ${report.requests} used, ${report.rateLimited} of them answered "rate limited" (429)`);
    const budget = budgetLine(report, now);
    if (budget !== undefined) lines.push(budget);
  }
  for (const notice of report.notices ?? []) lines.push(`Note: ${printable(notice, 400)}`);
  const problems = report.problems;
  if (problems !== undefined && problems.lines.length > 0) {
    lines.push(problems.more > 0 ? `First rows to look at (${problems.more} more in the results file):` : 'Rows to look at:');
    for (const line of problems.lines) lines.push(`  ${printable(line)}`);
  }
  lines.push(`Results: ${report.resultsPath}`);
  lines.push(`Next: ${nextStep(report, commands)}`);
  return lines.join('\n') + '\n';
}

/** The `--summary-json` document. */
export function summaryJson(report: RunReport) {
  return {
    command: report.command,
    input: report.input,
    results: report.resultsPath,
    exit_code: report.exitCode,
    stopped_for: report.stoppedFor ?? null,
    stop_detail: report.stopDetail ?? null,
    rows: report.total,
    counts: report.counts,
    requests: report.requests,
    rate_limited: report.rateLimited,
    elapsed_ms: report.elapsedMs,
    budget: {
      limit: report.budget?.limit ?? null,
      remaining: report.budget?.remaining ?? null,
      reset_at: report.budget?.resetAt === undefined ? null : new Date(report.budget.resetAt).toISOString(),
    },
  };
}
