/**
 * Whether a path given on the command line is a file that can be read, said in plain words before
 * a byte is read. A named pipe or a device is refused here: opening one waits for a writer, and an
 * input is read more than once (a pipe gives its data only once), so the run would hang.
 */
import { stat } from 'node:fs/promises';

export interface FileKind {
  /** What the file should be: "CSV file", "roles file". */
  noun: string;
  /** What to save to a file instead of a pipe: "the CSV", "the roles". */
  content: string;
  /** The option the path came from, if any: "--roles". */
  flag?: string;
}

/** Why `path` cannot be read as a file of this kind, or undefined when it is a regular file. */
export async function fileProblem(path: string, kind: FileKind): Promise<string | undefined> {
  let stats;
  try {
    stats = await stat(path);
  } catch (err) {
    const given = kind.flag === undefined ? '' : ` given to ${kind.flag}`;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `cannot find the file ${path}${given}: check the path`;
    return `cannot open the file ${path}${given}: ${plainReason(err)}`;
  }
  if (stats.isFile()) return undefined;
  if (stats.isDirectory()) return `${path} is a folder, not a ${kind.noun}: give the path of the file itself`;
  const what = stats.isFIFO() ? 'a named pipe' : stats.isSocket() ? 'a socket' : 'a device';
  return `${path} is ${what}, not a ${kind.noun}: save ${kind.content} to a file and give that file's path`;
}

/** A system error's message without its code and call: "EACCES: permission denied, open 'x'" -> "permission denied". */
export function plainReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/^E[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
}
