/**
 * The oldest Node.js the tool runs on: the same as `engines` in package.json (a test keeps them
 * equal). undici 7 needs 20.18.1; older versions fail with a SyntaxError or a stack trace.
 *
 * This module has no imports and uses only old syntax: it is loaded before anything else, on
 * whatever Node the person happens to have.
 */
export const MIN_NODE = '20.18.1';

function parts(version: string): number[] {
  return version
    .replace(/^v/, '')
    .split('-')[0]!
    .split('.')
    .map((p) => Number.parseInt(p, 10) || 0);
}

/** True when `version` (e.g. "20.18.1", "v22.3.0", "21.0.0-pre") is at least `minimum`. */
export function isSupported(version: string, minimum: string = MIN_NODE): boolean {
  const have = parts(version);
  const need = parts(minimum);
  for (let i = 0; i < 3; i++) {
    const h = have[i] || 0;
    const n = need[i] || 0;
    if (h !== n) return h > n;
  }
  return true;
}

/** The one sentence printed instead of starting, or null when this Node will do. */
export function nodeVersionProblem(version: string): string | null {
  if (isSupported(version)) return null;
  return `brevo-invite needs Node.js ${MIN_NODE} or later, but this is Node.js ${version}: install a newer Node.js (https://nodejs.org) and run it again.\n`;
}
