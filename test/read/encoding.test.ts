import { describe, expect, test } from '@jest/globals';
import { sniffEncoding } from '../../src/read/encoding.js';
import { fixture } from '../helpers/cli.js';

describe('encoding detection', () => {
  test.each([
    ['inputs/utf8-bom.csv', 'utf-8', 3],
    ['inputs/utf16le-bom.csv', 'utf-16le', 2],
    ['inputs/utf16be-bom.csv', 'utf-16be', 2],
    ['inputs/windows-1252.csv', 'windows-1252', 0],
    ['inputs/multiline.csv', 'utf-8', 0],
    ['sample.csv', 'utf-8', 0],
  ])('%s is %s', async (name, encoding, bomLength) => {
    await expect(sniffEncoding(fixture(name))).resolves.toMatchObject({ encoding, bomLength });
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
