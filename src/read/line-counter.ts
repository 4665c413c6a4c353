/**
 * Physical line numbers of records. csv-parse's own counter miscounts CRLF inside quoted cells, so
 * lines are counted here: blank lines are not skipped by the parser (they arrive as one empty
 * cell), so a record starts on the line after the previous one ended, and ends after the line
 * breaks inside its cells. Nothing is kept per record.
 */
import type { CsvRecord, RecordShape } from './record.js';
import { breaksIn, isBlank, recordProblem } from './record-problems.js';

export class LineCounter {
  /** The last physical line read so far. */
  endLine = 0;
  /** Rows whose cells are all empty (Excel leaves them behind); counted, not reported. */
  blankRows = 0;
  #shape: RecordShape | undefined;

  /** Records are checked against the header, once it is read. */
  useShape(shape: RecordShape): void {
    this.#shape = shape;
  }

  /** Counts the lines of a record that is not one of the data (the header, what comes before it). */
  skip(fields: readonly string[]): void {
    this.endLine += 1 + breaksIn(fields);
  }

  /** The record of these cells, with its line and any damage; undefined for a blank row. */
  record(fields: string[]): CsvRecord | undefined {
    const line = this.endLine + 1;
    this.endLine = line + breaksIn(fields);
    if (isBlank(fields)) {
      if (fields.length > 1) this.blankRows++; // a row of empty cells; an empty line is not worth a mention
      return undefined;
    }
    const problem = recordProblem(fields, line, this.endLine, this.#shape!);
    return problem === undefined ? { line, fields } : { line, fields, problem };
  }

  /** Reading goes on after `line` (a new pass of the parser). */
  restartAfter(line: number): void {
    this.endLine = line;
  }
}
