/**
 * Temporary files of a rewrite (`<file>.tmp-<pid>`), kept in one registry so that a Ctrl+C or a
 * SIGTERM removes them before the process exits (a large dry run stopped half-way must not leave
 * a gigabyte behind), and so that the next run removes what a SIGKILL left.
 */
import { readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isRunning } from './process-alive.js';

const open = new Set<string>();

export const tempPath = (path: string) => `${path}.tmp-${process.pid}`;

/** Starts tracking a temporary file; returns its path. */
export function trackTemp(path: string): string {
  const tmp = tempPath(path);
  open.add(tmp);
  return tmp;
}

export function untrackTemp(tmp: string): void {
  open.delete(tmp);
}

/** Removes every temporary file still open (on a signal, just before the process exits). */
export function removeOpenTemps(): void {
  for (const tmp of open) rmSync(tmp, { force: true });
  open.clear();
}

/**
 * Removes what an earlier process left beside `path` when it was killed mid-rewrite
 * (`<name>.tmp-<pid>` of a pid that no longer runs). Called with the results file's lock held.
 */
export function removeLeftoverTemps(path: string): string[] {
  const prefix = `${basename(path)}.`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /\.tmp-(\d+)$/.exec(name);
    if (m === null || Number(m[1]) === process.pid || isRunning(Number(m[1]))) continue;
    const full = join(dirname(path), name);
    rmSync(full, { force: true });
    removed.push(full);
  }
  return removed;
}
