import { describe, expect, test } from '@jest/globals';
import { encodeCarried, escapeFormula, ourCells, resultHeader, unescapeFormula } from '../../src/write/columns.js';
import { csvHeader } from '../../src/write/results-file.js';

describe('results columns', () => {
  test('our columns come first, then the input ones; collisions are renamed input_<name>', () => {
    expect(resultHeader(['name', 'Status', 'line', 'input_line'])).toEqual([
      'line', 'email', 'status', 'invoice_id', 'error_code', 'error_message', 'http_status', 'attempts', 'granted', 'finished_at', 'action', 'credit_notes', 'invited_at',
      'name', 'input_Status', 'input_line', 'input_input_line',
    ]);
  });

  test.each(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx', '\nx', '\uFF1D1+1', '\uFF0B1', '\uFF0D1', '\uFF20SUM(A1)'])('%j is escaped against formula injection', (value) => {
    expect(escapeFormula(value)).toBe(`'${value}`);
    expect(unescapeFormula(escapeFormula(value))).toBe(value);
  });

  test.each(['plain', "'quoted", 'a=b', ''])('%j is left alone', (value) => {
    expect(escapeFormula(value)).toBe(value);
    expect(unescapeFormula(value)).toBe(value);
  });

  test('a row becomes its cells, in column order; the carried cells are encoded once, escaped', () => {
    expect(
      ourCells({ line: 4, email: 'a@b.co', action: 'update', status: 'failed', errorCode: 'invalid_parameter', errorMessage: 'no', httpStatus: 400, attempts: 1, granted: 'all', finishedAt: '2026-01-01T00:00:00.000Z', creditNotes: 'CN-1', invitedAt: '2025-12-01T00:00:00.000Z', extra: '' }),
    ).toEqual(['4', 'a@b.co', 'failed', '', 'invalid_parameter', 'no', '400', '1', 'all', '2026-01-01T00:00:00.000Z', 'update', 'CN-1', '2025-12-01T00:00:00.000Z']);
    expect(encodeCarried(['=x', 'y', 'a,b', ''])).toBe(`,'=x,y,"a,b",`);
    expect(encodeCarried([])).toBe('');
  });

  test('input column names that look like formulas are escaped in the header too', () => {
    const header = csvHeader(['=HYPERLINK("http://x","y")', '@SUM(A1)', '-2+3', 'name']);
    expect(header).toContain(`"'=HYPERLINK(""http://x"",""y"")",'@SUM(A1),'-2+3,name\r\n`);
  });
});
