/**
 * Where the end of a run goes: the `--summary-json` document (a file, or stdout with `-`), and the
 * human summary (stdout; stderr only at a terminal when stdout carries the JSON). Without a
 * terminal, stderr carries JSON log lines only, so a cron line that sends both to one file gives
 * a file a log shipper can parse line by line.
 */
import { lstatSync, readFileSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { foldToWidth } from './fold.js';
import type { CliIo } from './io.js';
import type { SummaryDocument } from './summary.js';
import { LONGEST_RESET_S } from '../send/client.js';

export const STDOUT = '-';

/**
 * The names of this process's own stdout are read as `-`: the JSON goes through stdout as it
 * does with `-` (and the human summary does not follow it there, to keep stdout one document).
 */
const STDOUT_NAMES = new Set([STDOUT, '/dev/stdout', '/dev/fd/1', '/proc/self/fd/1']);
export const isStdout = (target: string | undefined): boolean => target !== undefined && STDOUT_NAMES.has(target);

/**
 * The real path of a file that may not exist yet: its folder's real path, then its name. A symlink
 * whose target does not exist yet (a volume prepared before the first run) is followed, so that the
 * file is created there and the symlink stays one.
 */
export function realTarget(path: string, hops = 0): string {
  try {
    return realpathSync(path);
  } catch {
    try {
      if (hops < 32 && lstatSync(path).isSymbolicLink()) return realTarget(resolve(dirname(path), readlinkSync(path)), hops + 1);
    } catch {
      // Not there at all: a new file.
    }
    try {
      return join(realpathSync(dirname(path)), basename(path));
    } catch {
      return path;
    }
  }
}

/**
 * A regular file (or none yet) is replaced through a temporary file and a rename, so a monitor
 * never reads half a document; anything else (a FIFO, /dev/stdout, a terminal) is written in
 * place and never replaced: renaming over /dev/stdout as root would replace the system's link.
 */
function writeDocument(path: string, text: string): void {
  let special = /^\/(dev|proc)\//.test(path);
  try {
    special ||= !statSync(path).isFile();
  } catch {
    // Not there yet: a regular file it will be.
  }
  if (special) {
    writeFileSync(path, text, { flag: 'a' });
    return;
  }
  const real = realTarget(path);
  const tmp = `${real}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, real);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

export function writeSummaryJson(target: string, cwd: string, doc: SummaryDocument, io: CliIo): void {
  const text = JSON.stringify(doc, null, 2) + '\n';
  if (isStdout(target)) io.stdout.write(text);
  else writeDocument(resolve(cwd, target), text);
}

/** The human summary: stdout, unless stdout carries the JSON summary (then stderr at a terminal, else nothing). */
export function printSummary(io: CliIo, text: string, summaryTarget: string | undefined): void {
  const out = !isStdout(summaryTarget) ? io.stdout : io.stderr.isTTY === true ? io.stderr : undefined;
  // At a terminal, long lines are folded between words (the terminal would cut words in two).
  out?.write(out.isTTY === true ? foldToWidth(text, out.columns) : text);
}

/**
 * What the last run's summary knew of the budget, for this run: an empty window until its reset
 * (a run that starts before it then waits or stops at once, instead of spending a request on a
 * 429), and how late the server's resets ran. Only a summary of the same API base URL counts.
 */
export function knownBudget(target: string | undefined, cwd: string, baseUrl: string, now: number): { resetAt?: number; marginMs?: number } | undefined {
  if (target === undefined || isStdout(target)) return undefined;
  try {
    const path = resolve(cwd, target);
    if (!lstatSync(path).isFile() && !statSync(path).isFile()) return undefined;
    const doc = JSON.parse(readFileSync(path, 'utf8')) as Partial<SummaryDocument>;
    if (doc.tool !== 'brevo-invite' || doc.base_url !== baseUrl || doc.budget === undefined) return undefined;
    const resetAt = doc.budget.reset_at === null ? NaN : Date.parse(doc.budget.reset_at);
    const margin = doc.budget.late_reset_ms ?? undefined;
    return {
      // A reset further away than any window (a bad header, a clock that jumped) is not believed.
      ...(doc.budget.remaining === 0 && resetAt > now && resetAt - now <= LONGEST_RESET_S * 1000 ? { resetAt } : {}),
      ...(typeof margin === 'number' && margin > 0 && margin < 600_000 ? { marginMs: margin } : {}),
    };
  } catch {
    return undefined;
  }
}
