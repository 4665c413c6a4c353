/**
 * Secrets out of every text: the key is replaced wherever it appears, and so is what a server may
 * make of it when it echoes it back: other letter case, percent-encoding (of any character),
 * base64, or a part of it (a key cut short, or split by a line break).
 */
export const REDACTED = '[redacted]';

/** A part of a key at least this long is the key for our purpose (a real key is far longer). */
const PART = 16;
/** Parts are looked for from every STEP-th character: any part of PART + STEP - 1 characters is found. */
const STEP = 8;

const escapeRe = (c: string) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const percent = (c: string) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`;

/** The spans of `text` that repeat a part of `secret` of PART characters or more, ignoring case. */
function partsOf(text: string, secret: string): Array<[number, number]> {
  const lower = text.toLowerCase();
  // A character whose lower case is longer would shift every position: such a text is searched as it is.
  const hay = lower.length === text.length ? lower : text;
  const key = lower.length === text.length ? secret.toLowerCase() : secret;
  const spans: Array<[number, number]> = [];
  const starts = new Set<number>();
  for (let w = 0; w + PART <= key.length; w += STEP) starts.add(w);
  starts.add(key.length - PART);
  for (const w of starts) {
    const window = key.slice(w, w + PART);
    for (let at = hay.indexOf(window); at !== -1; at = hay.indexOf(window, at + 1)) {
      let [start, k] = [at, w];
      while (start > 0 && k > 0 && hay[start - 1] === key[k - 1]) [start, k] = [start - 1, k - 1];
      let [end, j] = [at + PART, w + PART];
      while (end < hay.length && j < key.length && hay[end] === key[j]) [end, j] = [end + 1, j + 1];
      spans.push([start, end]);
    }
  }
  return spans;
}

function scrubOne(text: string, secret: string): string {
  let out = text.replaceAll(secret, REDACTED);
  if (secret.length < PART) return out;
  const bytes = Buffer.from(secret);
  for (const form of [bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('base64').replace(/=+$/, '')]) if (out.includes(form)) out = out.replaceAll(form, REDACTED);
  // Each character as itself or percent-encoded, in either case.
  if (out.includes('%') || out.toLowerCase().includes(secret.slice(0, PART).toLowerCase())) {
    out = out.replace(new RegExp([...secret].map((c) => `(?:${escapeRe(c)}|${percent(c)})`).join(''), 'gi'), REDACTED);
  }
  const spans = partsOf(out, secret).sort((a, b) => a[0] - b[0]);
  if (spans.length === 0) return out;
  let result = '';
  let at = 0;
  for (const [start, end] of spans) {
    if (end <= at) continue;
    result += `${out.slice(at, Math.max(at, start))}${start >= at ? REDACTED : ''}`;
    at = end;
  }
  return result + out.slice(at);
}

/** Replaces every occurrence of each secret in a text (secrets shorter than 4 characters are not real keys). */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = scrubOne(out, s);
  return out;
}
