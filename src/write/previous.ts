/**
 * Reads an earlier results file back, for `--resume`. It must be ours (our columns, in order: the
 * first version's ten, or today's twelve) and whole; anything else is refused and left untouched.
 *
 * - Each email belongs to the row that owns it in the input: a `duplicate` row never does, so an
 *   earlier run's outcome is never matched to (or replaced by) the duplicate's.
 * - For each email the last row wins: rows appended while a run was going supersede the snapshot's.
 * - The last record may have been cut short (the process was killed, or the disk filled up, in the
 *   middle of a write): it is left out and said so. The journal beside the file knows what was sent.
 * - It is read as a stream, and the carried cells are kept only for rows whose email is no longer
 *   in the input (they are written back as they were): for the others, the input's cells are used.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { parse, type CsvError } from 'csv-parse';
import { AppError, describeError } from '../errors.js';
import { ACTION_NAMES, DONE_STATUSES, STATUSES, type ActionName, type RowResult, type Status } from '../types.js';
import { normalizeEmail } from '../validate/email.js';
import { RESULT_COLUMNS, V1_COLUMNS, V2_COLUMNS, unescapeFormula } from './columns.js';

export interface PreviousRow extends Omit<RowResult, 'extra'> {
  /** The carried cells by column name: only for rows whose email has left the input. */
  cellsByName?: ReadonlyMap<string, string> | undefined;
}

export interface EarlierRun {
  /** Normalized email -> the row that owns it. */
  rows: Map<string, PreviousRow>;
  /** Said to the person (e.g. a last row cut short). */
  notices: string[];
}

const resultsError = (message: string, cause?: unknown) => new AppError('results', message, { cause });

/** Whether a file's last byte ends a line: a file cut in the middle of a write does not. */
async function endsWithNewline(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size === 0) return true;
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, size - 1);
    return byte[0] === 0x0a;
  } finally {
    await handle.close();
  }
}

/** The number of our columns the header starts with (10, 12 or 13), or a refusal. */
function layoutOf(header: readonly string[], path: string): number {
  if (RESULT_COLUMNS.every((c, i) => header[i] === c)) return RESULT_COLUMNS.length;
  if (V2_COLUMNS.every((c, i) => header[i] === c)) return V2_COLUMNS.length;
  if (V1_COLUMNS.every((c, i) => header[i] === c)) return V1_COLUMNS.length;
  throw resultsError(
    `${path} is not a brevo-invite results file (its first columns are ${header.slice(0, 4).join(', ') || 'missing'}), so --resume will not use or overwrite it; choose another file with -o`,
  );
}

/** One record as a row, or undefined when it is not one (damaged). */
function toRow(cells: readonly string[], ours: number): PreviousRow | undefined {
  if (cells.length < ours) return undefined;
  const [line, email, status, invoiceId, errorCode, errorMessage, httpStatus, attempts, granted, finishedAt, ...rest] = cells.slice(0, ours).map(unescapeFormula);
  // A file of the first version has no action or credit notes, of the second no invited_at: what
  // follows their columns is the input's.
  const [action, creditNotes, invitedAt] = ours >= V2_COLUMNS.length ? rest : [];
  if (!(STATUSES as readonly string[]).includes(status ?? '')) return undefined;
  if (!/^\d*$/.test(line ?? '') || !/^\d*$/.test(attempts ?? '') || !/^\d*$/.test(httpStatus ?? '')) return undefined;
  if (action !== undefined && action !== '' && !(ACTION_NAMES as readonly string[]).includes(action)) return undefined;
  return {
    line: Number(line || 0),
    email: email ?? '',
    status: status as Status,
    action: (action || undefined) as ActionName | undefined,
    invoiceId: invoiceId || undefined,
    creditNotes: creditNotes || undefined,
    errorCode: errorCode || undefined,
    errorMessage: errorMessage || undefined,
    httpStatus: httpStatus ? Number(httpStatus) : undefined,
    attempts: Number(attempts || 0),
    granted: granted ?? '',
    finishedAt: finishedAt || undefined,
    invitedAt: invitedAt || undefined,
  };
}

/**
 * The earlier run's rows; undefined when there is no such file. `inInput` says whether an email
 * is in the current input (the carried cells of the others are kept).
 */
export async function readPrevious(path: string, inInput: (email: string) => boolean = () => true): Promise<EarlierRun | undefined> {
  let wholeLines: boolean;
  try {
    wholeLines = await endsWithNewline(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw resultsError(`cannot read the results file ${path} to resume: ${describeError(err)}`, err);
  }
  const rows = new Map<string, PreviousRow>();
  const notices: string[] = [];
  let header: string[] | undefined;
  let ours = 0;
  let carriedNames: string[] = [];
  let last: { cells: string[]; record: number } | undefined;
  let record = 0;
  const cutShort = () => notices.push(`the last row of ${path} was cut short (the run was stopped in the middle of writing it) and was left out; the journal beside it says which requests were sent, and they are checked against Brevo before anything is sent again`);
  const damaged = (n: number, why: string) =>
    resultsError(`${path}, record ${n}: damaged (${why}), so --resume cannot trust it; it was left as it is. Restore it, or pass -o with a new file to start over`);

  const keep = (cells: string[], n: number) => {
    const row = toRow(cells, ours);
    if (row === undefined) throw damaged(n, `status "${cells[2] ?? ''}", line "${cells[0] ?? ''}"`);
    if (row.status === 'duplicate' || row.email === '') return;
    const email = normalizeEmail(row.email);
    if (!inInput(email)) row.cellsByName = new Map(carriedNames.map((name, i) => [name, unescapeFormula(cells[ours + i] ?? '')]));
    rows.set(email, row);
  };

  const parser = createReadStream(path).pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true }));
  try {
    for await (const cells of parser as AsyncIterable<string[]>) {
      record++;
      if (header === undefined) {
        header = cells;
        ours = layoutOf(header, path);
        carriedNames = header.slice(ours).map(unescapeFormula);
        continue;
      }
      // One record behind: the last one may be cut short, and is judged once the end is known.
      if (last !== undefined) keep(last.cells, last.record);
      last = { cells, record };
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    // An unclosed quote at the very end is a record cut short in the middle of a quoted cell.
    if ((err as CsvError).code !== 'CSV_QUOTE_NOT_CLOSED') throw damaged(record + 1, describeError(err));
    if (last !== undefined) keep(last.cells, last.record);
    last = undefined;
    cutShort();
  }
  if (header === undefined) return { rows, notices };
  if (last !== undefined) {
    const complete = toRow(last.cells, ours) !== undefined && last.cells.length === ours + carriedNames.length;
    if (complete || wholeLines) keep(last.cells, last.record);
    else cutShort();
  }
  return { rows, notices };
}

/** Rows that a resume keeps as they are: what Brevo answered for good. */
export function isFinal(row: Pick<RowResult, 'status' | 'errorCode' | 'httpStatus'>): boolean {
  if (DONE_STATUSES.has(row.status) || row.status === 'skipped') return true;
  if (row.status !== 'failed') return false;
  return !isRetryableFailure(row);
}

/** A failure that may go otherwise next time: the network, a timeout, 429, 5xx, a gateway's page, an unknown outcome, Brevo and its list disagreeing. */
export function isRetryableFailure(row: Pick<RowResult, 'errorCode' | 'httpStatus'>): boolean {
  const code = row.errorCode ?? '';
  return (
    code === 'network' ||
    code === 'timeout' ||
    code === 'outcome_unknown' ||
    code === 'conflicting_answers' ||
    /^(http_5|gateway_)\d+$/.test(code) ||
    (row.httpStatus !== undefined && (row.httpStatus >= 500 || row.httpStatus === 429))
  );
}
