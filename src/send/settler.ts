/**
 * Settles rows whose request may or may not have been processed (a timeout, a connection reset
 * after sending, a 5xx from a gateway): before such a row is sent again, its email is looked up in
 * the invited-users list, which says whether the request took effect.
 *
 * A list call costs a request of the hourly budget, as an invitation does, so the settler waits
 * for the quiet moment: it calls the list only when no other row is still being sent (every row
 * left is either finished or waiting here). One call then settles every row that waited, however
 * many faults the batch met.
 *
 * Brevo may record a request some seconds after it answered (or after the client gave up), so a
 * list that does not show it yet proves nothing for a request started a moment ago. Each row
 * says from when the list may be trusted to say "not there" (`notBefore`: its last request's start
 * plus a grace period); the call waits until the latest of them, within --max-wait. A row whose
 * time has not come when the call is made (the wait would have been longer than --max-wait) is
 * answered "not trusted", and the caller defers it.
 */
import type { Clock } from '../clock.js';
import type { UserState, Users } from './users.js';

/** Fetches the list; undefined when it could not be had (the rows then stay unknown). */
export type ListUsers = () => Promise<Users | undefined>;

export interface ListVerdict {
  state: UserState | undefined;
  /** Whether the list was taken late enough to say "not done" for this row's request. */
  trusted: boolean;
}

export interface SettlerOptions {
  clock: Clock;
  maxWaitMs: number;
  /** Aborted when the run stops: no list call is made any more, the rows stay unknown. */
  signal: AbortSignal;
  /** Told when the call waits for requests to be recorded (for the progress display). */
  onWait?: ((until: number | undefined, rows: number) => void) | undefined;
}

interface Waiter {
  email: string;
  notBefore: number;
  resolve: (verdict: ListVerdict | undefined) => void;
}

export class Settler {
  readonly #list: ListUsers;
  readonly #options: SettlerOptions;
  /** Rows neither finished nor waiting here: while any is left, the list call waits. */
  #busy: number;
  #waiters: Waiter[] = [];
  #calling = false;

  /** `rows`: how many rows the run has in all (each one ends with `rowDone`). */
  constructor(list: ListUsers, rows: number, options: SettlerOptions) {
    this.#list = list;
    this.#busy = rows;
    this.#options = options;
  }

  /** A row finished for good. */
  rowDone(): void {
    this.#busy--;
    this.#maybeCall();
  }

  /** What the list says of `email`; undefined when the list could not be had (or the run stops). */
  check(email: string, notBefore: number): Promise<ListVerdict | undefined> {
    return new Promise((resolve) => {
      this.#busy--;
      this.#waiters.push({ email, notBefore, resolve });
      this.#maybeCall();
    });
  }

  #maybeCall(): void {
    if (this.#calling || this.#busy > 0 || this.#waiters.length === 0) return;
    const batch = this.#waiters;
    this.#waiters = [];
    this.#calling = true;
    void this.#settle(batch);
  }

  async #settle(batch: readonly Waiter[]): Promise<void> {
    const { clock, maxWaitMs, signal, onWait } = this.#options;
    const latest = Math.max(...batch.map((w) => w.notBefore));
    if (latest - clock.now() > 0 && latest - clock.now() <= maxWaitMs && !signal.aborted) {
      onWait?.(latest, batch.length);
      // A timer may fire a millisecond before the wall clock says it is due: wait until it does.
      for (let wait = latest - clock.now(); wait > 0 && !signal.aborted; wait = latest - clock.now()) await clock.sleep(wait, signal);
      onWait?.(undefined, 0);
    }
    let users: Users | undefined;
    const takenAt = clock.now();
    if (!signal.aborted) users = await this.#list().catch(() => undefined);
    this.#busy += batch.length;
    this.#calling = false;
    for (const w of batch) w.resolve(users === undefined ? undefined : { state: users.get(w.email), trusted: takenAt >= w.notBefore });
  }
}
