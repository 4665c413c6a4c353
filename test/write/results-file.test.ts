/** The results text: the fast path for plain rows writes exactly what csv-stringify writes. */
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { encodeCarried, escapeFormula, ourCells } from '../../src/write/columns.js';
import { csvRows } from '../../src/write/results-file.js';
import type { RowResult } from '../../src/types.js';

const cell = fc.stringMatching(/^[a-z@.,;"'=\r\n |é€-]{0,12}$/);
const row = fc.record({
  line: fc.nat({ max: 10_000 }),
  email: cell,
  errorMessage: cell,
  granted: cell,
  extra: fc.array(cell, { maxLength: 4 }),
});
const toRow = (r: { line: number; email: string; errorMessage: string; granted: string; extra: string[] }): RowResult => ({
  ...r,
  extra: encodeCarried(r.extra),
  status: 'invalid',
  attempts: 0,
});
/** Every cell of a row, as csv-stringify is given them (escaped against formulas). */
const cellsOf = (r: { line: number; email: string; errorMessage: string; granted: string; extra: string[] }) => [...ourCells(toRow(r)).map(escapeFormula), ...r.extra.map(escapeFormula)];

describe('results file text', () => {
  test('every row comes out as csv-stringify writes it, and reads back to its cells', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 8 }), (rows) => {
        const text = csvRows(rows.map(toRow));
        expect(text).toBe(stringify(rows.map(cellsOf), { record_delimiter: 'windows', quote_record_delimiter: true }));
        if (rows.length > 0) expect(parse(text, { relax_column_count: true })).toEqual(rows.map(cellsOf));
      }),
      { numRuns: 300 },
    );
  });

  test('a cell with a bare LF or CR is quoted, so the record does not break', () => {
    const text = csvRows([toRow({ line: 2, email: 'a@b.co', errorMessage: 'one\ntwo', granted: 'x\ry', extra: [] })]);
    expect(text).toContain('"one\ntwo"');
    expect(text).toContain('"x\ry"');
  });
});
