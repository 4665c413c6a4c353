/** A record of the CSV file as the reader gives it: its cells, where it starts, and what is wrong with it. */
export type RecordProblemCode = 'wrong_field_count' | 'record_too_long' | 'unclosed_quote';

export interface CsvRecord {
  line: number;
  fields: string[];
  /** Set when the record is damaged: it becomes an invalid row. */
  problem?: { code: RecordProblemCode; message: string } | undefined;
}

/** What a record is checked against. */
export interface RecordShape {
  delimiter: string;
  /** Cells in the header row. */
  width: number;
  /** A record longer than this (in bytes of UTF-8) is damaged. */
  maxRecordBytes: number;
  /** Past this, the parser stops: the record cannot be read at all. */
  hardLimit: number;
}
