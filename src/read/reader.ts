/**
 * Streams the records of a CSV file with the physical line number where each record starts.
 *
 * csv-parse does the parsing. Its own line counter miscounts CRLF inside quoted cells, so lines are
 * counted here instead: a record starts one line after the previous record ended, plus the blank
 * lines csv-parse skipped in between (its `empty_lines` counter), and ends after the line breaks
 * inside its cells. Memory stays flat: nothing is kept per record.
 */
import { createReadStream } from 'node:fs';
import { parse, type CsvError, type Info } from 'csv-parse';
import iconv from 'iconv-lite';
import { inputError } from '../errors.js';
import { detectDelimiter, type Delimiter } from './delimiter.js';
import { sniffEncoding, type Encoding } from './encoding.js';
import { mapHeader, type Header } from './header.js';

export interface ReadOptions {
  encoding?: Encoding | undefined;
  delimiter?: Delimiter | undefined;
  /** A record longer than this (in bytes of UTF-8) is an invalid row. */
  maxRecordBytes: number;
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
  records: AsyncIterable<CsvRecord>;
  /** Rows whose cells are all empty (Excel leaves them behind); counted, not reported. */
  readonly blankRows: number;
}

const STREAM_CHUNK = 256 * 1024;

/** Line breaks inside a cell (CRLF counts once). */
function lineBreaks(value: string): number {
  let n = 0;
  for (let i = value.indexOf('\n'); i !== -1; i = value.indexOf('\n', i + 1)) n++;
  if (value.includes('\r')) for (let i = 0; i < value.length; i++) if (value[i] === '\r' && value[i + 1] !== '\n') n++;
  return n;
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
  const delimiter = options.delimiter ?? detectDelimiter(decodeHead(sniffed.head, sniffed.encoding));
  const hardLimit = Math.max(options.maxRecordBytes * 16, 1024 * 1024);

  const bytes = createReadStream(file, { start: sniffed.bomLength, highWaterMark: STREAM_CHUNK });
  const text: NodeJS.ReadableStream =
    sniffed.encoding === 'utf-8' ? bytes : bytes.pipe(iconv.decodeStream(sniffed.encoding === 'windows-1252' ? 'win1252' : sniffed.encoding));
  const parser = parse({
    delimiter,
    info: true,
    skip_empty_lines: true,
    relax_column_count: true,
    relax_quotes: true,
    max_record_size: hardLimit,
  });
  bytes.on('error', (err) => parser.destroy(err));
  text.pipe(parser);

  const iterator = parser[Symbol.asyncIterator]() as AsyncIterator<{ record: string[]; info: Info }>;
  let endLine = 0;
  let emptySeen = 0;
  const startOf = (info: Info) => endLine + 1 + (info.empty_lines - emptySeen);

  const first = await next(iterator, file, hardLimit, () => startOf(parser.info));
  if (first === undefined) throw inputError(`${file} is empty: it needs a header row (e.g. email,privileges) and one row per person`);
  endLine = startOf(first.info) + first.record.reduce((n, f) => n + lineBreaks(f), 0);
  emptySeen = first.info.empty_lines;
  const header = mapHeader(first.record, file);
  const width = first.record.length;
  let blankRows = 0;

  async function* records(): AsyncGenerator<CsvRecord> {
    for (;;) {
      let item: { record: string[]; info: Info } | undefined;
      try {
        item = await next(iterator, file, hardLimit, () => startOf(parser.info));
      } catch (err) {
        if (err instanceof UnclosedQuote) {
          yield {
            line: err.line,
            fields: [],
            problem: {
              code: 'unclosed_quote',
              message: `a quote (") opened on line ${err.line} is never closed, so the rest of the file was read as one cell: close the quote, or write a quote inside a cell as ""`,
            },
          };
          return;
        }
        throw err;
      }
      if (item === undefined) return;
      const { record, info } = item;
      const line = startOf(info);
      let breaks = 0;
      for (const f of record) if (f.length > 0 && (f.includes('\n') || f.includes('\r'))) breaks += lineBreaks(f);
      endLine = line + breaks;
      emptySeen = info.empty_lines;

      if (isBlank(record)) {
        blankRows++;
        continue;
      }
      let problem: CsvRecord['problem'];
      const size = overLimit(record, delimiter, options.maxRecordBytes);
      if (size !== undefined) {
        problem = {
          code: 'record_too_long',
          message: `the row is ${size} bytes long, over the limit of ${options.maxRecordBytes} (--max-record-size): was something pasted into a cell by mistake?`,
        };
      } else if (record.length !== width) {
        problem = {
          code: 'wrong_field_count',
          message: `the row has ${record.length} cells but the header has ${width}: a cell containing "${delimiter === '\t' ? 'tab' : delimiter}" needs quotes, or a cell is missing`,
        };
      }
      yield { line, fields: record, problem };
    }
  }

  return {
    file,
    encoding: sniffed.encoding,
    delimiter,
    header,
    records: records(),
    get blankRows() {
      return blankRows;
    },
  };
}

class UnclosedQuote extends Error {
  constructor(readonly line: number) {
    super('unclosed quote');
  }
}

async function next<T>(
  iterator: AsyncIterator<T>,
  file: string,
  hardLimit: number,
  currentLine: () => number,
): Promise<T | undefined> {
  try {
    const r = await iterator.next();
    return r.done === true ? undefined : r.value;
  } catch (err) {
    const code = (err as CsvError).code as string | undefined;
    if (code === 'CSV_QUOTE_NOT_CLOSED') throw new UnclosedQuote(currentLine());
    if (code === 'CSV_MAX_RECORD_SIZE') {
      throw inputError(
        `${file}, line ${currentLine()}: a record runs on for more than ${hardLimit} bytes, which usually means a quote that is never closed; the rest of the file cannot be read`,
        err,
      );
    }
    const message = err instanceof Error ? err.message : String(err);
    throw inputError(`${file}: cannot be read as CSV (${message})`, err);
  }
}

function decodeHead(head: Buffer, encoding: Encoding): string {
  return encoding === 'utf-8' ? head.toString('utf8') : iconv.decode(head, encoding === 'windows-1252' ? 'win1252' : encoding);
}
