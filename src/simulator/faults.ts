/**
 * Faults the simulator can inject into the requests that change the account, to rehearse what a
 * real network, a busy server and the proxies in between do:
 * - `http_500`, `http_503`: a server error; nothing is processed.
 * - `reset_before`: the connection is cut before the request is processed.
 * - `reset_after`: the request is processed, then the connection is cut (the client never learns
 *   it succeeded).
 * - `slow`: the request is processed, and the answer comes late (past a short --timeout).
 * - `gateway_502`: the request is processed, then a gateway answers 502 with an HTML page.
 * - `late_record`: the server holds the request for --slow, and only then processes it and
 *   answers: a client that gave up meanwhile finds the request in the users list only later.
 * - `echo_key`: refused with a 400 whose message repeats the request's api-key header (not in the
 *   default set: it is a hostile server, for checking that the key never shows).
 */
export const FAULTS = ['http_500', 'http_503', 'reset_before', 'reset_after', 'slow', 'gateway_502', 'late_record', 'echo_key'] as const;
export type Fault = (typeof FAULTS)[number];

/** The faults injected when --faults does not say: every one that a well-behaved run gets through. */
export const DEFAULT_FAULTS: readonly Fault[] = FAULTS.filter((f) => f !== 'echo_key');

export function parseFaults(text: string): Fault[] | undefined {
  const names = text.split(',').map((s) => s.trim().toLowerCase().replaceAll('-', '_')).filter((s) => s !== '');
  return names.every((n) => (FAULTS as readonly string[]).includes(n)) && names.length > 0 ? (names as Fault[]) : undefined;
}

/** Chooses the fault (if any) of each request: at `failRate`, one of `kinds`, by the seeded random. */
export function faultPicker(failRate: number, kinds: readonly Fault[], random: () => number): () => Fault | undefined {
  return () => {
    const roll = random();
    const pick = random();
    if (roll >= failRate || kinds.length === 0) return undefined;
    return kinds[Math.floor(pick * kinds.length)];
  };
}
