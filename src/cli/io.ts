/** What a command may touch of the outside world; tests pass their own. */
import type { Readable, Writable } from 'node:stream';
import type { Env, LogFormat } from './options.js';

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
  /** Registers a handler for SIGINT/SIGTERM; returns a function that removes it. */
  onSignal: (handler: (signal: NodeJS.Signals) => void) => () => void;
}

export const logFormatFor = (io: CliIo, chosen: LogFormat | undefined): LogFormat =>
  chosen ?? (io.stderr.isTTY === true ? 'pretty' : 'json');
