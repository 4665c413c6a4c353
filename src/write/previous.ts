/**
 * Reads an earlier results file back, for `--resume`. It must be ours (our columns, in order) and
 * whole; anything else is refused and left untouched. For each email the last row wins: rows
 * appended while a run was going supersede the snapshot's.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { AppError } from '../errors.js';
import { STATUSES, type RowResult, type Status } from '../types.js';
import { normalizeEmail } from '../validate/email.js';
import { RESULT_COLUMNS, unescapeFormula } from './columns.js';

export interface PreviousRow extends RowResult {
  /** The carried cells, by results-file column name. */
  extraByName: Record<string, string>;
}

const resultsError = (message: string) => new AppError('results', message);

/** Undefined when there is no such file. */
export async function readPrevious(path: string): Promise<Map<string, PreviousRow> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw resultsError(`cannot read the results file ${path} to resume: ${(err as Error).message}`);
  }
  let records: string[][];
  try {
    records = parse(text.replace(/^\uFEFF/, ''), { relax_column_count: false, skip_empty_lines: true }) as string[][];
  } catch (err) {
    throw resultsError(
      `${path} is damaged (${(err as Error).message}), so --resume cannot trust it; it was left as it is. Restore it, or pass -o with a new file to start over`,
    );
  }
  const header = records[0] ?? [];
  if (RESULT_COLUMNS.some((c, i) => header[i] !== c)) {
    throw resultsError(
      `${path} is not a brevo-invite results file (its first columns are ${header.slice(0, 4).join(', ') || 'missing'}), so --resume will not use or overwrite it; choose another file with -o`,
    );
  }
  const extraNames = header.slice(RESULT_COLUMNS.length);
  const rows = new Map<string, PreviousRow>();
  records.slice(1).forEach((cells, i) => {
    const [line, email, status, invoiceId, errorCode, errorMessage, httpStatus, attempts, granted, finishedAt] = cells.map(unescapeFormula);
    if (!(STATUSES as readonly string[]).includes(status ?? '') || !/^\d+$/.test(line ?? '') || !/^\d*$/.test(attempts ?? '')) {
      throw resultsError(`${path}, record ${i + 2}: damaged (status "${status}", line "${line}"), so --resume cannot trust it; it was left as it is`);
    }
    const extra = cells.slice(RESULT_COLUMNS.length).map(unescapeFormula);
    const row: PreviousRow = {
      line: Number(line),
      email: email ?? '',
      status: status as Status,
      invoiceId: invoiceId || undefined,
      errorCode: errorCode || undefined,
      errorMessage: errorMessage || undefined,
      httpStatus: httpStatus ? Number(httpStatus) : undefined,
      attempts: Number(attempts || 0),
      granted: granted ?? '',
      finishedAt: finishedAt || undefined,
      extra,
      extraByName: Object.fromEntries(extraNames.map((n, j) => [n, extra[j] ?? ''])),
    };
    if (row.email !== '') rows.set(normalizeEmail(row.email), row);
  });
  return rows;
}

/** Rows that a resume keeps as they are: what Brevo answered for good. */
export function isFinal(row: RowResult): boolean {
  if (row.status === 'invited' || row.status === 'skipped') return true;
  if (row.status !== 'failed') return false;
  return !isRetryableFailure(row);
}

/** A failure that may go otherwise next time: the network, a timeout, 429, 5xx, an unknown outcome. */
export function isRetryableFailure(row: RowResult): boolean {
  const code = row.errorCode ?? '';
  return (
    code === 'network' ||
    code === 'timeout' ||
    code === 'outcome_unknown' ||
    /^http_5\d\d$/.test(code) ||
    (row.httpStatus !== undefined && (row.httpStatus >= 500 || row.httpStatus === 429))
  );
}
