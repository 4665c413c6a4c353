/** Secrets out of every text: the key is replaced wherever it appears. */
export const REDACTED = '[redacted]';

/** Replaces every occurrence of each secret in a text (secrets shorter than 4 characters are not real keys). */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4 && out.includes(s)) out = out.replaceAll(s, REDACTED);
  return out;
}
