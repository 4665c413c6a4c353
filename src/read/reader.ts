/**
 * Streams the records of a CSV file with the physical line number where each record starts.
 *
 * csv-parse does the parsing. Its own line counter miscounts CRLF inside quoted cells, so lines are
 * counted here instead: blank lines are not skipped by the parser (they arrive as one empty cell),
 * so a record starts on the line after the previous one ended, and ends after the line breaks
 * inside its cells. Memory stays flat: nothing is kept per record.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import iconv from 'iconv-lite';
import { inputError } from '../errors.js';
import { detectDelimiter, excelSeparatorLine, type Delimiter } from './delimiter.js';
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
  /** The data records, in batches (one await per batch keeps a million rows fast). */
  records: AsyncIterable<CsvRecord[]>;
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
  const head = decodeHead(sniffed.head, sniffed.encoding);
  const delimiter = options.delimiter ?? detectDelimiter(head);
  let skipSeparatorLine = excelSeparatorLine(head) !== undefined;
  const hardLimit = Math.max(options.maxRecordBytes * 16, 1024 * 1024);

  const bytes = createReadStream(file, { start: sniffed.bomLength, highWaterMark: STREAM_CHUNK });
  const text: NodeJS.ReadableStream =
    sniffed.encoding === 'utf-8' ? bytes : bytes.pipe(iconv.decodeStream(sniffed.encoding === 'windows-1252' ? 'win1252' : sniffed.encoding));
  const parser = parse({
    delimiter,
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    relax_quotes: true,
    max_record_size: hardLimit,
  });
  bytes.on('error', (err) => parser.destroy(err));
  if (text !== bytes) text.on('error', (err) => parser.destroy(err as Error));
  // Errors are read from `parser.errored` between batches (see rawBatches); this listener only
  // keeps an error emitted while no batch is awaited from becoming an uncaught exception.
  parser.on('error', () => {});
  text.pipe(parser);

  const raw = rawBatches(parser, file, hardLimit, () => endLine + 1);
  const pending: string[][] = [];
  let endLine = 0;
  let first: string[] | undefined;
  // Blank lines before the header are allowed.
  do {
    if (pending.length === 0) {
      const next = await raw.next().catch((err: unknown) => {
        if (err instanceof UnclosedQuote) {
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
  const header = mapHeader(first, file);
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

  function convert(batch: string[][]): CsvRecord[] {
    const out: CsvRecord[] = [];
    for (const fields of batch) {
      const record = toRecord(fields);
      if (record !== undefined) out.push(record);
    }
    return out;
  }

  async function* records(): AsyncGenerator<CsvRecord[]> {
    if (pending.length > 0) yield convert(pending.splice(0));
    try {
      for await (const batch of raw) yield convert(batch);
    } catch (err) {
      if (!(err instanceof UnclosedQuote)) throw err;
      yield [
        {
          line: err.line,
          fields: [],
          problem: {
            code: 'unclosed_quote',
            message: `a quote (") opened on line ${err.line} is never closed, so the rest of the file was read as one cell: close the quote, or write a quote inside a cell as ""`,
          },
        },
      ];
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

const BATCH = 256;

/**
 * Records in batches, read synchronously from the parser's buffer: one await per batch instead of
 * one per record (the async iterator of a stream costs a promise per record).
 */
async function* rawBatches(
  parser: Readable,
  file: string,
  hardLimit: number,
  currentLine: () => number,
): AsyncGenerator<string[][]> {
  for (;;) {
    const batch: string[][] = [];
    for (let r = parser.read() as string[] | null; r !== null; r = batch.length < BATCH ? (parser.read() as string[] | null) : null) {
      batch.push(r);
    }
    if (batch.length > 0) {
      yield batch;
      continue;
    }
    if (parser.errored !== null) throw readError(parser.errored, file, hardLimit, currentLine());
    if (parser.readableEnded) return;
    try {
      await dataOrEnd(parser);
    } catch (err) {
      throw readError(err, file, hardLimit, currentLine());
    }
  }
}

function dataOrEnd(stream: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (err?: unknown) => {
      stream.off('readable', onData).off('end', onData).off('error', settle);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onData = () => settle();
    stream.once('readable', onData).once('end', onData).once('error', settle);
  });
}

function readError(err: unknown, file: string, hardLimit: number, line: number): Error {
  const code = (err as CsvError).code as string | undefined;
  if (code === 'CSV_QUOTE_NOT_CLOSED') return new UnclosedQuote(line);
  if (code === 'CSV_MAX_RECORD_SIZE') {
    return inputError(
      `${file}, line ${line}: a record runs on for more than ${hardLimit} bytes, which usually means a quote that is never closed; the rest of the file cannot be read`,
      err,
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return inputError(`${file}: cannot be read as CSV (${message})`, err);
}

function decodeHead(head: Buffer, encoding: Encoding): string {
  return encoding === 'utf-8' ? head.toString('utf8') : iconv.decode(head, encoding === 'windows-1252' ? 'win1252' : encoding);
}
