/**
 * The results file's layout: our columns first, then the input's other columns unchanged (a name
 * that collides with ours is renamed `input_<name>`). Cells that a spreadsheet would run as a
 * formula are escaped with a leading apostrophe, in the header as in every row.
 *
 * The first ten columns are those of the first version of the file; `action` and `credit_notes`
 * came later and were added after them, then `invited_at`, so that a reader that counts columns still finds
 * `status` third. A file without them is still read by --resume (see previous.ts).
 */
import type { RowResult } from '../types.js';

export const V1_COLUMNS = [
  'line',
  'email',
  'status',
  'invoice_id',
  'error_code',
  'error_message',
  'http_status',
  'attempts',
  'granted',
  'finished_at',
] as const;

/** The second version added the action and the credit notes. */
export const V2_COLUMNS = [...V1_COLUMNS, 'action', 'credit_notes'] as const;

export const RESULT_COLUMNS = [...V2_COLUMNS, 'invited_at'] as const;

export type ResultColumn = (typeof RESULT_COLUMNS)[number];

const OURS: ReadonlySet<string> = new Set(RESULT_COLUMNS);

/** The input's other column names as they appear after ours (not yet escaped for the file). */
export function carriedHeader(carriedNames: readonly string[]): string[] {
  const taken = new Set<string>(RESULT_COLUMNS);
  return carriedNames.map((name) => {
    let out = name;
    while (OURS.has(out.trim().toLowerCase()) || taken.has(out)) out = `input_${out}`;
    taken.add(out);
    return out;
  });
}

export function resultHeader(carriedNames: readonly string[]): string[] {
  return [...RESULT_COLUMNS, ...carriedHeader(carriedNames)];
}

/**
 * Spreadsheets run a cell as a formula when it starts with = + - @ (and some with tab, CR or LF
 * before them, or with the full-width = + - @ that Apple Numbers reads as the plain ones);
 * csv-stringify's own `escape_formulas` leaves out LF, so this covers them all.
 */
const FORMULA_STARTS: ReadonlySet<number> = new Set([0x3d, 0x2b, 0x2d, 0x40, 0x09, 0x0d, 0x0a, 0xff1d, 0xff0b, 0xff0d, 0xff20]);

export function escapeFormula(value: string): string {
  return value.length > 0 && FORMULA_STARTS.has(value.charCodeAt(0)) ? `'${value}` : value;
}

/** Undoes `escapeFormula` when reading a results file back. */
export function unescapeFormula(value: string): string {
  return value.length > 1 && value[0] === "'" && escapeFormula(value.slice(1)) === value ? value.slice(1) : value;
}

const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One cell as it is written: escaped against formulas, then quoted when it holds a comma, a quote
 * or a line break, exactly as csv-stringify quotes it (a property test holds the two together).
 */
export function encodeCell(value: string): string {
  return quoteCell(escapeFormula(value));
}

/** A cell already escaped against formulas, quoted when it needs quotes. */
export function quoteCell(v: string): string {
  return NEEDS_QUOTES.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/**
 * The carried cells of a row, encoded once when the row is read and kept as one string, each cell
 * after a comma (so no carried column is '' and one empty cell is ','): a row with hundreds of
 * carried columns then costs its text, not hundreds of small strings.
 */
export function encodeCarried(cells: readonly string[]): string {
  if (cells.length === 0) return '';
  // join() makes one flat string; `+=` would keep a rope of hundreds of pieces per row alive.
  const parts = new Array<string>(cells.length + 1);
  parts[0] = '';
  for (let i = 0; i < cells.length; i++) parts[i + 1] = encodeCell(cells[i]!);
  return parts.join(',');
}

/** Our cells of a row, in column order, as text (before escaping). */
export function ourCells(r: RowResult): string[] {
  return [
    r.line > 0 ? String(r.line) : '',
    r.email,
    r.status,
    r.invoiceId ?? '',
    r.errorCode ?? '',
    r.errorMessage ?? '',
    r.httpStatus === undefined ? '' : String(r.httpStatus),
    String(r.attempts),
    r.granted,
    r.finishedAt ?? '',
    r.action ?? '',
    r.creditNotes ?? '',
    r.invitedAt ?? '',
  ];
}
