/**
 * The journal beside the results file (`<results>.journal`): one JSON line written, synchronously,
 * just before each request starts, with the action and the time. If the process dies between
 * sending and recording the answer, the next `--resume` knows which rows were in flight, and since
 * when, and settles them against Brevo's users list before sending anything (Brevo may record a
 * request seconds after it was sent: the time says when the list can be trusted).
 *
 * A request whose outcome is still unknown when a run ends keeps its line: the journal is then
 * rewritten with those lines only (and removed when there are none). A process killed with
 * SIGKILL cannot lose a completed write(2); against a power cut the journal is fsynced once a
 * second in the background, so that no request waits for the disk. If a line cannot be written
 * (a full disk), the request is not sent.
 */
import { closeSync, fsync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { ACTION_NAMES, type ActionName } from '../types.js';
import { normalizeEmail } from '../validate/email.js';

const FLUSH_EVERY_MS = 1000;

export const journalPath = (resultsPath: string) => `${resultsPath}.journal`;

export interface JournalEntry {
  email: string;
  action: ActionName;
  line: number;
  /** When the request started (ms since epoch). */
  at: number;
}

const lineOf = (e: JournalEntry) => `${JSON.stringify({ sending: e.email, action: e.action, line: e.line, at: new Date(e.at).toISOString() })}\n`;

/** Writes all of `text` (a short write is continued, an error thrown). */
function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
}

export class Journal {
  readonly #fd: number;
  #dirty = false;
  readonly #timer: NodeJS.Timeout;
  /** Per email, the last request started: what a row still unknown at the end keeps. */
  readonly #last = new Map<string, JournalEntry>();

  /** Starts the journal with the entries still unsettled from earlier runs (the old file has been read). */
  constructor(
    readonly path: string,
    carried: readonly JournalEntry[] = [],
  ) {
    // Replaced whole (a temporary file, then a rename): at every instant the journal on disk is the
    // old one or the new one, never a truncated one that forgot the requests it carries.
    const tmp = `${path}.tmp-${process.pid}`;
    try {
      writeFileSync(tmp, carried.map(lineOf).join(''), { mode: 0o600 });
      renameSync(tmp, path);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
    this.#fd = openSync(path, 'a', 0o600);
    for (const e of carried) this.#last.set(normalizeEmail(e.email), e);
    this.#timer = setInterval(() => {
      if (!this.#dirty) return;
      this.#dirty = false;
      fsync(this.#fd, () => {});
    }, FLUSH_EVERY_MS);
    this.#timer.unref();
  }

  intent(entry: JournalEntry): void {
    writeAll(this.#fd, lineOf(entry));
    this.#last.set(normalizeEmail(entry.email), entry);
    this.#dirty = true;
  }

  /**
   * The last request started for `email`, this run or (carried) an earlier one. A row whose outcome
   * is still unknown at the end keeps this one: Brevo's list may be trusted only from its start on.
   */
  last(email: string): JournalEntry | undefined {
    return this.#last.get(normalizeEmail(email));
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

/** Per email, the last request the journal says was started; empty when there is no journal. */
export function readJournal(path: string): Map<string, JournalEntry> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return new Map();
  }
  const entries = new Map<string, JournalEntry>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const e = JSON.parse(line) as { sending?: unknown; action?: unknown; line?: unknown; at?: unknown };
      if (typeof e.sending !== 'string') continue;
      const at = typeof e.at === 'string' ? Date.parse(e.at) : NaN;
      const email = normalizeEmail(e.sending);
      entries.set(email, {
        email,
        // Journals of the first version had no action: they only ever invited.
        action: (ACTION_NAMES as readonly unknown[]).includes(e.action) ? (e.action as ActionName) : 'invite',
        line: typeof e.line === 'number' ? e.line : 0,
        at: Number.isNaN(at) ? 0 : at,
      });
    } catch {
      // A line cut short by a crash: the request it announced had not started.
    }
  }
  return entries;
}

/** At the end of a run: keep the entries whose outcome is still unknown, or remove the journal. */
export function settleJournal(path: string, stillUnknown: readonly JournalEntry[]): void {
  if (stillUnknown.length === 0) {
    rmSync(path, { force: true });
    return;
  }
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, stillUnknown.map(lineOf).join(''), { mode: 0o600 });
  renameSync(tmp, path);
}
