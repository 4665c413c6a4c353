/**
 * The results file while a send runs. It starts as a full snapshot in input order (rows still to
 * send are `deferred`); each row that finishes is appended at once (a later row for the same line
 * supersedes an earlier one), and the file is fsynced at least once a second. When the run ends
 * the file is rewritten in input order, one row per line, through a temporary file and a rename,
 * so the file on disk is a valid CSV at every instant.
 *
 * If an append fails (the disk is full), the file is cut back to its last whole row, so that
 * --resume can read it, nothing more is appended, and `onFailure` is told: the run stops starting
 * requests. The rows that could not be written are not lost for Brevo's part: the journal has
 * every request that was sent, and --resume settles those against the users list.
 */
import { closeSync, fstatSync, fsync, fsyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import type { RowResult } from '../types.js';
import { csvRows, writeResults } from './results-file.js';

const FLUSH_EVERY_MS = 1000;

export class LiveResults {
  readonly path: string;
  readonly #carriedNames: readonly string[];
  #fd: number | undefined;
  #size = 0;
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;
  #failure: unknown;
  readonly #onFailure: (err: unknown) => void;

  private constructor(path: string, carriedNames: readonly string[], onFailure: (err: unknown) => void) {
    this.path = path;
    this.#carriedNames = carriedNames;
    this.#onFailure = onFailure;
  }

  /** Writes the snapshot and opens the file for appending. */
  static async start(path: string, carriedNames: readonly string[], rows: readonly RowResult[], onFailure: (err: unknown) => void = () => {}): Promise<LiveResults> {
    const live = new LiveResults(path, carriedNames, onFailure);
    await writeResults(path, carriedNames, [rows]);
    live.#fd = openSync(path, 'a');
    live.#size = fstatSync(live.#fd).size;
    live.#timer = setInterval(() => live.#flush(), FLUSH_EVERY_MS);
    live.#timer.unref();
    return live;
  }

  /** Why appending stopped, if it did. */
  get failure(): unknown {
    return this.#failure;
  }

  /** Appends a finished row; synchronous, so it is in the file before anything else happens. */
  append(row: RowResult): void {
    const fd = this.#fd;
    if (fd === undefined || this.#failure !== undefined) return;
    const bytes = Buffer.from(csvRows([row]));
    try {
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
      this.#size += bytes.length;
      this.#dirty = true;
    } catch (err) {
      this.#failure = err;
      try {
        ftruncateSync(fd, this.#size); // no half row at the end: the file stays readable
      } catch {
        // --resume still reads a file whose last row was cut short.
      }
      this.#onFailure(err);
    }
  }

  #flush(): void {
    if (this.#fd === undefined || !this.#dirty) return;
    this.#dirty = false;
    fsync(this.#fd, () => {});
  }

  /** For an immediate exit: what was appended reaches the disk, nothing else is written. */
  closeNow(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    if (this.#fd === undefined) return;
    try {
      fsyncSync(this.#fd);
    } catch {
      // The disk refused: what is there stays there.
    } finally {
      closeSync(this.#fd);
      this.#fd = undefined;
    }
  }

  /** The final rewrite: every row once, in the order given. */
  async finish(rows: readonly RowResult[]): Promise<void> {
    this.closeNow();
    await writeResults(this.path, this.#carriedNames, [rows]);
  }
}
