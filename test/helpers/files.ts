import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';

const made: string[] = [];

/** A fresh temporary folder, removed by `cleanTempDirs`. */
export function tempDir(prefix = 'brevo-invite-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A file with exactly these bytes (or this text, as UTF-8), alone in a fresh temporary folder. */
export function tempFile(name: string, content: string | Buffer): string {
  const path = join(tempDir(), name);
  writeFileSync(path, content);
  return path;
}

export function cleanTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export type ResultRecord = Record<string, string>;

/** Reads a results file: checks the BOM, returns one object per row keyed by column name. */
export function readResults(path: string): ResultRecord[] {
  const bytes = readFileSync(path);
  if (!(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)) throw new Error(`${path} has no UTF-8 BOM`);
  return parse(bytes.subarray(3).toString('utf8'), { columns: true }) as ResultRecord[];
}

export function readHeader(path: string): string[] {
  const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  return (parse(text, { to_line: 1 }) as string[][])[0]!;
}
