/**
 * The journal beside the results file (`<results>.journal`): one JSON line written, synchronously,
 * just before each invitation request starts. If the process dies between sending and recording
 * the answer, the next `--resume` knows which rows were in flight and settles them against
 * Brevo's invited-users list before sending anything. (A process killed with SIGKILL cannot lose
 * a completed write(2); against a power cut, the journal is fsynced once a second, as the results
 * are, in the background, so that no request waits for the disk.)
 */
import { closeSync, fsync, fsyncSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';

const FLUSH_EVERY_MS = 1000;
import { normalizeEmail } from '../validate/email.js';

export const journalPath = (resultsPath: string) => `${resultsPath}.journal`;

export class Journal {
  readonly #fd: number;
  #dirty = false;
  readonly #timer: NodeJS.Timeout;

  /** Starts an empty journal (the previous one, if any, must have been read and settled first). */
  constructor(path: string) {
    this.#fd = openSync(path, 'w');
    this.#timer = setInterval(() => {
      if (!this.#dirty) return;
      this.#dirty = false;
      fsync(this.#fd, () => {});
    }, FLUSH_EVERY_MS);
    this.#timer.unref();
  }

  intent(line: number, email: string): void {
    writeSync(this.#fd, `${JSON.stringify({ sending: email, line, at: new Date().toISOString() })}\n`);
    this.#dirty = true;
  }

  close(): void {
    clearInterval(this.#timer);
    try {
      fsyncSync(this.#fd);
    } finally {
      closeSync(this.#fd);
    }
  }
}

/** Emails whose request was started, per the journal; empty when there is no journal. */
export function readJournal(path: string): Set<string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return new Set();
  }
  const emails = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const entry = JSON.parse(line) as { sending?: unknown };
      if (typeof entry.sending === 'string') emails.add(normalizeEmail(entry.sending));
    } catch {
      // A line cut short by a crash: the request it announced had not started.
    }
  }
  return emails;
}

export function removeJournal(path: string): void {
  rmSync(path, { force: true });
}
