/**
 * Works out how a file's bytes are encoded, before any row is read: a BOM (UTF-8, UTF-16 LE/BE)
 * decides at once; otherwise the whole file is checked for valid UTF-8 (fast, native, constant
 * memory) and falls back to Windows-1252, which is what Excel's plain "CSV" writes on Windows,
 * unless the file is mostly UTF-8 with a few stray bytes (then UTF-8, with a notice).
 * Files that are not text at all (a workbook, a PDF, anything with NUL bytes) are refused here.
 */
import { open } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { inputError } from '../errors.js';
import { fileProblem, plainReason } from './file-check.js';

export type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

const ENCODING_NAMES: Record<string, Encoding> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'utf-16le': 'utf-16le',
  utf16le: 'utf-16le',
  'utf-16': 'utf-16le',
  'utf-16be': 'utf-16be',
  utf16be: 'utf-16be',
  'windows-1252': 'windows-1252',
  cp1252: 'windows-1252',
  win1252: 'windows-1252',
  latin1: 'windows-1252',
  'iso-8859-1': 'windows-1252',
};

export function encodingFromName(name: string): Encoding | undefined {
  return ENCODING_NAMES[name.trim().toLowerCase()];
}

/** The name iconv-lite knows the encoding by. */
export const iconvName = (encoding: Exclude<Encoding, 'utf-8'>): string => (encoding === 'windows-1252' ? 'win1252' : encoding);

/** The first bytes of the file as text (to find the delimiter and the header line). */
export function decodeHead(head: Buffer, encoding: Encoding): string {
  return encoding === 'utf-8' ? head.toString('utf8') : iconv.decode(head, iconvName(encoding));
}

export interface Sniffed {
  encoding: Encoding;
  /** Bytes of BOM to skip at the start of the file. */
  bomLength: number;
  /** The first bytes of the file after the BOM (for the delimiter). */
  head: Buffer;
  /** Said to the person when the bytes did not fit one encoding cleanly. */
  notice?: string | undefined;
}

const HEAD_BYTES = 64 * 1024;
const SCAN_BYTES = 1024 * 1024;

const SIGNATURES: Array<{ bytes: number[]; what: string }> = [
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'an Excel workbook or another zip archive (.xlsx)' },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0], what: 'an old Excel workbook (.xls)' },
  { bytes: [0x25, 0x50, 0x44, 0x46], what: 'a PDF document' },
];

function startsWith(buf: Buffer, bytes: readonly number[]): boolean {
  return bytes.every((b, i) => buf[i] === b);
}

export async function sniffEncoding(path: string, forced?: Encoding): Promise<Sniffed> {
  // Checked before opening: opening a named pipe waits until something writes to it.
  const problem = await fileProblem(path, { noun: 'CSV file', content: 'the CSV' });
  if (problem !== undefined) throw inputError(problem);
  const file = await open(path, 'r').catch((err: unknown) => {
    throw inputError(`cannot open ${path}: ${plainReason(err)}`, err);
  });
  try {
    const { size } = await file.stat();
    const buf = Buffer.alloc(Math.min(HEAD_BYTES, size));
    const { bytesRead } = await file.read(buf, 0, buf.length, 0);
    const head = buf.subarray(0, bytesRead);

    let encoding: Encoding | undefined = forced;
    let notice: string | undefined;
    let bomLength = 0;
    if (startsWith(head, [0xef, 0xbb, 0xbf])) [encoding, bomLength] = [forced ?? 'utf-8', 3];
    else if (startsWith(head, [0xff, 0xfe])) [encoding, bomLength] = [forced ?? 'utf-16le', 2];
    else if (startsWith(head, [0xfe, 0xff])) [encoding, bomLength] = [forced ?? 'utf-16be', 2];

    const body = head.subarray(bomLength);
    if (body.toString('latin1').trim() === '' && size <= HEAD_BYTES) {
      throw inputError(`${path} is empty: it needs a header row (e.g. email,privileges) and one row per person`);
    }
    const signature = SIGNATURES.find((s) => startsWith(head, s.bytes));
    if (signature !== undefined && forced === undefined) {
      throw inputError(`${path} is ${signature.what}, not a CSV file: save it as "CSV UTF-8" and try again`);
    }
    encoding ??= guessUtf16(body);
    if (encoding === undefined) {
      if (body.includes(0)) {
        throw inputError(`${path} looks like a binary file (it contains NUL bytes), not a CSV text file`);
      }
      if (await isWholeFileUtf8(file, size)) encoding = 'utf-8';
      else {
        // Mostly UTF-8 with a few stray bytes (rows pasted from elsewhere): reading it all as
        // Windows-1252 would garble every accented letter, so it is read as UTF-8 and the stray
        // bytes become "�"; the person is told where the first one is.
        const census = await utf8Census(file, size);
        if (census.sequences > 0 && census.sequences >= census.strays) {
          encoding = 'utf-8';
          notice = `${path} is mostly UTF-8 but has ${census.strays} byte${census.strays === 1 ? '' : 's'} that ${census.strays === 1 ? 'is' : 'are'} not (the first on line ${census.firstStrayLine}); ${census.strays === 1 ? 'it is' : 'they are'} shown as "\uFFFD". Re-save the file as "CSV UTF-8" to fix them, or pass --encoding windows-1252 if the file is really in that encoding`;
        } else encoding = 'windows-1252';
      }
    }
    return { encoding, bomLength, head: body, notice };
  } finally {
    await file.close();
  }
}

/** UTF-16 without a BOM: most ASCII text then has a zero in every other byte. */
function guessUtf16(body: Buffer): Encoding | undefined {
  const pairs = Math.floor(Math.min(body.length, 4096) / 2);
  if (pairs < 2) return undefined;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < pairs; i++) {
    if (body[2 * i] === 0) evenZeros++;
    if (body[2 * i + 1] === 0) oddZeros++;
  }
  if (oddZeros > pairs * 0.6 && evenZeros < pairs * 0.05) return 'utf-16le';
  if (evenZeros > pairs * 0.6 && oddZeros < pairs * 0.05) return 'utf-16be';
  return undefined;
}

/**
 * Reads the whole file in chunks. `visit(buf, end, last)` looks at buf[0..end) and returns how many
 * bytes it used; the rest (a sequence cut by the end of the chunk) moves to the front of the next
 * chunk. Returning false stops the reading. True when the file was read to its end.
 */
async function scanChunks(
  file: import('node:fs/promises').FileHandle,
  size: number,
  visit: (buf: Buffer, end: number, last: boolean) => number | false,
): Promise<boolean> {
  const buf = Buffer.alloc(Math.min(SCAN_BYTES, Math.max(size, 4)) + 4);
  let carry = 0;
  let position = 0;
  while (position < size) {
    const { bytesRead } = await file.read(buf, carry, buf.length - carry, position);
    if (bytesRead === 0) break;
    position += bytesRead;
    const end = carry + bytesRead;
    const used = visit(buf, end, position >= size);
    if (used === false) return false;
    buf.copyWithin(0, used, end);
    carry = end - used;
  }
  return true;
}

/** True when every byte of the file is valid UTF-8 (checked natively, chunk by chunk). */
function isWholeFileUtf8(file: import('node:fs/promises').FileHandle, size: number): Promise<boolean> {
  return scanChunks(file, size, (buf, end, last) => {
    const used = end - (last ? 0 : incompleteTail(buf, end));
    return isUtf8(buf.subarray(0, used)) ? used : false;
  });
}

/** How many bytes at the end of buf[0..end) form the start of a sequence that is not complete. */
function incompleteTail(buf: Buffer, end: number): number {
  for (let back = 1; back <= 3 && back <= end; back++) {
    const byte = buf[end - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: keep looking for the lead byte
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? back : 0;
  }
  return 0;
}

/** Counts well-formed UTF-8 multi-byte sequences and bytes that fit none, with the line of the first such byte. */
async function utf8Census(file: import('node:fs/promises').FileHandle, size: number) {
  let sequences = 0;
  let strays = 0;
  let line = 1;
  let firstStrayLine = 0;
  await scanChunks(file, size, (buf, end, last) => {
    // Stop short of the end of a chunk (a sequence may be cut there), except at the end of the file.
    const stop = last ? end : end - 3;
    let i = 0;
    for (; i < stop; i++) {
      const b = buf[i]!;
      if (b < 0x80) {
        if (b === 0x0a && strays === 0) line++;
        continue;
      }
      const length = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
      let ok = length > 0 && i + length <= end;
      for (let k = 1; ok && k < length; k++) ok = (buf[i + k]! & 0xc0) === 0x80;
      if (ok) {
        sequences++;
        i += length - 1;
      } else if (strays++ === 0) firstStrayLine = line;
    }
    return Math.min(i, end);
  });
  return { sequences, strays, firstStrayLine };
}
