/**
 * Writing the results file. Every full write goes to a temporary file beside the target and is
 * renamed over it, so the file on disk is always a complete CSV (UTF-8 with BOM, for Excel).
 */
import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify as stringifySync } from 'csv-stringify/sync';
import type { RowResult } from '../types.js';
import { resultHeader, toCells } from './columns.js';

// Records end in CRLF. Given a record delimiter, csv-stringify no longer quotes a cell holding a
// bare LF or CR, which would break the file: `quote_record_delimiter` has it quote every line break.
const CSV_OPTIONS = { record_delimiter: 'windows', quote_record_delimiter: true } as const;
const BOM = '\uFEFF';
const EOL = '\r\n';

/**
 * True when no cell needs quotes (no comma, quote or line break): csv-stringify would then write
 * the cells as they are, joined by commas, and so can `csvRows`. Most rows are like that, and
 * skipping the general path for them halves the cost of writing a million rows.
 */
function plainLine(cells: readonly string[], line: string): boolean {
  if (/["\r\n]/.test(line)) return false;
  let commas = 0;
  for (let i = line.indexOf(','); i !== -1; i = line.indexOf(',', i + 1)) commas++;
  return commas === cells.length - 1;
}

/** CSV text of some rows (no header, no BOM): one record per row, as csv-stringify writes it. */
export function csvRows(rows: readonly RowResult[]): string {
  let out = '';
  let quoted: string[][] = [];
  for (const row of rows) {
    const cells = toCells(row);
    const line = cells.join(',');
    if (!plainLine(cells, line)) {
      quoted.push(cells);
      continue;
    }
    if (quoted.length > 0) {
      out += stringifySync(quoted, CSV_OPTIONS);
      quoted = [];
    }
    out += line + EOL;
  }
  return quoted.length > 0 ? out + stringifySync(quoted, CSV_OPTIONS) : out;
}

export function csvHeader(carriedNames: readonly string[]): string {
  return BOM + stringifySync([resultHeader(carriedNames)], CSV_OPTIONS);
}

async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const tempPath = (path: string) => `${path}.tmp-${process.pid}`;

/**
 * Streams rows into the results file (through a temporary file), batch by batch, in the order they
 * come; returns once the file is in place. The dry run streams its rows through it; a send writes
 * its snapshot and its final, ordered file with it.
 */
export async function writeResults(
  path: string,
  carriedNames: readonly string[],
  batches: AsyncIterable<readonly RowResult[]> | Iterable<readonly RowResult[]>,
): Promise<void> {
  const tmp = tempPath(path);
  async function* text() {
    yield csvHeader(carriedNames);
    for await (const rows of batches) yield csvRows(rows);
  }
  try {
    await pipeline(Readable.from(text()), createWriteStream(tmp));
    await syncFile(tmp);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
