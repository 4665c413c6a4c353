/**
 * Writing the results file. Every full write goes to a temporary file beside the target and is
 * renamed over it, so the file on disk is always a complete CSV (UTF-8 with BOM, for Excel).
 */
import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RowResult } from '../types.js';
import { encodeCell, escapeFormula, ourCells, quoteCell, resultHeader } from './columns.js';
import { trackTemp, untrackTemp } from './temp-files.js';

const BOM = '\uFEFF';
const QUOTE_OR_BREAK = /["\r\n]/;
/** Rows turned into text at a time. */
const WRITE_SLICE = 512;
const EOL = '\r\n';

/** CSV text of some rows (no header, no BOM): one record per row, ending in CRLF. */
export function csvRows(rows: readonly RowResult[]): string {
  let out = '';
  for (const row of rows) out += ourLine(ourCells(row)) + row.extra + EOL;
  return out;
}

/**
 * Our cells as CSV. Most rows have no cell that needs quotes (no comma, quote or line break): they
 * are the escaped cells joined by commas, found with one search over the line instead of one per
 * cell (a million rows are written in a dry run); the others are encoded cell by cell.
 */
function ourLine(cells: string[]): string {
  for (let i = 0; i < cells.length; i++) cells[i] = escapeFormula(cells[i]!);
  const line = cells.join(',');
  if (!QUOTE_OR_BREAK.test(line)) {
    let commas = 0;
    for (let at = line.indexOf(','); at !== -1; at = line.indexOf(',', at + 1)) commas++;
    if (commas === cells.length - 1) return line;
  }
  return cells.map(quoteCell).join(',');
}

export function csvHeader(carriedNames: readonly string[]): string {
  return BOM + resultHeader(carriedNames).map(encodeCell).join(',') + EOL;
}

async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

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
  const tmp = trackTemp(path);
  async function* text() {
    yield csvHeader(carriedNames);
    // A whole run's rows come as one batch: written a slice at a time, the text in memory stays small.
    for await (const rows of batches) for (let i = 0; i < rows.length; i += WRITE_SLICE) yield csvRows(rows.slice(i, i + WRITE_SLICE));
  }
  try {
    // Owner-only: results hold personal data (names, addresses, access).
    await pipeline(Readable.from(text()), createWriteStream(tmp, { mode: 0o600 }));
    await syncFile(tmp);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  } finally {
    untrackTemp(tmp);
  }
}
