/**
 * csv-parse's records in batches, read synchronously from the parser's buffer: one await per batch
 * instead of one per record (the async iterator of a stream costs a promise per record). A record
 * the parser cannot get past ends the batches with `Broken`, for the reader to carry on after it.
 */
import type { Readable } from 'node:stream';
import type { CsvError } from 'csv-parse';
import { inputError } from '../errors.js';

/**
 * A record the parser cannot get past, at the line where it starts: a quote never closed, a record
 * past the hard size limit, or (found by the reader) a quote that runs on over several lines into a
 * record that cannot be right, up to `endLine`.
 */
export class Broken extends Error {
  constructor(
    readonly line: number,
    readonly reason: 'unclosed_quote' | 'record_too_long' | 'quote_spans_rows',
    readonly endLine?: number,
  ) {
    super(reason);
  }
}

const BATCH = 256;

/** The records of `parser`; `currentLine` gives the line where the record being read starts. */
export async function* rawBatches(parser: Readable, file: string, currentLine: () => number): AsyncGenerator<string[][]> {
  for (;;) {
    const batch: string[][] = [];
    for (let r = parser.read() as string[] | null; r !== null; r = batch.length < BATCH ? (parser.read() as string[] | null) : null) {
      batch.push(r);
    }
    if (batch.length > 0) {
      yield batch;
      continue;
    }
    if (parser.errored !== null) throw readError(parser.errored, file, currentLine());
    if (parser.readableEnded) return;
    try {
      await dataOrEnd(parser);
    } catch (err) {
      throw readError(err, file, currentLine());
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

function readError(err: unknown, file: string, line: number): Error {
  const code = (err as CsvError).code as string | undefined;
  if (code === 'CSV_QUOTE_NOT_CLOSED') return new Broken(line, 'unclosed_quote');
  if (code === 'CSV_MAX_RECORD_SIZE') return new Broken(line, 'record_too_long');
  const message = err instanceof Error ? err.message : String(err);
  return inputError(`${file}: cannot be read as CSV (${message})`, err);
}
