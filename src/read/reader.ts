/**
 * Streams the records of a CSV file with the physical line number where each record starts.
 *
 * csv-parse does the parsing (see parse-pass), lines are counted by the reader (see line-counter).
 * A row the parser cannot get past (a quote never closed) does not end the file: the reading starts
 * again on the line after the one where the row starts. Memory stays flat: nothing is kept per record.
 */
import { inputError } from '../errors.js';
import { brokenHeader, brokenRecord, unreadRest } from './broken-row.js';
import { detectDelimiter, excelSeparatorLine, headerLine, type Delimiter } from './delimiter.js';
import { decodeHead, sniffEncoding, type Encoding } from './encoding.js';
import { mapHeader, type Header } from './header.js';
import { LineCounter } from './line-counter.js';
import { startPass, type ParsePass, type PassSettings } from './parse-pass.js';
import { Broken } from './raw-batches.js';
import type { CsvRecord, RecordShape } from './record.js';
import { isBlank } from './record-problems.js';

export type { CsvRecord, RecordProblemCode } from './record.js';

export interface ReadOptions {
  encoding?: Encoding | undefined;
  delimiter?: Delimiter | undefined;
  /** A record longer than this (in bytes of UTF-8) is an invalid row. */
  maxRecordBytes: number;
  /** Refuses a header the caller cannot use (throws), before any record is read. */
  checkHeader?: ((header: Header, file: string) => void) | undefined;
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

/** How many times a file is read again after a broken row before its other broken rows are reported as they come. */
const MAX_RESTARTS = 50;

export async function openCsv(file: string, options: ReadOptions): Promise<CsvSource> {
  const sniffed = await sniffEncoding(file, options.encoding);
  const head = decodeHead(sniffed.head, sniffed.encoding);
  const delimiter = options.delimiter ?? detectDelimiter(head);
  const hardLimit = Math.max(options.maxRecordBytes * 16, 1024 * 1024);
  const reading = new CsvReading({ file, sniffed, delimiter, maxRecordBytes: options.maxRecordBytes, hardLimit });
  const header = await reading.readHeader({ separatorLine: excelSeparatorLine(head) !== undefined, start: headerLine(head) }, options.checkHeader);
  return {
    file,
    encoding: sniffed.encoding,
    notice: sniffed.notice,
    delimiter,
    header,
    records: reading.records(),
    get blankRows() {
      return reading.blankRows;
    },
  };
}

/**
 * The reading of one file: the parser's current pass, the line count, and the rows read ahead with
 * the header. `readHeader` first, then `records` once.
 */
class CsvReading {
  readonly #settings: PassSettings;
  readonly #lines = new LineCounter();
  #shape: RecordShape | undefined;
  #pass: ParsePass;
  /** Rows the first pass read along with the header, given before the rest. */
  #readAhead: string[][] = [];

  constructor(settings: PassSettings) {
    this.#settings = settings;
    this.#pass = this.#start(0);
  }

  get blankRows(): number {
    return this.#lines.blankRows;
  }

  #start(skipLines: number): ParsePass {
    return startPass(this.#settings, skipLines, () => this.#lines.endLine + 1);
  }

  /** The header, mapped and checked; the file is closed when it cannot be used. */
  async readHeader(text: { separatorLine: boolean; start: string }, check: ReadOptions['checkHeader']): Promise<Header> {
    const { file, delimiter, maxRecordBytes, hardLimit } = this.#settings;
    try {
      const names = await this.#headerCells(text);
      const header = mapHeader(names, file);
      check?.(header, file);
      this.#shape = { delimiter, width: names.length, maxRecordBytes, hardLimit };
      this.#lines.useShape(this.#shape);
      return header;
    } catch (err) {
      this.#pass.close();
      throw err;
    }
  }

  /** The first row that is not blank (blank lines before the header are allowed), after Excel's `sep=` line. */
  async #headerCells(text: { separatorLine: boolean; start: string }): Promise<string[]> {
    let separatorLine = text.separatorLine;
    for (;;) {
      while (this.#readAhead.length === 0) {
        const next = await this.#pass.batches.next().catch((err: unknown) => {
          throw err instanceof Broken ? brokenHeader(err, this.#settings.file, text.start, this.#settings.hardLimit) : err;
        });
        if (next.done === true) throw inputError(`${this.#settings.file} is empty: it needs a header row (e.g. email,privileges) and one row per person`);
        this.#readAhead = next.value;
      }
      const fields = this.#readAhead.shift()!;
      this.#lines.skip(fields);
      if (separatorLine) separatorLine = false;
      else if (!isBlank(fields)) return fields;
    }
  }

  async *records(): AsyncGenerator<CsvRecord[]> {
    let batches: AsyncIterable<string[][]> = this.#firstPass();
    let after: Broken | undefined;
    // Each restart reads the file again up to the broken line: a file full of broken rows stops
    // being read again after MAX_RESTARTS, and its damaged rows are then reported as they come.
    for (let restarts = 0; ; restarts++) {
      const mayRestart = restarts < MAX_RESTARTS;
      const at = yield* this.#readPass(batches, mayRestart, after);
      if (at === undefined) return;
      if (!mayRestart) {
        yield [unreadRest(at)];
        return;
      }
      this.#pass.close();
      this.#pass = this.#start(at.line);
      this.#lines.restartAfter(at.line);
      batches = this.#pass.batches;
      after = at;
    }
  }

  async *#firstPass(): AsyncGenerator<string[][]> {
    if (this.#readAhead.length > 0) yield this.#readAhead.splice(0);
    yield* this.#pass.batches;
  }

  /**
   * The records of one pass, to its end or to a row it cannot get past (returned). The row the
   * pass starts after (`after`) is reported once the pass has read its first line, which the
   * skipping stream keeps.
   */
  async *#readPass(batches: AsyncIterable<string[][]>, mayRestart: boolean, after: Broken | undefined): AsyncGenerator<CsvRecord[], Broken | undefined> {
    let unreported = after;
    const skipped = this.#pass.skipped;
    const report = (): CsvRecord[] => {
      const record = brokenRecord(unreported!, skipped?.lastLine ?? '', this.#shape!);
      unreported = undefined;
      return [record];
    };
    let at: Broken | undefined;
    try {
      for await (const batch of batches) {
        if (unreported !== undefined) yield report();
        const converted = this.#convert(batch, mayRestart);
        if (converted.records.length > 0) yield converted.records;
        if ((at = converted.broken) !== undefined) break;
      }
    } catch (err) {
      if (!(err instanceof Broken)) throw err;
      at = err;
    }
    if (unreported !== undefined) yield report();
    return at;
  }

  /**
   * The batch's records. A damaged record that runs over several lines is a stray quote that
   * swallowed the rows after it (a real cell with line breaks leaves the row whole): it ends the
   * batch, and the reading starts again after its first line.
   */
  #convert(batch: string[][], mayRestart: boolean): { records: CsvRecord[]; broken?: Broken } {
    const records: CsvRecord[] = [];
    const lines = this.#lines;
    for (const fields of batch) {
      const start = lines.endLine + 1;
      const record = lines.record(fields);
      if (record === undefined) continue;
      if (mayRestart && record.problem !== undefined && lines.endLine > start) return { records, broken: new Broken(start, 'quote_spans_rows', lines.endLine) };
      records.push(record);
    }
    return { records };
  }
}
