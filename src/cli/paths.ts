import { basename, dirname, extname, join, resolve } from 'node:path';
import { usageError } from '../errors.js';

/** `<dir>/<name>.results.csv` beside the input, unless -o says otherwise. */
export function resultsPathFor(input: string, output: string | undefined, cwd: string): string {
  const inputPath = resolve(cwd, input);
  const ext = extname(inputPath);
  const stem = ['.csv', '.txt', '.tsv'].includes(ext.toLowerCase()) ? basename(inputPath, ext) : basename(inputPath);
  const out = output === undefined ? join(dirname(inputPath), `${stem}.results.csv`) : resolve(cwd, output);
  if (out === inputPath) throw usageError(`the results file would overwrite the input ${input}: choose another path with -o`);
  return out;
}
