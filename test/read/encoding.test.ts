import { describe, expect, test } from '@jest/globals';
import { sniffEncoding } from '../../src/read/encoding.js';
import { fixture } from '../helpers/cli.js';

describe('encoding detection', () => {
  test.each([
    ['inputs/utf8-bom.csv', 'utf-8', 3],
    ['inputs/utf16le-bom.csv', 'utf-16le', 2],
    ['inputs/utf16be-bom.csv', 'utf-16be', 2],
    ['inputs/windows-1252.csv', 'windows-1252', 0],
    ['inputs/mostly-utf8.csv', 'utf-8', 0],
    ['inputs/multiline.csv', 'utf-8', 0],
    ['sample.csv', 'utf-8', 0],
  ])('%s is %s', async (name, encoding, bomLength) => {
    await expect(sniffEncoding(fixture(name))).resolves.toMatchObject({ encoding, bomLength });
  });

  test('a file that is mostly UTF-8 with a stray byte is read as UTF-8, with a notice naming the line', async () => {
    const sniffed = await sniffEncoding(fixture('inputs/mostly-utf8.csv'));
    expect(sniffed.notice).toContain('is mostly UTF-8 but has 1 byte that is not (the first on line 3)');
    expect(sniffed.notice).toContain('--encoding windows-1252');
    expect((await sniffEncoding(fixture('inputs/windows-1252.csv'))).notice).toBeUndefined();
  });

  test.each([
    ['inputs/empty.csv', /is empty/],
    ['inputs/workbook.xlsx.csv', /Excel workbook.*save it as "CSV UTF-8"/],
    ['inputs/binary.csv', /binary file/],
    ['inputs/nope.csv', /cannot find the file/],
  ])('%s is refused: %s', async (name, message) => {
    await expect(sniffEncoding(fixture(name))).rejects.toMatchObject({ code: 'input', message: expect.stringMatching(message) });
  });
});
