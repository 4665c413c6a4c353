/**
 * What is wrong with a record the parser could read: too long, a stray quote that swallowed the
 * rows after it, or the wrong number of cells. Pure functions of the cells.
 */
import type { CsvRecord, RecordShape } from './record.js';

/** Line breaks inside a cell (CRLF counts once). */
function lineBreaks(value: string): number {
  let n = 0;
  for (let i = value.indexOf('\n'); i !== -1; i = value.indexOf('\n', i + 1)) n++;
  if (value.includes('\r')) for (let i = 0; i < value.length; i++) if (value[i] === '\r' && value[i + 1] !== '\n') n++;
  return n;
}

/** Line breaks inside the record's cells: the record ends that many lines after it starts. */
export function breaksIn(fields: readonly string[]): number {
  let breaks = 0;
  for (const f of fields) if (f.length > 0 && (f.includes('\n') || f.includes('\r'))) breaks += lineBreaks(f);
  return breaks;
}

export function isBlank(fields: readonly string[]): boolean {
  return fields.every((f) => f.trim() === '');
}

/**
 * True when a cell with line breaks holds lines that look like rows of this file (an address and
 * as many delimiters as a row has): a stray quote swallowed them, since a real note or address
 * cell does not look like that. Only records over several lines are looked at.
 */
function swallowsRows(fields: readonly string[], delimiter: string, width: number): boolean {
  for (const field of fields) {
    if (!field.includes('\n') && !field.includes('\r')) continue;
    for (const line of field.split(/\r\n|\n|\r/).slice(1)) {
      if (line.includes('@') && line.split(delimiter).length >= width) return true;
    }
  }
  return false;
}

/** The record's size in UTF-8 bytes, counted exactly only when it could be over the limit. */
function overLimit(fields: readonly string[], delimiter: string, limit: number): number | undefined {
  let chars = fields.length;
  for (const f of fields) chars += f.length;
  if (chars * 3 <= limit) return undefined; // a UTF-16 unit is at most 3 bytes of UTF-8
  const bytes = Buffer.byteLength(fields.join(delimiter));
  return bytes > limit ? bytes : undefined;
}

/** The problem of a record from `line` to `endLine`, or undefined when it is whole. */
export function recordProblem(fields: readonly string[], line: number, endLine: number, shape: RecordShape): CsvRecord['problem'] {
  const size = overLimit(fields, shape.delimiter, shape.maxRecordBytes);
  if (size !== undefined) {
    return {
      code: 'record_too_long',
      message: `the row is ${size} bytes long, over the limit of ${shape.maxRecordBytes} (--max-record-size): was something pasted into a cell by mistake?`,
    };
  }
  if (endLine > line && swallowsRows(fields, shape.delimiter, shape.width)) {
    return {
      code: 'unclosed_quote',
      message: `a quote (") opened on line ${line} is only closed on line ${endLine}, so the rows in between were read as one cell: close the quote on line ${line}, or write a quote inside a cell as ""`,
    };
  }
  if (fields.length !== shape.width) {
    return {
      code: 'wrong_field_count',
      message: `the row has ${fields.length} ${fields.length === 1 ? 'cell' : 'cells'} but the header has ${shape.width}: a cell containing "${shape.delimiter === '\t' ? 'tab' : shape.delimiter}" needs quotes, or a cell is missing`,
    };
  }
  return undefined;
}
