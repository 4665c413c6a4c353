/**
 * The results file while a send runs. It starts as a full snapshot in input order (rows still to
 * send are `deferred`); each row that finishes is appended at once (a later row for the same line
 * supersedes an earlier one), and the file is fsynced at least once a second. When the run ends
 * the file is rewritten in input order, one row per line, through a temporary file and a rename,
 * so the file on disk is a valid CSV at every instant.
 */
import { closeSync, fsync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { RowResult } from '../types.js';
import { csvRows, writeResults } from './results-file.js';

const FLUSH_EVERY_MS = 1000;

export class LiveResults {
  readonly path: string;
  readonly #carriedNames: readonly string[];
  #fd: number | undefined;
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;

  private constructor(path: string, carriedNames: readonly string[]) {
    this.path = path;
    this.#carriedNames = carriedNames;
  }

  /** Writes the snapshot and opens the file for appending. */
  static async start(path: string, carriedNames: readonly string[], rows: readonly RowResult[]): Promise<LiveResults> {
    const live = new LiveResults(path, carriedNames);
    await writeResults(path, carriedNames, [rows]);
    live.#fd = openSync(path, 'a');
    live.#timer = setInterval(() => live.#flush(), FLUSH_EVERY_MS);
    live.#timer.unref();
    return live;
  }

  /** Appends a finished row; synchronous, so it is in the file before anything else happens. */
  append(row: RowResult): void {
    if (this.#fd === undefined) return;
    writeSync(this.#fd, csvRows([row]));
    this.#dirty = true;
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
