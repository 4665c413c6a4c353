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
 * Hostile ones, not in the default set (for checking what a run believes):
 * - `echo_key`: refused with a 400 whose message repeats the request's api-key header;
 *   `echo_key_escaped` does so JSON-escaped (`\u0078keysib-...`).
 * - `html_404`, `html_200`: a gateway answers 404 (or a proxy 200) with an HTML page; nothing is
 *   processed.
 * - `done_404`: the request is processed, then the answer is a 404 "User not found".
 * - `hang`: no answer at all, and nothing processed, until the client gives up.
 * - `empty_list` (on the list call, with faultsOnList): `{"users": []}`.
 * - `answer_first`: the request is processed and answered at once, but the users list shows the
 *   change only --slow later (Brevo recording some seconds after it answered).
 */
export const FAULTS = ['http_500', 'http_503', 'reset_before', 'reset_after', 'slow', 'gateway_502', 'late_record', 'echo_key', 'echo_key_escaped', 'html_404', 'html_200', 'done_404', 'empty_list', 'hang', 'answer_first'] as const;
export type Fault = (typeof FAULTS)[number];

const HOSTILE: ReadonlySet<Fault> = new Set(['echo_key', 'echo_key_escaped', 'html_404', 'html_200', 'done_404', 'empty_list', 'hang', 'answer_first']);

/** The faults injected when --faults does not say: every one that a well-behaved run gets through. */
export const DEFAULT_FAULTS: readonly Fault[] = FAULTS.filter((f) => !HOSTILE.has(f));

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
