/**
 * The few error classes the program throws. Each has a stable string `code`; the CLI maps them to
 * exit codes and prints `message`, which is written for the person running the tool. The original
 * error, when there is one, is kept as `cause` for debug logs.
 */
import type { RunReport } from './run/report.js';

export type ErrorCode =
  | 'usage' // a bad flag, option or environment value
  | 'config' // a roles file, key file or base URL that cannot be used
  | 'input' // the CSV cannot be read at all (empty, binary, no email column, ...)
  | 'results' // an existing results file that is not ours or is damaged
  | 'locked' // another run holds the lock on the results file
  | 'cancelled' // the person answered "no" at the confirmation prompt
  | 'interrupted' // Ctrl+C at the confirmation prompt: nothing was sent
  | 'refused' // a safeguard refused the run (a prune that could empty the account): nothing was sent
  | 'system'; // the system refused (a full disk) after requests were sent: the message says how to go on

export class AppError extends Error {
  readonly code: ErrorCode;
  /** What the run had done when it stopped on this error (after its list call), for the summary. */
  outcome?: { report: RunReport; baseUrl?: string | undefined } | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
  }
}

export const usageError = (message: string, cause?: unknown) => new AppError('usage', message, { cause });
export const configError = (message: string, cause?: unknown) => new AppError('config', message, { cause });
export const inputError = (message: string, cause?: unknown) => new AppError('input', message, { cause });

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** An error from the operating system (ENOSPC, EACCES, EROFS, ...), as Node reports it: not a bug. */
export function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  // Not `instanceof Error`: errors made by Node itself can come from another realm (a test VM).
  if (typeof err !== 'object' || err === null) return false;
  const e = err as NodeJS.ErrnoException;
  return typeof e.syscall === 'string' && typeof e.message === 'string' && /^E[A-Z]+$/.test(String(e.code));
}

/** A short description of an unknown thrown value, for messages. Never includes a stack. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code !== undefined && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
