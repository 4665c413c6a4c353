import { describe, expect, test } from '@jest/globals';
import { Readable } from 'node:stream';
import { SkipLines } from '../../src/read/skip-lines.js';

async function skip(chunks: (string | Buffer)[], lines: number, keepMax = 100) {
  const skipper = new SkipLines(lines, keepMax);
  const parts: (string | Buffer)[] = [];
  for await (const part of Readable.from(chunks, { objectMode: true }).pipe(skipper)) parts.push(part as string | Buffer);
  const rest = parts.every((p) => typeof p === 'string') ? parts.join('') : Buffer.concat(parts as Buffer[]).toString('utf8');
  return { rest, last: skipper.lastLine };
}

describe('SkipLines', () => {
  test.each([
    ['LF', ['a\nb\nc\n'], 'c\n'],
    ['CRLF', ['a\r\nb\r\nc\r\n'], 'c\r\n'],
    ['CR', ['a\rb\rc\r'], 'c\r'],
    ['a CRLF split across chunks', ['a\r\nb\r', '\nc\r\n'], 'c\r\n'],
    ['one character per chunk', [...'a\r\nb\r\nc'], 'c'],
  ])('drops the first lines (%s) and keeps the last one dropped', async (_name, chunks, rest) => {
    expect(await skip(chunks, 2)).toEqual({ rest, last: 'b' });
  });

  test('bytes: a character split across chunks is kept whole', async () => {
    const bytes = Buffer.from('x\nzoë@x.co,"Ærø\nnext\n');
    expect(await skip([bytes.subarray(0, 5), bytes.subarray(5, 13), bytes.subarray(13)], 2)).toEqual({ rest: 'next\n', last: 'zoë@x.co,"Ærø' });
  });

  test('keeps at most keepMax of the last line', async () => {
    expect(await skip(['a\n', 'x'.repeat(50), 'y'.repeat(50), '\nrest'], 2, 60)).toEqual({ rest: 'rest', last: 'x'.repeat(50) + 'y'.repeat(10) });
  });

  test('a file shorter than the lines to drop gives nothing', async () => {
    expect(await skip(['a\nb'], 5)).toEqual({ rest: '', last: '' });
  });
});
