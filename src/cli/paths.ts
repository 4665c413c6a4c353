import { accessSync, constants, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { usageError } from '../errors.js';
import { isStdout, realTarget } from './output.js';

/**
 * `<dir>/<name>.results.csv` beside the input, unless -o says otherwise; `suffix` names other
 * outputs (`plan`). Symlinks are resolved: the file written, its lock and its journal are those of
 * the real file, so a run through a symlink and a run through its target exclude each other, and
 * the symlink itself stays a symlink.
 */
/** Where the results of `input` go, as given (no link followed, nothing checked): for a summary written whatever happens. */
export function resultsPathAsGiven(input: string, output: string | undefined, cwd: string, suffix = 'results'): string {
  const inputPath = resolve(cwd, input);
  const ext = extname(inputPath);
  const stem = ['.csv', '.txt', '.tsv'].includes(ext.toLowerCase()) ? basename(inputPath, ext) : basename(inputPath);
  return output === undefined ? join(dirname(inputPath), `${stem}.${suffix}.csv`) : resolve(cwd, output);
}

export function resultsPathFor(input: string, output: string | undefined, cwd: string, suffix = 'results'): string {
  const inputPath = resolve(cwd, input);
  const out = realTarget(resultsPathAsGiven(input, output, cwd, suffix));
  if (out === realTarget(inputPath)) throw usageError(`the results file would overwrite the input ${input}: choose another path with -o`);
  checkWritable(out, 'the results file', '-o');
  return out;
}

/** Where --summary-json goes, checked before any work (not after a run of hours). */
export function summaryPathFor(path: string | undefined, cwd: string): string | undefined {
  if (path === undefined || isStdout(path)) return path;
  const out = resolve(cwd, path);
  try {
    // A FIFO, /dev/stdout, a terminal: written in place, so only the target itself must be writable.
    if (!statSync(out).isFile() && !statSync(out).isDirectory()) {
      accessSync(out, constants.W_OK);
      return out;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EACCES') throw usageError(`cannot write the summary to ${out}: permission denied (choose another path with --summary-json)`);
  }
  checkWritable(out, 'the summary', '--summary-json');
  return out;
}

/** Fails now, before any work, if `what` cannot be written at `path`. */
function checkWritable(path: string, what: string, flag: string): void {
  const dir = dirname(path);
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a folder');
    accessSync(dir, constants.W_OK);
  } catch {
    throw usageError(`cannot write ${what} ${path}: the folder ${dir} does not exist or is not writable (choose another path with ${flag})`);
  }
  try {
    if (statSync(path).isDirectory()) throw usageError(`${what} path ${path} is a folder: give a file name with ${flag}`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
