/**
 * One reading of the file by csv-parse, from a given line on: bytes, decoded to text, the lines
 * before that one dropped, then records in batches. After a row the parser cannot get past, the
 * reader starts a new pass on the line after it.
 */
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import { iconvName, type Sniffed } from './encoding.js';
import { rawBatches } from './raw-batches.js';
import { SkipLines } from './skip-lines.js';

const STREAM_CHUNK = 256 * 1024;

export interface PassSettings {
  file: string;
  sniffed: Pick<Sniffed, 'encoding' | 'bomLength'>;
  delimiter: string;
  maxRecordBytes: number;
  hardLimit: number;
}

export interface ParsePass {
  batches: AsyncGenerator<string[][]>;
  /** The stream dropping the first lines, whose last line shows the row the pass starts after. */
  skipped: SkipLines | undefined;
  close(): void;
}

/** A parser over the file's records, from the line after `skipLines` on; `currentLine` is for errors. */
export function startPass(settings: PassSettings, skipLines: number, currentLine: () => number): ParsePass {
  const { file, sniffed } = settings;
  const bytes = createReadStream(file, { start: sniffed.bomLength, highWaterMark: STREAM_CHUNK });
  const decoded: NodeJS.ReadableStream = sniffed.encoding === 'utf-8' ? bytes : bytes.pipe(iconv.decodeStream(iconvName(sniffed.encoding)));
  const skipped = skipLines > 0 ? new SkipLines(skipLines, settings.maxRecordBytes) : undefined;
  const text: NodeJS.ReadableStream = skipped === undefined ? decoded : decoded.pipe(skipped);
  const parser = parse({
    delimiter: settings.delimiter,
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    relax_quotes: true,
    max_record_size: settings.hardLimit,
  });
  for (const stage of new Set<NodeJS.ReadableStream>([bytes, decoded, text])) stage.on('error', (err: Error) => parser.destroy(err));
  // Errors are read from `parser.errored` between batches (see rawBatches); this listener only
  // keeps an error emitted while no batch is awaited from becoming an uncaught exception.
  parser.on('error', () => {});
  text.pipe(parser);
  return { batches: rawBatches(parser, file, currentLine), skipped, close: () => bytes.destroy() };
}
