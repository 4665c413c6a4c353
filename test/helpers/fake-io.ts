/** An in-memory terminal for running the CLI in-process: scripted stdin, captured stdout/stderr. */
import { PassThrough, Writable } from 'node:stream';
import type { CliIo, TtyWritable } from '../../src/cli/io.js';
import { ROOT } from './cli.js';

export class Capture extends Writable implements TtyWritable {
  text = '';
  isTTY: boolean;
  columns = 120;

  constructor(isTTY = false) {
    super();
    this.isTTY = isTTY;
  }

  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }

  // cli-progress asks a terminal stream to move the cursor; a capture just records.
  cursorTo(): boolean {
    return true;
  }
  clearLine(): boolean {
    return true;
  }
  moveCursor(): boolean {
    return true;
  }
}

export function fakeIo(options: { tty?: boolean; input?: string; env?: Record<string, string>; cwd?: string; args?: string[] } = {}) {
  const stdin = Object.assign(new PassThrough(), { isTTY: options.tty ?? false });
  if (options.input !== undefined) stdin.end(options.input);
  const stdout = new Capture(options.tty);
  const stderr = new Capture(options.tty);
  const io: CliIo = {
    stdin,
    stdout,
    stderr,
    env: options.env ?? {},
    cwd: options.cwd ?? ROOT,
    args: options.args ?? [],
    onInterrupt: () => () => {},
  };
  return { io, stdout, stderr };
}
