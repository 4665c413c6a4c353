/**
 * Streams the records of a CSV file with the physical line number where each record starts.
 *
 * csv-parse does the parsing. Its own line counter miscounts CRLF inside quoted cells, so lines are
 * counted here instead: blank lines are not skipped by the parser (they arrive as one empty cell),
 * so a record starts on the line after the previous one ended, and ends after the line breaks
 * inside its cells. Memory stays flat: nothing is kept per record.
 */
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import { inputError } from '../errors.js';
import { detectDelimiter, excelSeparatorLine, headerLine, type Delimiter } from './delimiter.js';
import { sniffEncoding, type Encoding } from './encoding.js';
import { mapHeader, type Header } from './header.js';
import { Broken, rawBatches } from './raw-batches.js';
import { SkipLines } from './skip-lines.js';

export interface ReadOptions {
  encoding?: Encoding | undefined;
  delimiter?: Delimiter | undefined;
  /** A record longer than this (in bytes of UTF-8) is an invalid row. */
  maxRecordBytes: number;
  /** Refuses a header the caller cannot use (throws), before any record is read. */
  checkHeader?: ((header: Header, file: string) => void) | undefined;
}

export type RecordProblemCode = 'wrong_field_count' | 'record_too_long' | 'unclosed_quote';

export interface CsvRecord {
  line: number;
  fields: string[];
  /** Set when the record is damaged: it becomes an invalid row. */
  problem?: { code: RecordProblemCode; message: string } | undefined;
}

export interface CsvSource {
  file: string;
  encoding: Encoding;
  delimiter: Delimiter;
  header: Header;
  /** The data records, in batches (one await per batch keeps a million rows fast). */
  records: AsyncIterable<CsvRecord[]>;
  /** Said to the person when the file's bytes did not fit one encoding cleanly. */
  notice: string | undefined;
  /** Rows whose cells are all empty (Excel leaves them behind); counted, not reported. */
  readonly blankRows: number;
}

const STREAM_CHUNK = 256 * 1024;
/** How many times a file is read again after a broken row before its other broken rows are reported as they come. */
const MAX_RESTARTS = 50;

/** Line breaks inside a cell (CRLF counts once). */
function lineBreaks(value: string): number {
  let n = 0;
  for (let i = value.indexOf('\n'); i !== -1; i = value.indexOf('\n', i + 1)) n++;
  if (value.includes('\r')) for (let i = 0; i < value.length; i++) if (value[i] === '\r' && value[i + 1] !== '\n') n++;
  return n;
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

function isBlank(fields: readonly string[]): boolean {
  return fields.every((f) => f.trim() === '');
}

/** The record's size in UTF-8 bytes, counted exactly only when it could be over the limit. */
function overLimit(fields: readonly string[], delimiter: string, limit: number): number | undefined {
  let chars = fields.length;
  for (const f of fields) chars += f.length;
  if (chars * 3 <= limit) return undefined; // a UTF-16 unit is at most 3 bytes of UTF-8
  const bytes = Buffer.byteLength(fields.join(delimiter));
  return bytes > limit ? bytes : undefined;
}

export async function openCsv(file: string, options: ReadOptions): Promise<CsvSource> {
  const sniffed = await sniffEncoding(file, options.encoding);
  const head = decodeHead(sniffed.head, sniffed.encoding);
  const delimiter = options.delimiter ?? detectDelimiter(head);
  let skipSeparatorLine = excelSeparatorLine(head) !== undefined;
  const hardLimit = Math.max(options.maxRecordBytes * 16, 1024 * 1024);

  /** A parser over the file's records, from the line after `skipLines` on. */
  function start(skipLines: number): { raw: AsyncGenerator<string[][]>; skipped: SkipLines | undefined; close: () => void } {
    const bytes = createReadStream(file, { start: sniffed.bomLength, highWaterMark: STREAM_CHUNK });
    const decoded: NodeJS.ReadableStream =
      sniffed.encoding === 'utf-8' ? bytes : bytes.pipe(iconv.decodeStream(sniffed.encoding === 'windows-1252' ? 'win1252' : sniffed.encoding));
    const skipped = skipLines > 0 ? new SkipLines(skipLines, options.maxRecordBytes) : undefined;
    const text: NodeJS.ReadableStream = skipped === undefined ? decoded : decoded.pipe(skipped);
    const parser = parse({
      delimiter,
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_column_count: true,
      relax_quotes: true,
      max_record_size: hardLimit,
    });
    for (const stage of new Set<NodeJS.ReadableStream>([bytes, decoded, text])) stage.on('error', (err: Error) => parser.destroy(err));
    // Errors are read from `parser.errored` between batches (see rawBatches); this listener only
    // keeps an error emitted while no batch is awaited from becoming an uncaught exception.
    parser.on('error', () => {});
    text.pipe(parser);
    return { raw: rawBatches(parser, file, () => endLine + 1), skipped, close: () => bytes.destroy() };
  }

  let current = start(0);
  const raw = current.raw;
  const pending: string[][] = [];
  let endLine = 0;
  let first: string[] | undefined;
  // Blank lines before the header are allowed.
  do {
    if (pending.length === 0) {
      const next = await raw.next().catch((err: unknown) => {
        if (err instanceof Broken && err.reason === 'record_too_long' && !headerLine(head).includes('"')) {
          throw inputError(
            `${file}, line 1: the header row is over ${hardLimit} bytes long, so the file cannot be read: ` +
              'a header is one line of column names, such as email,privileges; is this the right file?',
          );
        }
        if (err instanceof Broken) {
          throw inputError(`${file}, line ${err.line}: a quote (") in the header row is never closed, so the file cannot be read; close the quote`);
        }
        throw err;
      });
      if (next.done === true) throw inputError(`${file} is empty: it needs a header row (e.g. email,privileges) and one row per person`);
      pending.push(...next.value);
      continue;
    }
    first = pending.shift()!;
    endLine += 1 + first.reduce((n, f) => n + lineBreaks(f), 0);
    if (skipSeparatorLine) {
      skipSeparatorLine = false;
      first = undefined;
    }
  } while (first === undefined || isBlank(first));
  let header: Header;
  try {
    header = mapHeader(first, file);
    options.checkHeader?.(header, file);
  } catch (err) {
    current.close();
    throw err;
  }
  const width = first.length;
  let blankRows = 0;

  function toRecord(fields: string[]): CsvRecord | undefined {
    const line = endLine + 1;
    let breaks = 0;
    for (const f of fields) if (f.length > 0 && (f.includes('\n') || f.includes('\r'))) breaks += lineBreaks(f);
    endLine = line + breaks;
    if (isBlank(fields)) {
      if (fields.length > 1) blankRows++; // a row of empty cells; an empty line is not worth a mention
      return undefined;
    }
    const size = overLimit(fields, delimiter, options.maxRecordBytes);
    if (size !== undefined) {
      return {
        line,
        fields,
        problem: {
          code: 'record_too_long',
          message: `the row is ${size} bytes long, over the limit of ${options.maxRecordBytes} (--max-record-size): was something pasted into a cell by mistake?`,
        },
      };
    }
    if (breaks > 0 && swallowsRows(fields, delimiter, width)) {
      return {
        line,
        fields,
        problem: {
          code: 'unclosed_quote',
          message: `a quote (") opened on line ${line} is only closed on line ${endLine}, so the rows in between were read as one cell: close the quote on line ${line}, or write a quote inside a cell as ""`,
        },
      };
    }
    if (fields.length !== width) {
      return {
        line,
        fields,
        problem: {
          code: 'wrong_field_count',
          message: `the row has ${fields.length} cells but the header has ${width}: a cell containing "${delimiter === '\t' ? 'tab' : delimiter}" needs quotes, or a cell is missing`,
        },
      };
    }
    return { line, fields };
  }

  /**
   * The batch's records. A damaged record that runs over several lines is a stray quote that
   * swallowed the rows after it (a real cell with line breaks leaves the row whole): it ends the
   * batch, and the reading starts again after its first line.
   */
  function convert(batch: string[][], mayRestart: boolean): { records: CsvRecord[]; broken?: Broken } {
    const records: CsvRecord[] = [];
    for (const fields of batch) {
      const start = endLine + 1;
      const record = toRecord(fields);
      if (record === undefined) continue;
      if (mayRestart && record.problem !== undefined && endLine > start) return { records, broken: new Broken(start, 'quote_spans_rows', endLine) };
      records.push(record);
    }
    return { records };
  }

  /** The row the parser could not get past: invalid, with what its first line shows. */
  function brokenRecord(broken: Broken, firstLine: string): CsvRecord {
    const fields = firstLine.split(delimiter).map((cell) => cell.trim().replace(/^"|"$/g, ''));
    const after = `the rows after it were read from line ${broken.line + 1} on`;
    const message = {
      unclosed_quote: `a quote (") opened on line ${broken.line} is never closed, so the row cannot be read: close the quote, or write a quote inside a cell as ""; ${after}`,
      quote_spans_rows: `a quote (") opened on line ${broken.line} is only closed on line ${broken.endLine}, which breaks the row: close the quote on line ${broken.line}, or write a quote inside a cell as ""; ${after}`,
      record_too_long: firstLine.includes('"')
        ? `the row runs on for more than ${hardLimit} bytes (usually a quote that is never closed), so it cannot be read; ${after}`
        : `the row is over ${hardLimit} bytes long, so it cannot be read: was something pasted into a cell by mistake? ${after}`,
    }[broken.reason];
    const code = broken.reason === 'record_too_long' ? 'record_too_long' : 'unclosed_quote';
    return { line: broken.line, fields, problem: { code, message } };
  }

  async function* records(): AsyncGenerator<CsvRecord[]> {
    async function* firstParser(): AsyncGenerator<string[][]> {
      if (pending.length > 0) yield pending.splice(0); // read ahead with the header
      yield* raw;
    }
    let batches: AsyncIterable<string[][]> = firstParser();
    // A row the parser cannot get past is reported once the reading after it has begun (the
    // skipping stream has then read its first line), and reading goes on from the next line.
    let broken: { at: Broken; skipped: SkipLines | undefined } | undefined;
    const report = () => {
      const record = brokenRecord(broken!.at, broken!.skipped?.lastLine ?? '');
      broken = undefined;
      return [record];
    };
    // Each restart reads the file again up to the broken line: a file full of broken rows stops
    // being read again after MAX_RESTARTS, and its damaged rows are then reported as they come.
    for (let restarts = 0; ; restarts++) {
      const mayRestart = restarts < MAX_RESTARTS;
      let at: Broken | undefined;
      try {
        for await (const batch of batches) {
          if (broken !== undefined) yield report();
          const converted = convert(batch, mayRestart);
          if (converted.records.length > 0) yield converted.records;
          if ((at = converted.broken) !== undefined) break;
        }
      } catch (err) {
        if (!(err instanceof Broken)) throw err;
        at = err;
      }
      if (broken !== undefined) yield report();
      if (at === undefined) return;
      if (!mayRestart) {
        const message = `a quote (") opened on line ${at.line} is never closed, and the file has too many broken rows to read on after each: the rest of the file cannot be read; fix the quotes and validate again`;
        yield [{ line: at.line, fields: [], problem: { code: at.reason === 'record_too_long' ? 'record_too_long' : 'unclosed_quote', message } }];
        return;
      }
      current.close();
      current = start(at.line);
      endLine = at.line;
      batches = current.raw;
      broken = { at, skipped: current.skipped };
    }
  }

  return {
    file,
    encoding: sniffed.encoding,
    notice: sniffed.notice,
    delimiter,
    header,
    records: records(),
    get blankRows() {
      return blankRows;
    },
  };
}

function decodeHead(head: Buffer, encoding: Encoding): string {
  return encoding === 'utf-8' ? head.toString('utf8') : iconv.decode(head, encoding === 'windows-1252' ? 'win1252' : encoding);
}
