/**
 * The end of every command that runs a batch, whatever the exit: the `--summary-json` document
 * (written on every exit, so that a stale one never passes for tonight's), the human summary, and
 * the one sentence of an error. Without a terminal, an error is a JSON line on stderr, like every
 * other line there.
 */
import { createRequire } from 'node:module';
import { describeError, isAppError, isSystemError, type ErrorCode } from '../errors.js';
import { EXIT, type RunReport } from '../run/report.js';
import { foldToWidth } from './fold.js';
import type { CliIo } from './io.js';
import { printSummary, writeSummaryJson } from './output.js';
import { failureSummary, renderSummary, resumeCommand, sendCommandFor, summaryJson, type NextCommands, type SummaryContext } from './summary.js';

export const { version: VERSION } = createRequire(import.meta.url)('../../package.json') as { version: string };

export const EXIT_FOR: Record<ErrorCode, number> = {
  usage: EXIT.usage,
  config: EXIT.usage,
  input: EXIT.usage,
  results: EXIT.usage,
  cancelled: EXIT.usage,
  interrupted: EXIT.interrupted,
  locked: EXIT.deferred,
  refused: EXIT.usage,
  system: EXIT.internal,
};

/** What one invocation knows of itself, for the summary. */
export interface Session {
  runId: string;
  startedAt: number;
  command: string;
  /** Where --summary-json goes (`-`: stdout), once known. */
  summaryTarget?: string | undefined;
  /** The input file as given, and its results path, once known. */
  input?: string | undefined;
  results?: string | undefined;
  baseUrl?: string | undefined;
}

const commandsFor = (io: CliIo): NextCommands => ({ resume: resumeCommand(io.args), send: sendCommandFor(io.args) });

const context = (session: Session): SummaryContext => ({
  version: VERSION,
  runId: session.runId,
  command: session.command,
  startedAt: session.startedAt,
  finishedAt: Date.now(),
  baseUrl: session.baseUrl,
  input: session.input,
  results: session.results,
});

/** One sentence for the person: plain text at a terminal, a JSON line (as pino writes them) otherwise. */
export function sayError(io: CliIo, said: string, fields: Record<string, unknown> = {}): void {
  const message = io.maskEmails?.(said) ?? said;
  if (io.stderr.isTTY === true) {
    io.stderr.write(foldToWidth(`brevo-invite: ${message}`, io.stderr.columns));
    return;
  }
  io.stderr.write(`${JSON.stringify({ level: 50, time: new Date().toISOString(), run_id: io.runId, ...fields, msg: message })}\n`);
}

/** Writes the summaries of a finished run; returns its exit code. */
export function finishRun(io: CliIo, session: Session, report: RunReport): number {
  const commands = commandsFor(io);
  if (session.summaryTarget !== undefined) writeSummaryJson(session.summaryTarget, io.cwd, summaryJson(report, context(session), commands), io);
  printSummary(io, renderSummary(report, commands), session.summaryTarget);
  return report.exitCode;
}

/** What the person reads about an error that is not one of ours (exit 70): one sentence, then what to do. */
export function failureMessage(err: unknown): string {
  const after = 'Rows that had finished are in the results file';
  // The disk or the system refused (no space left, no permission, ...): not a bug of ours.
  if (isSystemError(err)) return `${describeError(err)}. ${after}; fix this, then run again (with --resume after a send).`;
  return `unexpected error: ${describeError(err)}. This is a bug; please report it with the command you ran. ${after}.`;
}

/** An error ends the command: one sentence, the summary that says so, and the exit code. */
export function finishWithError(io: CliIo, session: Session, err: unknown, { said = false } = {}): number {
  const code = isAppError(err) ? EXIT_FOR[err.code] : EXIT.internal;
  const stoppedFor = isAppError(err) ? err.code : isSystemError(err) ? 'system' : 'internal';
  const message = isAppError(err) ? err.message : failureMessage(err);
  if (!said) sayError(io, message, { exit_code: code, stopped_for: stoppedFor });
  const outcome = isAppError(err) ? err.outcome : undefined;
  if (outcome?.baseUrl !== undefined) session.baseUrl = outcome.baseUrl;
  if (session.summaryTarget !== undefined) {
    try {
      writeSummaryJson(session.summaryTarget, io.cwd, failureSummary(context(session), code, stoppedFor, message, commandsFor(io), outcome?.report), io);
    } catch (writeErr) {
      sayError(io, `the summary could not be written to ${session.summaryTarget}: ${describeError(writeErr)}`);
    }
  }
  return code;
}
