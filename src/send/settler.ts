/**
 * Settles rows whose request may or may not have been processed (a timeout, a connection reset
 * after sending). Before such a row is sent again, its email is looked up in the invited-users
 * list. One list call settles every row that was waiting when it started: rows that become
 * unknown while a call is under way wait for the next one, since the running call may have
 * been answered before their request reached Brevo.
 */
import type { UserState } from './users.js';

/** Fetches the list; undefined when it could not be had (the rows then stay unknown). */
export type ListUsers = () => Promise<Map<string, UserState> | undefined>;

export class Settler {
  readonly #list: ListUsers;
  #next: Promise<Map<string, UserState> | undefined> | undefined;
  #running: Promise<unknown> | undefined;

  constructor(list: ListUsers) {
    this.#list = list;
  }

  /** True when Brevo has the email, false when it does not, undefined when the list failed. */
  async isInvited(email: string): Promise<boolean | undefined> {
    const users = await this.#nextList();
    return users === undefined ? undefined : users.has(email);
  }

  #nextList(): Promise<Map<string, UserState> | undefined> {
    if (this.#next !== undefined) return this.#next;
    const previous = this.#running ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(() => {
        // From here on, rows that become unknown must wait for a call that starts after them.
        this.#next = undefined;
        const call = this.#list();
        this.#running = call;
        return call;
      });
    this.#next = next;
    return next;
  }
}
