import { describe, expect, test } from '@jest/globals';
import { delimiterFromName, detectDelimiter } from '../../src/read/delimiter.js';

describe('delimiter detection', () => {
  test.each([
    ['email,privileges\na@b.co,contacts:view;templates:*', ','],
    ['email;privileges\r\na@b.co;"contacts:view, templates:*"', ';'],
    ['email\tprivileges\tname', '\t'],
    ['email|privileges', '|'],
    ['"e,mail";privileges;name', ';'],
    ['email', ','],
  ])('%j uses %j', (text, delimiter) => {
    expect(detectDelimiter(text)).toBe(delimiter);
  });

  test('dots in the data do not count: only the header is read', () => {
    expect(detectDelimiter('email;name\na.b.c.d@e.f.g;x.y.z')).toBe(';');
  });

  test.each([
    ['tab', '\t'],
    ['\\t', '\t'],
    [';', ';'],
    ['semicolon', ';'],
    ['pipe', '|'],
    ['x', undefined],
  ])('--delimiter %j is %j', (name, delimiter) => {
    expect(delimiterFromName(name)).toBe(delimiter);
  });
});
