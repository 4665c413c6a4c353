/**
 * What is said about a row the parser could not get past (see `Broken`): in the header it stops the
 * file; further down it becomes that row's invalid result, made from what its first line shows.
 */
import { inputError } from '../errors.js';
import type { Broken } from './raw-batches.js';
import type { CsvRecord, RecordShape } from './record.js';

/** The error for a header row the parser cannot get past; `headerStart` is the start of the file's text. */
export function brokenHeader(broken: Broken, file: string, headerStart: string, hardLimit: number): Error {
  if (broken.reason === 'record_too_long' && !headerStart.includes('"')) {
    return inputError(
      `${file}, line 1: the header row is over ${hardLimit} bytes long, so the file cannot be read: ` +
        'a header is one line of column names, such as email,privileges; is this the right file?',
    );
  }
  return inputError(`${file}, line ${broken.line}: a quote (") in the header row is never closed, so the file cannot be read; close the quote`);
}

const codeOf = (broken: Broken) => (broken.reason === 'record_too_long' ? 'record_too_long' : 'unclosed_quote');

/** The broken row as an invalid record: its cells are read from its first line. */
export function brokenRecord(broken: Broken, firstLine: string, shape: RecordShape): CsvRecord {
  const fields = firstLine.split(shape.delimiter).map((cell) => cell.trim().replace(/^"|"$/g, ''));
  const after = `the rows after it were read from line ${broken.line + 1} on`;
  const message = {
    unclosed_quote: `a quote (") opened on line ${broken.line} is never closed, so the row cannot be read: close the quote, or write a quote inside a cell as ""; ${after}`,
    quote_spans_rows: `a quote (") opened on line ${broken.line} is only closed on line ${broken.endLine}, which breaks the row: close the quote on line ${broken.line}, or write a quote inside a cell as ""; ${after}`,
    record_too_long: firstLine.includes('"')
      ? `the row runs on for more than ${shape.hardLimit} bytes (usually a quote that is never closed), so it cannot be read; ${after}`
      : `the row is over ${shape.hardLimit} bytes long, so it cannot be read: was something pasted into a cell by mistake? ${after}`,
  }[broken.reason];
  return { line: broken.line, fields, problem: { code: codeOf(broken), message } };
}

/** The last record of a file with too many broken rows to read on after each: the rest is not read. */
export function unreadRest(broken: Broken): CsvRecord {
  const message = `a quote (") opened on line ${broken.line} is never closed, and the file has too many broken rows to read on after each: the rest of the file cannot be read; fix the quotes and validate again`;
  return { line: broken.line, fields: [], problem: { code: codeOf(broken), message } };
}
