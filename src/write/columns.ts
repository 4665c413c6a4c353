/**
 * The results file's layout: our columns first, then the input's other columns unchanged (a name
 * that collides with ours is renamed `input_<name>`). Cells that a spreadsheet would run as a
 * formula are escaped with a leading apostrophe.
 */
import type { RowResult } from '../types.js';

export const RESULT_COLUMNS = [
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

const OURS: ReadonlySet<string> = new Set(RESULT_COLUMNS);

export function resultHeader(carriedNames: readonly string[]): string[] {
  const taken = new Set<string>(RESULT_COLUMNS);
  return [
    ...RESULT_COLUMNS,
    ...carriedNames.map((name) => {
      let out = name;
      while (OURS.has(out.trim().toLowerCase()) || taken.has(out)) out = `input_${out}`;
      taken.add(out);
      return out;
    }),
  ];
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

export function toCells(r: RowResult): string[] {
  const cells = [
    String(r.line),
    escapeFormula(r.email),
    r.status,
    escapeFormula(r.invoiceId ?? ''),
    escapeFormula(r.errorCode ?? ''),
    escapeFormula(r.errorMessage ?? ''),
    r.httpStatus === undefined ? '' : String(r.httpStatus),
    String(r.attempts),
    escapeFormula(r.granted),
    r.finishedAt ?? '',
  ];
  for (const v of r.extra) cells.push(escapeFormula(v));
  return cells;
}
