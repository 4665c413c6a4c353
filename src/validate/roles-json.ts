/**
 * The roles file's text as JSON, or a mistake said by line and column: a roles file is written by
 * hand, and "position 83" means nothing in an editor.
 */
import { configError } from '../errors.js';

const EXAMPLE = 'a roles file looks like {"marketing": "email_campaigns:*; contacts:view"}';

export function parseRolesJson(text: string, path: string): unknown {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') throw configError(`the roles file ${path} is empty: ${EXAMPLE}`);
  try {
    return JSON.parse(body);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const at = errorOffset(body, message);
    const { line, column } = lineAndColumn(body, at);
    throw configError(`the roles file ${path} is not valid JSON: line ${line}, column ${column}: ${reason(message, body, at)}; ${EXAMPLE}`, err);
  }
}

/** V8 names the offset ("at position 83"), except for an unexpected token, which is found by parsing ever longer prefixes. */
function errorOffset(text: string, message: string): number {
  const position = /at position (\d+)/.exec(message);
  if (position !== null) return Math.min(Number(position[1]), text.length);
  if (/^Unexpected end/.test(message)) return text.length;
  // The first prefix that fails for a reason other than ending early ends at the bad token.
  let low = 1;
  let high = text.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (failsInside(text.slice(0, mid))) high = mid;
    else low = mid + 1;
  }
  return low - 1;
}

function failsInside(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return false;
  } catch (err) {
    const message = err instanceof Error ? err.message : '';
    const position = /at position (\d+)/.exec(message);
    if (position !== null) return Number(position[1]) < prefix.length;
    return !/^Unexpected end/.test(message);
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** V8's words without the offset or the quoted text, plus the usual cause of a hand-written mistake. */
function reason(message: string, text: string, at: number): string {
  const early = 'the file ends too early (a quote, "}" or "]" is missing)';
  if (/^Unexpected end/.test(message)) return early;
  const stripped = message.replace(/( in JSON)? at position \d+.*$/s, '').replace(/, ".*" is not valid JSON$/s, '');
  const words = stripped.charAt(0).toLowerCase() + stripped.slice(1);
  if (at >= text.length) return `${words}: ${early}`;
  const before = text.slice(0, at).trimEnd().at(-1);
  if (before === ',' && (text[at] === '}' || text[at] === ']')) return `${words} (a comma before "}" or "]" is not allowed in JSON)`;
  if (text[at] === "'") return `${words} (JSON needs double quotes)`;
  return words;
}
