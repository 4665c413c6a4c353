/**
 * Faults the simulator can inject into invitation requests, to rehearse what a real network and a
 * busy server do:
 * - `http_500`, `http_503`: a server error; nothing is processed.
 * - `reset_before`: the connection is cut before the request is processed.
 * - `reset_after`: the invitation is processed, then the connection is cut (the client never
 *   learns it succeeded).
 * - `slow`: the invitation is processed, and the answer comes late (past a short --timeout).
 */
export const FAULTS = ['http_500', 'http_503', 'reset_before', 'reset_after', 'slow'] as const;
export type Fault = (typeof FAULTS)[number];

export function parseFaults(text: string): Fault[] | undefined {
  const names = text.split(',').map((s) => s.trim().toLowerCase().replaceAll('-', '_')).filter((s) => s !== '');
  return names.every((n) => (FAULTS as readonly string[]).includes(n)) && names.length > 0 ? (names as Fault[]) : undefined;
}

/** Chooses the fault (if any) of each invitation request: at `failRate`, one of `kinds`, by the seeded random. */
export function faultPicker(failRate: number, kinds: readonly Fault[], random: () => number): () => Fault | undefined {
  return () => {
    const roll = random();
    const pick = random();
    if (roll >= failRate || kinds.length === 0) return undefined;
    return kinds[Math.floor(pick * kinds.length)];
  };
}
