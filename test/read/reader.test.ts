import { afterAll, describe, expect, test } from '@jest/globals';
import { openCsv, type CsvRecord } from '../../src/read/reader.js';
import { fixture } from '../helpers/cli.js';
import { cleanTempDirs, tempFile } from '../helpers/files.js';

afterAll(cleanTempDirs);

const OPTIONS = { maxRecordBytes: 64 * 1024 };

async function readAll(path: string, options = OPTIONS) {
  const source = await openCsv(path, options);
  const records: CsvRecord[] = [];
  for await (const batch of source.records) records.push(...batch);
  return { source, records };
}

const file = (content: string | Buffer) => tempFile('input.csv', content);

describe('reader', () => {
  test('gives each record the physical line where it starts, across multi-line cells and blank lines', async () => {
    const { records } = await readAll(fixture('inputs/multiline.csv'));
    expect(records.map((r) => [r.line, r.fields[0]])).toEqual([
      [2, 'ann@example.com'],
      [5, 'bob@example.com'],
      [6, 'cy@example.com'],
      [9, 'dan@example.com'],
    ]);
    expect(records[0]?.fields[2]).toBe('line one\r\nline two');
  });

  test('counts CRLF inside a quoted cell as one line', async () => {
    const { records } = await readAll(file('email,note\r\na@x.co,"1\r\n2\r\n3"\r\n\r\n\r\nb@x.co,ok\r\n'));
    expect(records.map((r) => r.line)).toEqual([2, 7]);
  });

  test('reads ; with CRLF, maps header aliases, skips rows of empty cells', async () => {
    const { source, records } = await readAll(fixture('inputs/semicolon-crlf.csv'));
    expect(source.delimiter).toBe(';');
    expect(source.header.index).toEqual({ email: 0, allFeaturesAccess: 1, privileges: 2 });
    expect(source.header.carried).toEqual([3]);
    expect(records.map((r) => [r.line, r.fields[3]])).toEqual([
      [2, 'Marketing'],
      [3, 'IT'],
      [5, 'Sales; EMEA'],
    ]);
  });

  test.each([
    ['inputs/utf8-bom.csv', ','],
    ['inputs/utf16le-bom.csv', ','],
    ['inputs/utf16be-bom.csv', ','],
    ['inputs/utf16le-tab.csv', '\t'],
  ])('decodes %s', async (name, delimiter) => {
    const { source, records } = await readAll(fixture(name));
    expect(source.delimiter).toBe(delimiter);
    expect(source.header.names[0]).toBe('email');
    expect(records.map((r) => r.fields[1])).toEqual(['Zoë Müller', 'François Øster']);
  });

  test('decodes Windows-1252, including the characters it has beyond Latin-1', async () => {
    const { records } = await readAll(fixture('inputs/windows-1252.csv'));
    expect(records.map((r) => r.fields[3])).toEqual(['costs 5 €', '“quoted” – dash']);
    expect(records[1]?.fields[1]).toBe('François Œuvre');
  });

  test('a file with invalid UTF-8 only near its end is still read as Windows-1252', async () => {
    const filler = 'filler@example.com,contacts:view,x\n'.repeat(60_000);
    const bytes = Buffer.concat([Buffer.from(`email,privileges,note\n${filler}`), Buffer.from('last@example.com,contacts:view,caf'), Buffer.from([0xe9, 0x0a])]);
    const { source, records } = await readAll(file(bytes));
    expect(source.encoding).toBe('windows-1252');
    expect(records.at(-1)?.fields[2]).toBe('café');
  });

  test('rows with the wrong number of cells and over-long rows are damaged, and reading goes on', async () => {
    const wrong = await readAll(fixture('inputs/wrong-field-count.csv'));
    expect(wrong.records.map((r) => [r.line, r.problem?.code])).toEqual([
      [2, undefined],
      [3, 'wrong_field_count'],
      [4, 'wrong_field_count'],
      [5, undefined],
    ]);
    const long = await readAll(fixture('inputs/long-record.csv'));
    expect(long.records.map((r) => [r.line, r.problem?.code])).toEqual([
      [2, undefined],
      [3, 'record_too_long'],
      [4, undefined],
    ]);
  });

  test('an unclosed quote is one damaged record at the line where it opened, and reading goes on after that line', async () => {
    const { records } = await readAll(fixture('inputs/unclosed-quote.csv'));
    expect(records.map((r) => [r.line, r.problem?.code, r.fields[0]])).toEqual([
      [2, undefined, 'ann@example.com'],
      [3, 'unclosed_quote', 'bob@example.com'],
      [4, undefined, 'zed@example.com'],
    ]);
    expect(records[1]?.problem?.message).toContain('opened on line 3 is never closed');
    expect(records[1]?.fields).toEqual(['bob@example.com', 'contacts:view', 'never closed']);
  });

  test('a stray quote closed only by a later row damages its own row; a real multi-line cell is kept', async () => {
    const text = [
      'email,privileges,note',
      'a@x.co,contacts:view,ok',
      'bob@x.co,contacts:view,"stray',
      'c@x.co,contacts:view,fine',
      'd@x.co,contacts:view,"quoted, with comma"',
      'f@x.co,contacts:view,"multi',
      'line cell"',
      'g@x.co,contacts:view,end',
    ].join('\n');
    const { records } = await readAll(file(`${text}\n`));
    expect(records.map((r) => [r.line, r.problem?.code, r.fields[0]])).toEqual([
      [2, undefined, 'a@x.co'],
      [3, 'unclosed_quote', 'bob@x.co'],
      [4, undefined, 'c@x.co'],
      [5, undefined, 'd@x.co'],
      [6, undefined, 'f@x.co'],
      [8, undefined, 'g@x.co'],
    ]);
    expect(records[1]?.problem?.message).toContain('opened on line 3 is only closed on line 5');
    expect(records[4]?.fields[2]).toBe('multi\nline cell');
  });

  test('stray quotes that pair up across rows (leaving each record the right width) still damage only their own rows', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => (i % 4 === 1 ? `u${i}@x.co,contacts:view,"stray` : `u${i}@x.co,contacts:view,ok`));
    const { records } = await readAll(file(`email,privileges,note\n${rows.join('\n')}\n`));
    expect(records.map((r) => r.line)).toEqual(Array.from({ length: 12 }, (_, i) => i + 2));
    expect(records.filter((r) => r.problem !== undefined).map((r) => [r.line, r.problem?.code])).toEqual([
      [3, 'unclosed_quote'],
      [7, 'unclosed_quote'],
      [11, 'unclosed_quote'],
    ]);
    expect(records[1]?.problem?.message).toContain('opened on line 3 is only closed on line 7');
  });

  test('a file full of stray quotes is read again a bounded number of times; past that, each swallowing row is still reported', async () => {
    const rows = Array.from({ length: 1200 }, (_, i) => (i % 10 === 5 ? `u${i}@x.co,contacts:view,"stray` : `u${i}@x.co,contacts:view,ok`));
    const { records } = await readAll(file(`email,privileges,note\n${rows.join('\n')}\n`));
    const damaged = records.filter((r) => r.problem !== undefined);
    expect(damaged.length).toBeGreaterThan(60); // the first ones restart the reading, the rest are reported as they come
    expect(damaged.every((r) => r.problem?.code === 'unclosed_quote' && r.fields[0] === `u${r.line - 2}@x.co`)).toBe(true);
    // nothing is lost without a word: every data line is either a record or inside a damaged one
    const covered = new Set(records.map((r) => r.line));
    for (const r of damaged) for (let l = r.line; l <= r.line + 10; l++) covered.add(l);
    for (let line = 2; line <= 1201; line++) expect(covered.has(line)).toBe(true);
  });

  test('rows read ahead of an unclosed quote at the end are all kept', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `u${i}@example.com,contacts:view`);
    const { records } = await readAll(file(`email,privileges\n${rows.join('\n')}\n"x@example.com,contacts:view\n`));
    expect(records).toHaveLength(5001);
    expect(records.at(-2)?.line).toBe(5001);
    expect(records.at(-1)).toMatchObject({ line: 5002, problem: { code: 'unclosed_quote' } });
  });

  test.each([
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ])('in a %s file, an unclosed quote damages only its own line', async (_name, eol) => {
    const lines = ['email,note', 'a@x.co,ok', 'b@x.co,"open', 'c@x.co,ok', '', 'd@x.co,ok'];
    const { records } = await readAll(file(lines.join(eol) + eol));
    expect(records.map((r) => [r.line, r.problem?.code, r.fields])).toEqual([
      [2, undefined, ['a@x.co', 'ok']],
      [3, 'unclosed_quote', ['b@x.co', 'open']],
      [4, undefined, ['c@x.co', 'ok']],
      [6, undefined, ['d@x.co', 'ok']],
    ]);
  });

  test('in UTF-16 too, reading goes on after an unclosed quote, with the right characters', async () => {
    const text = 'email,note\r\nzoë@x.co,"Ærø\r\nbjörn@x.co,Åsa\r\n';
    const { records } = await readAll(file(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])));
    expect(records.map((r) => [r.line, r.problem?.code, r.fields])).toEqual([
      [2, 'unclosed_quote', ['zoë@x.co', 'Ærø']],
      [3, undefined, ['björn@x.co', 'Åsa']],
    ]);
  });

  test('a record past the hard limit is one damaged record, and reading goes on after its first line', async () => {
    const path = file(`email,note\na@x.co,"${'x'.repeat(2 * 1024 * 1024)}\nb@x.co,fine\n`);
    const { records } = await readAll(path, { maxRecordBytes: 1024 });
    expect(records.map((r) => [r.line, r.problem?.code, r.fields[0]])).toEqual([
      [2, 'record_too_long', 'a@x.co'],
      [3, undefined, 'b@x.co'],
    ]);
    expect(records[0]?.problem?.message).toContain('the rows after it were read from line 3 on');
    expect(records[0]?.fields[1]?.length).toBe(1024 - 'a@x.co,"'.length); // what the row shows is cut at the record limit
  });

  test('a missing email column lists the columns found', async () => {
    await expect(openCsv(fixture('inputs/no-email-column.csv'), OPTIONS)).rejects.toMatchObject({
      code: 'input',
      message: expect.stringContaining('no email column; the header has "name", "privileges"'),
    });
  });

  test('header names with invisible characters (zero-width spaces, a stray BOM) still match', async () => {
    const { source } = await readAll(file('\u200BE-mail\u200B,\uFEFFPrivileges\nann@example.com,contacts:view\n'));
    expect(source.header.index).toEqual({ email: 0, privileges: 1 });
  });

  test('two columns for the same thing are refused', async () => {
    await expect(openCsv(file('Email,E-mail,privileges\n'), OPTIONS)).rejects.toMatchObject({
      message: expect.stringContaining('columns "Email" and "E-mail" both mean email'),
    });
  });

  test("Excel's sep= first line sets the delimiter and is not the header", async () => {
    const { source, records } = await readAll(file('sep=;\r\nemail;privileges\r\nann@example.com;contacts:view, templates:*\r\n'));
    expect(source.delimiter).toBe(';');
    expect(source.header.names).toEqual(['email', 'privileges']);
    expect(records.map((r) => [r.line, r.fields[1]])).toEqual([[3, 'contacts:view, templates:*']]);
  });

  test('an unclosed quote in the header stops the file with a clear message', async () => {
    await expect(openCsv(file('"email,privileges\nann@example.com,contacts:view\n'), OPTIONS)).rejects.toMatchObject({
      code: 'input',
      message: expect.stringContaining('line 1: a quote (") in the header row is never closed'),
    });
  });

  test('a header over the size limit with no quote in it is called what it is, not an unclosed quote', async () => {
    const header = `email,privileges,${Array.from({ length: 200_000 }, (_, i) => `c${i}`).join(',')}`;
    const error = await openCsv(file(`${header}\nann@example.com,contacts:view\n`), { maxRecordBytes: 1024 }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toMatchObject({
      code: 'input',
      message: expect.stringContaining('line 1: the header row is over 1048576 bytes long, so the file cannot be read'),
    });
    expect((error as Error).message).not.toContain('quote');
  });

  test('a row over the hard limit with no quote in it is called too long, not an unclosed quote', async () => {
    const { records } = await readAll(file(`email,note\na@x.co,${'x'.repeat(2 * 1024 * 1024)}\nb@x.co,fine\n`), { maxRecordBytes: 1024 });
    expect(records.map((r) => [r.line, r.problem?.code, r.fields[0]])).toEqual([
      [2, 'record_too_long', 'a@x.co'],
      [3, undefined, 'b@x.co'],
    ]);
    expect(records[0]?.problem?.message).toMatch(/^the row is over 1048576 bytes long, so it cannot be read: was something pasted into a cell by mistake\?/);
  });

  test('a header with no data rows reads as zero records', async () => {
    const { records } = await readAll(fixture('inputs/header-only.csv'));
    expect(records).toEqual([]);
  });

  test('a file of blank lines is empty', async () => {
    await expect(openCsv(file('\n\n\n'), OPTIONS)).rejects.toMatchObject({ code: 'input', message: expect.stringContaining('is empty') });
  });
});
