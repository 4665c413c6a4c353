/**
 * Secrets out of every text: the key is replaced wherever it appears, and so is what a server may
 * make of it when it echoes it back: other letter case, percent-encoding or HTML character
 * references (of any character), base64 (of the key alone, or of a text around it, as a Basic
 * authorization header is), or a part of any of these (cut short, split across lines).
 */
export const REDACTED = '[redacted]';

/** A part of a key at least this long is the key for our purpose (a real key is far longer). */
const PART = 16;
/** In base64, parts are looked for from every STEP-th character: any part of PART + STEP - 1 characters is found (as text, from every one). */
const STEP = 4;

type Span = [number, number];

/**
 * The spans of `hay` that repeat a part of `key` of PART characters or more. `hay` and `key` are
 * compared as given (the caller lowers both for a comparison that ignores case).
 */
function partsOf(hay: string, key: string, step: number): Span[] {
  const spans: Span[] = [];
  if (key.length < PART) return spans;
  const starts = new Set<number>();
  for (let w = 0; w + PART <= key.length; w += step) starts.add(w);
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

/**
 * The text with percent-escapes (`%2D`) and numeric HTML character references (`&#45;`, `&#x2d;`)
 * decoded, each decoded character mapped to the span of the text it came from.
 */
function decoded(text: string): { text: string; from: Span[] } {
  let out = '';
  const from: Span[] = [];
  const escape = /%([0-9a-f]{2})|&#(?:x([0-9a-f]{1,6})|([0-9]{1,7}));/giy;
  for (let i = 0; i < text.length; ) {
    escape.lastIndex = i;
    const m = text[i] === '%' || text[i] === '&' ? escape.exec(text) : null;
    if (m !== null) {
      const code = m[1] !== undefined ? parseInt(m[1], 16) : m[2] !== undefined ? parseInt(m[2], 16) : Number(m[3]);
      out += code <= 0xffff ? String.fromCharCode(code) : '\ufffd';
      from.push([i, i + m[0].length]);
      i += m[0].length;
    } else {
      out += text[i];
      from.push([i, i + 1]);
      i++;
    }
  }
  return { text: out, from };
}

/** The base64 of the key as it shows inside the base64 of any longer text, at each of the three alignments. */
function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret);
  const cores: string[] = [];
  for (let pad = 0; pad < 3; pad++) {
    const encoded = Buffer.concat([Buffer.alloc(pad), bytes]).toString('base64');
    // Only the groups of three bytes that are all the key's: the others depend on what is around it.
    const core = encoded.slice(4 * Math.ceil(pad / 3), 4 * Math.floor((pad + bytes.length) / 3));
    cores.push(core, core.replaceAll('+', '-').replaceAll('/', '_'));
  }
  return cores;
}

/** Replaces the spans (overlapping or not) with one REDACTED each run. */
function redact(text: string, spans: Span[]): string {
  if (spans.length === 0) return text;
  spans.sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [start, end] of spans) {
    if (end <= at) continue;
    if (start >= at) out += `${text.slice(at, start)}${REDACTED}`;
    at = end;
  }
  return out + text.slice(at);
}

function scrubOne(text: string, secret: string): string {
  let out = text.replaceAll(secret, REDACTED);
  if (secret.length < PART) return out;
  // Letter case, percent-encoding, character references: on the decoded text, mapped back (a text
  // with nothing to decode, as most log lines are, is searched as it is).
  const view = /%|&#/.test(out) ? decoded(out) : undefined;
  const plain = view?.text ?? out;
  const lower = plain.toLowerCase();
  const hay = lower.length === plain.length ? lower : plain;
  const key = hay === lower ? secret.toLowerCase() : secret;
  const parts = partsOf(hay, key, 1).map(([s, e]): Span => (view === undefined ? [s, e] : [view.from[s]![0], view.from[e - 1]![1]]));
  out = redact(out, parts);
  // Base64, where letter case matters.
  for (const core of base64Cores(secret)) out = redact(out, partsOf(out, core, STEP));
  return out;
}

/** Replaces every occurrence of each secret in a text (secrets shorter than 4 characters are not real keys). */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = scrubOne(out, s);
  return out;
}
