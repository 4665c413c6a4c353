/** What a command may touch of the outside world; tests pass their own. */
import type { Readable, Writable } from 'node:stream';
import type { InterruptHandlers } from '../run/send-run.js';
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
   * ends the process at once with 130. Returns a function that removes the handlers.
   */
  onInterrupt: (handlers: InterruptHandlers) => () => void;
}

export const logFormatFor = (io: CliIo, chosen: LogFormat | undefined): LogFormat =>
  chosen ?? (io.stderr.isTTY === true ? 'pretty' : 'json');

export function logSettings(io: CliIo, options: { logFormat?: LogFormat | undefined; logLevel?: LogLevel | undefined }) {
  const format = logFormatFor(io, options.logFormat);
  return { format, level: options.logLevel ?? DEFAULTS.logLevel[format], colorize: format === 'pretty' && io.stderr.isTTY === true && io.env.NO_COLOR === undefined };
}
