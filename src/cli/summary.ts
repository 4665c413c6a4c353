/** The end-of-run summary a person reads: counts per status, the cost, and what to do next. */
import { formatDuration } from '../duration.js';
import { estimateMs } from '../run/estimate.js';
import { EXIT_MEANING, type RunReport } from '../run/report.js';
import type { Status } from '../types.js';

const MEANING: Record<Status, string> = {
  invited: 'Brevo accepted the invitation',
  updated: "Brevo changed the access of someone already in the account",
  resent: 'Brevo sent a pending invitation again',
  revoked: 'Brevo removed a user from the account',
  cancelled: 'Brevo cancelled a pending invitation',
  skipped: 'nothing to send (error_code says why: already in the account, not in it, the owner, nothing to change)',
  invalid: 'the row has a problem: not sent',
  duplicate: 'the email is on an earlier row: not sent',
  failed: 'Brevo refused it, or retries ran out',
  deferred: 'not done this run: run again with --resume',
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

/**
 * After a clean dry run or plan: the same arguments, sending for real. A plan's `-o` named the plan
 * file, not the results: it is dropped, and its `--results` becomes the send's `-o`; `plan
 * --revoke` becomes `revoke`.
 */
export function sendCommandFor(args: readonly string[]): string {
  const fromPlan = args[0] === 'plan';
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--dry-run' || (fromPlan && a === '--revoke')) continue;
    if (fromPlan && (a === '-o' || a === '--output')) i++;
    else if (fromPlan && /^(-o|--output)=/.test(a)) continue;
    else if (fromPlan && a === '--results') out.push('-o');
    else if (fromPlan && a.startsWith('--results=')) out.push(`-o=${a.slice('--results='.length)}`);
    else out.push(i === 0 && (a === 'validate' || a === 'plan') ? (fromPlan && args.includes('--revoke') ? 'revoke' : 'send') : a);
  }
  return ['brevo-invite', ...out].map(shellQuote).join(' ');
}

export interface NextCommands {
  resume: string;
  send: string;
}

/** A clock time with its zone, as people read it in a log: 10:41:12 UTC. */
export function clockTime(ms: number, now = Date.now()): string {
  const time = new Date(ms).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short' });
  // Beyond the day, the time alone would read as today's.
  if (Math.abs(ms - now) < 20 * 3_600_000) return time;
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')} ${time}`;
}

function budgetLine(report: RunReport, now: number): string | undefined {
  const b = report.budget;
  // Without rate-limit headers (only 429s seen) nothing is known of the budget: say nothing.
  if (b === undefined || b.remaining === undefined || (b.limit === undefined && b.resetAt === undefined)) return undefined;
  const of = b.limit === undefined ? '' : ` of ${b.limit}`;
  const reset = b.resetAt === undefined ? '' : `, resets in ${formatDuration(b.resetAt - now)} (at ${clockTime(b.resetAt, now)})`;
  return `Budget left: ${b.remaining}${of} requests${reset}`;
}

const s = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const WHY_DEFERRED: Record<string, (report: RunReport) => string> = {
  signal: (r) => (r.interruptedBy === 'SIGTERM' ? 'the run was asked to stop' : 'the run was interrupted (Ctrl+C)'),
  limit: () => '--limit was reached for this run',
  unavailable: (r) => `Brevo did not answer the list of users${r.stopDetail === undefined ? '' : ` (${printable(r.stopDetail)})`}; check the network, or try again later`,
  budget: () => "Brevo's rate-limit budget ran out for now",
  locked: () => 'another run took over the lock of the results file',
  unsettled: () => "Brevo's list could not yet be trusted for requests whose answer was unclear (Brevo may record a request some seconds late), and waiting longer would pass --max-wait; --resume checks them before sending anything again",
  disk: (r) => `the results could not be written${r.stopDetail === undefined ? '' : ` (${printable(r.stopDetail)})`}; free some space first`,
};

/** After a dry run or a plan: what to fix, or the send (with --update when the sheet changes access). */
function checkedNext(report: RunReport, needFix: number, commands: NextCommands): string {
  if (needFix > 0) return `Fix the ${s(needFix, 'row')} marked invalid or duplicate (the error_message column says how), then ${report.command === 'plan' ? 'plan' : 'validate'} again.`;
  const removed = report.removedSince ?? 0;
  if (report.command === 'plan' && removed > 0 && report.plannedRequests === 0) {
    return `Nothing to send, but ${s(removed, 'person', 'people')} of the file ${removed === 1 ? 'was' : 'were'} removed from the account since this tool last dealt with them (removed_since): take them off the roster if they left, or add --reinvite to invite them again.`;
  }
  const changed = report.accessChanged ?? 0;
  const withUpdate = changed > 0 ? `${commands.send} --update` : undefined;
  if (report.command === 'plan' && report.plannedRequests === 0) {
    return withUpdate === undefined ? 'Nothing to send: the account is in line with the file.' : `Nothing to send as it is; to apply the access that differs for ${s(changed, 'person', 'people')}: ${withUpdate}`;
  }
  return withUpdate === undefined ? `All rows are valid. To send: ${commands.send}` : `All rows are valid. To send: ${commands.send} (add --update to apply the access that differs for ${s(changed, 'person', 'people')})`;
}

/** What to do about failed rows: removals, refusals to correct in the sheet, or failures --resume tries again. */
function failedStep(report: RunReport, resume: string): string {
  const failed = report.counts.failed;
  const failedRemovals = (report.removals ?? []).filter((r) => r.status === 'failed').length;
  if (failedRemovals === failed) {
    return `Open the results file: ${s(failed, 'removal')} failed (see error_code and error_message; the person's state in Brevo's interface may explain it). Those that failed for a reason that can pass are sent again by: ${resume}`;
  }
  if ((report.refused ?? 0) === failed) {
    return `Open the results file: Brevo refused ${s(failed, 'row')} (see error_code and error_message), and would refuse ${failed === 1 ? 'it' : 'them'} again as ${failed === 1 ? 'it is' : 'they are'}: correct the access in the sheet (a feature the account's plan lacks, say), then run: ${resume}`;
  }
  return `Open the results file: ${s(failed, 'row')} failed (see error_code and error_message). Those that failed for a reason that can pass (Brevo unavailable, the network, an unclear answer) are tried again by: ${resume}`;
}

export function nextStep(report: RunReport, commands: NextCommands, now = Date.now()): string {
  const resume = commands.resume;
  const c = report.counts;
  const needFix = c.invalid + c.duplicate;
  if (report.stoppedFor === 'auth' || report.stoppedFor === 'permission') {
    return `Brevo refused the API key${report.stoppedFor === 'permission' ? "'s permissions" : ''}: check the key in ${report.keySource ?? 'BREVO_API_KEY'} (it needs user-management rights), then run: ${resume}`;
  }
  if (c.deferred > 0) {
    const why = (WHY_DEFERRED[report.stoppedFor ?? 'budget'] ?? WHY_DEFERRED.budget!)(report);
    const when = report.stoppedFor === 'budget' && report.budget?.resetAt !== undefined ? ` after ${clockTime(report.budget.resetAt, now)}, when the budget is back` : '';
    return `${s(c.deferred, 'row was', 'rows were')} deferred because ${why}. To continue${when}, run:\n  ${resume}`;
  }
  if (report.command === 'validate' || report.command === 'plan') return checkedNext(report, needFix, commands);
  if (c.failed > 0) {
    // Rows to fix in the sheet too: said after what to do about the failures.
    const alsoFix = needFix > 0 ? ` Fix also the ${s(needFix, 'row')} marked invalid or duplicate (error_message says how).` : '';
    return `${failedStep(report, resume)}${alsoFix}`;
  }
  if (needFix > 0) return `Fix the ${s(needFix, 'row')} marked invalid or duplicate, then run again with --resume: the rows already done are kept.`;
  const removed = report.removedSince ?? 0;
  if (removed > 0) {
    return `${s(removed, 'person', 'people')} of the file ${removed === 1 ? 'was' : 'were'} removed from the account since this tool last dealt with them (error_code removed_since; the first are listed above): take them off the roster if they left, or, to invite them again, run: ${resume} --reinvite`;
  }
  const waiting = report.removalsWaiting ?? 0;
  if (waiting > 0) return `${s(waiting, 'removal')} that an earlier --prune run deferred ${waiting === 1 ? 'is' : 'are'} left as ${waiting === 1 ? 'it is' : 'they are'}: only a run with --prune sends ${waiting === 1 ? 'it' : 'them'} (after checking the roster again).`;
  const postponed = report.resendsPostponed ?? 0;
  if (postponed > 0) return `${postponed === 1 ? 'The invitation' : `The ${postponed} invitations`} updated first ${postponed === 1 ? 'is' : 'are'} sent again by the next run: ${resume}`;
  const pending = report.skippedBy?.already_pending ?? 0;
  const hint = pending > 0 && report.command === 'send' ? ` ${s(pending, 'person', 'people')} of the file ${pending === 1 ? 'has' : 'have'} an invitation not yet accepted: --resend-pending sends it again.` : '';
  return `Nothing left to do: every row is done, skipped or kept from an earlier run.${hint}`;
}

/** People in the account the roster does not list, while --prune is off. */
export const notOnRosterText = (n: number) =>
  `${n === 1 ? '1 person' : `${n} people`} in the account (besides the owner) ${n === 1 ? 'is' : 'are'} not in this file: left as they are (when the file is the whole roster, --prune removes such people).`;

/** People on the roster who were in the account and are gone now: not invited again. */
export const removedSinceText = (n: number) =>
  `${n === 1 ? '1 person' : `${n} people`} of the file ${n === 1 ? 'was' : 'were'} in the account when this tool last dealt with them and ${n === 1 ? 'is' : 'are'} gone now (removed or cancelled since, by hand or by a revoke): not invited again. If they left, take them off the roster; to invite them again, add --reinvite (error_code removed_since in the results).`;

/** Pending invitations this tool sent too recently to be sent again. */
export const recentlyInvitedText = (n: number) =>
  `${n === 1 ? '1 pending invitation' : `${n} pending invitations`} this tool sent less than --resend-after ago (default a day) ${n === 1 ? 'is' : 'are'} not sent again yet.`;

/** Pending people updated now: their invitation is sent again by the next run. */
export const postponedText = (n: number) =>
  `${n === 1 ? '1 pending person is' : `${n} pending people are`} updated first; their invitation is sent again by the next run with --resend-pending (one request per person per run).`;

/**
 * One line of text from a row or from Brevo, safe to print at a terminal: line breaks and control
 * characters (an escape sequence in a server's message, say) become spaces; long text is cut.
 */
export function printable(text: string, max = 200): string {
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

/** A plan: the requests it would take, per action, and how long that takes at the current budget. */
function plannedLine(report: RunReport, now: number): string {
  const n = report.plannedRequests ?? 0;
  const per = Object.entries(report.actions).filter(([, k]) => k > 0).map(([a, k]) => `${a} ${k}`);
  const ms = estimateMs(n, report.budget ?? {}, now, 4, report.budget?.windowMs);
  return `Would send ${s(n, 'request')}${per.length > 0 ? ` (${per.join(', ')})` : ''}; at the current budget that takes ${ms < 5000 ? 'a few seconds' : `about ${formatDuration(ms)}`}.`;
}

/** Who is removed (or would be), the first few by name. */
function removalsLine(report: RunReport): string {
  const removals = report.removals ?? [];
  const shown = removals.slice(0, 10).map((r) => r.email);
  const verb = report.command === 'plan' ? 'Would remove' : 'Removals';
  return `${verb} (${removals.length}): ${shown.join(', ')}${removals.length > shown.length ? ` and ${removals.length - shown.length} more (all in the results file)` : ''}`;
}

const TITLE: Record<RunReport['command'], string> = { validate: 'Dry run (nothing sent)', plan: 'Plan (nothing sent but the list call)', send: 'Send', revoke: 'Revoke' };

/** "nothing to send (error_code: already_active 10, owner 1)", when the reasons are known. */
function skippedWhy(by: Record<string, number> | undefined): string | undefined {
  const reasons = Object.entries(by ?? {}).sort(([, a], [, b]) => b - a);
  return reasons.length === 0 ? undefined : `nothing to send (error_code: ${reasons.map(([code, n]) => `${code} ${n}`).join(', ')})`;
}

export function renderSummary(report: RunReport, commands: NextCommands, now = Date.now()): string {
  const lines: string[] = [];
  lines.push(`${TITLE[report.command]}: ${s(report.total, 'row')} in ${formatDuration(report.elapsedMs)}`);
  const width = Math.max(...Object.values(report.counts).map((n) => String(n).length));
  for (const [status, n] of Object.entries(report.counts) as Array<[Status, number]>) {
    if (n === 0) continue;
    const why = status === 'skipped' ? skippedWhy(report.skippedBy) : undefined;
    // A resumed run's totals hold what earlier runs did: this run's share is said apart.
    const kept = report.keptCounts?.[status] ?? 0;
    const split = kept > 0 && report.command !== 'plan' ? `${n - kept} by this run, ${kept} kept from earlier runs` : undefined;
    lines.push(`  ${status.padEnd(9)} ${String(n).padStart(width)}   ${split ?? why ?? MEANING[status]}`);
  }
  if (report.blankRows > 0) lines.push(`  (${s(report.blankRows, 'blank row')} ignored)`);
  if (report.leftInput > 0) lines.push(`  (and ${s(report.leftInput, 'row')} of earlier runs kept at the end of the results: people no longer in the input, or removed by --prune)`);
  if ((report.accessChanged ?? 0) > 0) {
    lines.push(`Access in the sheet differs from what this tool last granted for ${s(report.accessChanged!, 'person', 'people')}: run with --update to apply it.`);
  }
  if ((report.resendsPostponed ?? 0) > 0) lines.push(postponedText(report.resendsPostponed!));
  if ((report.recentlyInvited ?? 0) > 0) lines.push(recentlyInvitedText(report.recentlyInvited!));
  if ((report.removedSince ?? 0) > 0) lines.push(removedSinceText(report.removedSince!));
  // Only in a plan: an onboarding batch is not a roster, and a send's summary would say it every night.
  if (report.command === 'plan' && (report.notOnRoster ?? 0) > 0) lines.push(notOnRosterText(report.notOnRoster!));
  if (report.command === 'plan' && (report.neverSet ?? 0) > 0) {
    const n = report.neverSet!;
    lines.push(`${s(n, 'person', 'people')} already in the account ${n === 1 ? 'has' : 'have'} access this tool never set (the list does not say what it is): --update sets it to what the sheet says, once.`);
  }
  if (report.command === 'plan') lines.push(plannedLine(report, now));
  if ((report.removals?.length ?? 0) > 0) lines.push(removalsLine(report));
  if (report.command !== 'validate') {
    lines.push(`Requests: ${report.requests} used by this run, ${report.rateLimited} of them answered "rate limited" (429)`);
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
  lines.push(`Next: ${nextStep(report, commands, now)}`);
  return lines.join('\n') + '\n';
}

export const SUMMARY_SCHEMA_VERSION = 1;

/** Who ran, when and how it ended: shared by a run's summary and the summary of a run that could not start. */
export interface SummaryContext {
  version: string;
  runId: string;
  command: string;
  startedAt: number;
  finishedAt: number;
  baseUrl?: string | undefined;
  /** The input file as given, and where its results go: known even when the run could not start. */
  input?: string | undefined;
  results?: string | undefined;
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** The `--summary-json` document; its fields are listed in the README (a test holds the two together). */
export interface SummaryDocument {
  schema_version: number;
  tool: 'brevo-invite';
  version: string;
  run_id: string;
  command: string;
  started_at: string | null;
  finished_at: string | null;
  elapsed_ms: number;
  exit_code: number;
  exit_meaning: string;
  base_url: string | null;
  stopped_for: string | null;
  stop_detail: string | null;
  error: string | null;
  input: string | null;
  results: string | null;
  rows: number;
  left_input: number;
  counts: Record<Status, number> | null;
  counts_kept: Partial<Record<Status, number>> | null;
  actions: Record<string, number> | null;
  access_changed: number;
  resends_postponed: number;
  removed_since: number;
  requests: number;
  rate_limited: number;
  work_ms: number;
  budget: { limit: number | null; remaining: number | null; reset_at: string | null; late_reset_ms: number | null };
  next_step: string;
  resume_command: string | null;
  first_rows: Array<{ line: number; email: string; status: Status; error_code: string | null; error_message: string | null }>;
  removals: Array<{ email: string; action: string; status: Status }>;
  planned_requests: number | null;
}

function header(ctx: SummaryContext, exitCode: number) {
  return {
    schema_version: SUMMARY_SCHEMA_VERSION,
    tool: 'brevo-invite' as const,
    version: ctx.version,
    run_id: ctx.runId,
    command: ctx.command,
    started_at: iso(ctx.startedAt),
    finished_at: iso(ctx.finishedAt),
    elapsed_ms: ctx.finishedAt - ctx.startedAt,
    exit_code: exitCode,
    exit_meaning: EXIT_MEANING[exitCode] ?? 'unknown',
    base_url: ctx.baseUrl ?? null,
  };
}

/** The `--summary-json` document of a run. */
export function summaryJson(report: RunReport, ctx: SummaryContext, commands: NextCommands): SummaryDocument {
  const resumable = report.counts.deferred + report.counts.failed > 0 && report.command !== 'validate' && report.command !== 'plan';
  return {
    ...header(ctx, report.exitCode),
    stopped_for: report.stoppedFor ?? null,
    stop_detail: report.stopDetail ?? null,
    error: null,
    input: report.input,
    results: report.resultsPath,
    rows: report.total,
    left_input: report.leftInput,
    counts: report.counts,
    counts_kept: report.keptCounts ?? {},
    actions: report.actions,
    access_changed: report.accessChanged ?? 0,
    resends_postponed: report.resendsPostponed ?? 0,
    removed_since: report.removedSince ?? 0,
    requests: report.requests,
    rate_limited: report.rateLimited,
    work_ms: report.elapsedMs,
    budget: {
      limit: report.budget?.limit ?? null,
      remaining: report.budget?.remaining ?? null,
      reset_at: iso(report.budget?.resetAt),
      late_reset_ms: report.budget?.marginMs ?? null,
    },
    next_step: nextStep(report, commands),
    resume_command: resumable ? commands.resume : null,
    first_rows: report.problems?.rows ?? [],
    removals: report.removals ?? [],
    planned_requests: report.plannedRequests ?? null,
  };
}

/** An answer at the question is not a usage error, nor an interruption of work: its exit code's meaning says so. */
const AT_THE_QUESTION: Record<string, string> = {
  cancelled: 'answered no at the question: nothing was sent',
  interrupted: 'interrupted (Ctrl+C) at the question: nothing was sent',
};
const meaningOf = (exitCode: number, stoppedFor: string) => ({ exit_meaning: AT_THE_QUESTION[stoppedFor] ?? EXIT_MEANING[exitCode] ?? 'unknown' });

/**
 * The summary of a run that stopped on an error: before it could work (a usage error, a held
 * lock), or after its list call (a refused prune, a full disk), when `report` says what it did.
 */
export function failureSummary(ctx: SummaryContext, exitCode: number, stoppedFor: string, message: string, commands: NextCommands, report?: RunReport): SummaryDocument {
  const locked = stoppedFor === 'locked';
  const resume = locked || stoppedFor === 'system' ? commands.resume : null;
  if (report !== undefined) {
    return { ...summaryJson({ ...report, exitCode }, ctx, commands), ...meaningOf(exitCode, stoppedFor), stopped_for: stoppedFor, stop_detail: message, error: message, next_step: message, resume_command: resume };
  }
  return {
    ...header(ctx, exitCode),
    ...meaningOf(exitCode, stoppedFor),
    stopped_for: stoppedFor,
    stop_detail: message,
    error: message,
    input: ctx.input ?? null,
    results: ctx.results ?? null,
    rows: 0,
    left_input: 0,
    counts: null,
    counts_kept: null,
    actions: null,
    access_changed: 0,
    resends_postponed: 0,
    removed_since: 0,
    requests: 0,
    rate_limited: 0,
    work_ms: 0,
    budget: { limit: null, remaining: null, reset_at: null, late_reset_ms: null },
    next_step: locked ? `another run is writing the same results; this one is tried again by: ${commands.resume}` : message,
    resume_command: locked || stoppedFor === 'system' ? commands.resume : null,
    first_rows: [],
    removals: [],
    planned_requests: null,
  };
}
