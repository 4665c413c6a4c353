/**
 * Remembers the first line of every email seen, so a later row with the same address (compared
 * trimmed and case-insensitively: the validator lower-cases) can name it.
 */
export class FirstSeen {
  readonly #lines = new Map<string, number>();

  /** Records `email` at `line` if it is new; otherwise returns the line where it first appeared. */
  claim(email: string, line: number): number | undefined {
    const first = this.#lines.get(email);
    if (first !== undefined) return first;
    this.#lines.set(email, line);
    return undefined;
  }
}
