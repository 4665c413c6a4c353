/** What a command may touch of the outside world; tests pass their own. */
import type { Readable, Writable } from 'node:stream';
import type { InterruptHandlers } from '../run/ports.js';
import { DEFAULTS, type Env, type LogFormat, type LogLevel } from './options.js';

export interface TtyWritable extends Writable {
  isTTY?: boolean;
  columns?: number;
}

export interface CliIo {
  stdout: TtyWritable;
  stderr: TtyWritable;
  stdin: Readable & { isTTY?: boolean };
  env: Env;
  cwd: string;
  /** The arguments after the program name, as typed (for the resume command). */
  args: readonly string[];
  /**
   * Registers what to do on SIGINT/SIGTERM: the first prints `notice` and calls `stop` (finish
   * what is in flight, then end normally); a second calls `flushNow`, prints `flushedNotice` and
   * ends the process at once with 130 (SIGINT) or 143 (SIGTERM). With `exitAtOnce`, the first does
   * that already. Temporary files of a rewrite are removed before the process ends. Returns a
   * function that removes the handlers.
   */
  onInterrupt: (handlers: InterruptHandlers) => () => void;
  /** This invocation's id, in every log line and in the summary (set by runCli). */
  runId?: string | undefined;
  /** --log-emails no or hash: what becomes of the addresses in a line on stderr (set once the options are read). */
  maskEmails?: ((text: string) => string) | undefined;
}

/** Colour codes only on a terminal that can show them (not TERM=dumb, not NO_COLOR). */
export const colours = (io: Pick<CliIo, 'stderr' | 'env'>): boolean => io.stderr.isTTY === true && io.env.NO_COLOR === undefined && io.env.TERM !== 'dumb';

export const logFormatFor = (io: CliIo, chosen: LogFormat | undefined): LogFormat =>
  chosen ?? (io.stderr.isTTY === true ? 'pretty' : 'json');

export function logSettings(io: CliIo, options: { logFormat?: LogFormat | undefined; logLevel?: LogLevel | undefined }) {
  const format = logFormatFor(io, options.logFormat);
  return { format, level: options.logLevel ?? DEFAULTS.logLevel[format], colorize: format === 'pretty' && colours(io) };
}
