/** Edit distance (Levenshtein) between two short names, stopping early once it exceeds `max`. */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The candidate closest to `input`, if it is close enough to be a plausible typo: within a third of
 * the word's length (at least 2 edits), or when one name starts with the other ("contact" / "contacts").
 */
export function nearest<T extends string>(input: string, candidates: readonly T[]): T | undefined {
  const max = Math.max(2, Math.floor(input.length / 3));
  let best: T | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(input, candidate, max);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best !== undefined && bestDistance <= max) return best;
  if (input.length >= 4) return candidates.find((c) => c.startsWith(input) || input.startsWith(c));
  return undefined;
}

export const didYouMean = (input: string, candidates: readonly string[]): string => {
  const guess = nearest(input, candidates);
  return guess === undefined ? '' : ` (did you mean "${guess}"?)`;
};
