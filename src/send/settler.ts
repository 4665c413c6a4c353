/**
 * Settles rows whose request may or may not have been processed (a timeout, a connection reset
 * after sending). Before such a row is sent again, its email is looked up in the invited-users
 * list.
 *
 * A list call costs a request of the hourly budget, as an invitation does, so the settler waits
 * for the quiet moment: it calls the list only when no other row is still being sent (every row
 * left is either finished or waiting here). One call then settles every row that waited, however
 * many faults the batch met, and a slow request Brevo was still processing has had the longest
 * time to land. Since nothing is sent while the call runs, no row can become unknown after the
 * call started and be read from a list taken before its request arrived.
 */
import type { UserState } from './users.js';

/** Fetches the list; undefined when it could not be had (the rows then stay unknown). */
export type ListUsers = () => Promise<Map<string, UserState> | undefined>;

interface Waiter {
  email: string;
  resolve: (invited: boolean | undefined) => void;
}

export class Settler {
  readonly #list: ListUsers;
  /** Rows neither finished nor waiting here: while any is left, the list call waits. */
  #busy: number;
  #waiters: Waiter[] = [];
  #calling = false;

  /** `rows`: how many rows the run has in all (each one ends with `rowDone`). */
  constructor(list: ListUsers, rows: number) {
    this.#list = list;
    this.#busy = rows;
  }

  /** A row finished for good. */
  rowDone(): void {
    this.#busy--;
    this.#maybeCall();
  }

  /** True when Brevo has the email, false when it does not, undefined when the list failed. */
  isInvited(email: string): Promise<boolean | undefined> {
    return new Promise((resolve) => {
      this.#busy--;
      this.#waiters.push({ email, resolve });
      this.#maybeCall();
    });
  }

  #maybeCall(): void {
    if (this.#calling || this.#busy > 0 || this.#waiters.length === 0) return;
    const batch = this.#waiters;
    this.#waiters = [];
    this.#calling = true;
    const answer = (users: Map<string, UserState> | undefined) => {
      this.#busy += batch.length;
      this.#calling = false;
      for (const w of batch) w.resolve(users === undefined ? undefined : users.has(w.email));
    };
    this.#list().then(answer, () => answer(undefined));
  }
}
