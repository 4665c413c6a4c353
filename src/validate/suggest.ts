import { wordList } from './quote.js';

// Two rows of the distance table, reused: a suggestion may compare a name with thousands of roles.
let prevRow = new Int32Array(64);
let curRow = new Int32Array(64);

/**
 * Edit distance (Levenshtein) between two short names, stopping early once it exceeds `max`. Only
 * the cells within `max` of the diagonal are computed: the others are over `max` anyway.
 */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  if (prevRow.length <= b.length) [prevRow, curRow] = [new Int32Array(b.length + 1), new Int32Array(b.length + 1)];
  const over = Math.min(max, a.length + b.length) + 1;
  let prev = prevRow;
  let cur = curRow;
  for (let j = 0; j <= b.length; j++) prev[j] = j <= max ? j : over;
  for (let i = 1; i <= a.length; i++) {
    const from = Math.max(1, i - max);
    const to = Math.min(b.length, i + max);
    cur[0] = i <= max ? i : over;
    if (from > 1) cur[from - 1] = over;
    let rowMin = cur[0]!;
    const ai = a.charCodeAt(i - 1);
    for (let j = from; j <= to; j++) {
      const cost = ai === b.charCodeAt(j - 1) ? 0 : 1;
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost, over);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (to < b.length) cur[to + 1] = over;
    if (rowMin >= over) return max + 1;
    [prev, cur] = [cur, prev];
  }
  const d = prev[b.length]!;
  return d >= over ? max + 1 : d;
}

/**
 * Up to `count` candidates close enough to `input` to be a plausible typo, nearest first: within a
 * third of the word's length (at least 2 edits); failing that, one name that starts with the other
 * ("contact" / "contacts"). With `maxEdits`, only candidates within that many edits.
 */
export function nearestFew<T extends string>(input: string, candidates: readonly T[], count: number, maxEdits?: number): T[] {
  const max = maxEdits ?? Math.max(2, Math.floor(input.length / 3));
  // The best `count` so far, nearest first (ties keep the earlier candidate). Once there are enough,
  // only a nearer one matters, so the search narrows: thousands of roles stay cheap to look through.
  const best: Array<{ candidate: T; distance: number }> = [];
  const letters = letterCounts(input);
  let limit = max;
  for (const candidate of candidates) {
    if (Math.abs(input.length - candidate.length) > limit || letterDifference(letters, input.length, candidate) > limit) continue;
    const distance = editDistance(input, candidate, limit);
    if (distance > limit) continue;
    let at = best.length;
    while (at > 0 && best[at - 1]!.distance > distance) at--;
    best.splice(at, 0, { candidate, distance });
    if (best.length > count) best.pop();
    if (best.length === count) limit = best[count - 1]!.distance - 1;
    if (limit < 0) break;
  }
  if (best.length > 0 || maxEdits !== undefined) return best.map((b) => b.candidate);
  const prefixed = input.length >= 4 ? candidates.find((c) => c.startsWith(input) || input.startsWith(c)) : undefined;
  return prefixed === undefined ? [] : [prefixed];
}

const BUCKETS = 256;
const spare = new Int32Array(BUCKETS);

/** How many times each character occurs, by a hash of its code. */
function letterCounts(text: string): Int32Array {
  const counts = new Int32Array(BUCKETS);
  for (let i = 0; i < text.length; i++) counts[text.charCodeAt(i) & (BUCKETS - 1)]!++;
  return counts;
}

/**
 * A lower bound of the edit distance, far cheaper to compute: the characters one name has and the
 * other lacks, counted as multisets (one edit fixes at most one of them on each side). Characters
 * that share a hash bucket only make the bound lower, so it stays a bound.
 */
function letterDifference(counts: Int32Array, length: number, candidate: string): number {
  spare.set(counts);
  let extra = 0;
  for (let i = 0; i < candidate.length; i++) {
    const bucket = candidate.charCodeAt(i) & (BUCKETS - 1);
    if (spare[bucket]! > 0) spare[bucket]!--;
    else extra++;
  }
  return Math.max(extra, length - (candidate.length - extra));
}

/** The candidate closest to `input`, if it is close enough to be a plausible typo. */
export const nearest = <T extends string>(input: string, candidates: readonly T[]): T | undefined => nearestFew(input, candidates, 1)[0];

/** ` (did you mean "a", "b" or "c"?)`, or '' when nothing is close. */
export function didYouMean(input: string, candidates: readonly string[], count = 1): string {
  const guesses = nearestFew(input, candidates, count).map((g) => `"${g}"`);
  return guesses.length === 0 ? '' : ` (did you mean ${wordList(guesses, 'or')}?)`;
}
