/**
 * What is already at the results path before a run replaces it. A dry run and a send write to the
 * same default path (`<input>.results.csv`), so without this check a `validate`, or a `send`
 * without --resume, would wipe out an earlier send's outcomes and invoice ids; and `-o` pointed
 * at some other file would destroy it.
 *
 * The check is cheap even for a million-row file (about 0.1 s for 118 MB): the header is read,
 * then each line's third cell is compared with the statuses only a send writes (`invited`,
 * `skipped`, `failed`, `deferred`), without decoding or parsing the file.
 */
import { open } from 'node:fs/promises';
import { AppError } from '../errors.js';
import { RESULT_COLUMNS } from './columns.js';

export type ExistingResults = 'none' | 'dry-run' | 'send' | 'foreign';

const CHUNK = 4 << 20;
const HEADER = Buffer.from(RESULT_COLUMNS.join(','));
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
/** The statuses only a send writes, each with the comma that ends the cell. */
const SENT = ['invited', 'skipped', 'failed', 'deferred'].map((s) => Buffer.from(`${s},`));
const LF = 0x0a;
const COMMA = 0x2c;

function isDigits(bytes: Buffer, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) if (bytes[i]! < 0x30 || bytes[i]! > 0x39) return false;
  return true;
}

function sendStatusAt(bytes: Buffer, at: number): boolean {
  const first = bytes[at];
  return SENT.some((status) => status[0] === first && bytes.compare(status, 0, status.length, at, at + status.length) === 0);
}

/** True when a line of `bytes` (whole lines) has a line number, an email, then a send's status. */
function holdsSendStatus(bytes: Buffer): boolean {
  for (let start = 0; start < bytes.length; ) {
    const lf = bytes.indexOf(LF, start);
    const end = lf === -1 ? bytes.length : lf;
    const c1 = bytes.indexOf(COMMA, start);
    if (c1 !== -1 && c1 < end) {
      const c2 = bytes.indexOf(COMMA, c1 + 1);
      if (c2 !== -1 && c2 < end && sendStatusAt(bytes, c2 + 1) && isDigits(bytes, start, c1)) return true;
    }
    start = end + 1;
  }
  return false;
}

export async function inspectResults(path: string): Promise<ExistingResults> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    throw new AppError('results', `cannot read the existing results file ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    let buffer = Buffer.allocUnsafe(CHUNK);
    let carried = 0;
    let first = true;
    for (;;) {
      // Whole lines only: the part after the last line break moves to the front, and waits for the rest.
      if (buffer.length - carried < CHUNK / 2) buffer = Buffer.concat([buffer.subarray(0, carried), Buffer.allocUnsafe(CHUNK)]);
      const { bytesRead } = await handle.read(buffer, carried, buffer.length - carried, null);
      if (bytesRead === 0) return first ? 'none' : holdsSendStatus(buffer.subarray(0, carried)) ? 'send' : 'dry-run';
      let bytes = buffer.subarray(0, carried + bytesRead);
      if (first) {
        first = false;
        if (bytes.subarray(0, 3).equals(BOM)) bytes = bytes.subarray(3);
        if (bytes.length === 0) return 'none';
        if (!bytes.subarray(0, HEADER.length).equals(HEADER)) return 'foreign';
      }
      const end = bytes.lastIndexOf(LF) + 1;
      if (holdsSendStatus(bytes.subarray(0, end))) return 'send';
      carried = bytes.length - end;
      bytes.copy(buffer, 0, end);
    }
  } finally {
    await handle.close();
  }
}

/**
 * Refuses, with the way out, to replace what the person would lose. `dry-run` results may be
 * replaced (validating again is the normal loop); a send's only by `--resume` (which keeps them).
 */
export async function checkReplaceable(path: string, command: 'validate' | 'send', replaceSendResults = false): Promise<void> {
  const existing = await inspectResults(path);
  if (existing === 'foreign') {
    throw new AppError('results', `${path} already exists and is not a brevo-invite results file, so it was left as it is: choose another results file with -o, or move that one away`);
  }
  if (existing !== 'send' || replaceSendResults) return;
  throw new AppError(
    'results',
    command === 'validate'
      ? `${path} holds the results of an earlier send (who was invited, with the invoice ids), which a dry run would replace: write the dry run elsewhere with -o, e.g. -o ${path.replace(/\.csv$/i, '')}.check.csv`
      : `${path} holds the results of an earlier send: add --resume to continue it (finished rows are kept, and nobody is invited twice), or move it away to start a new one`,
  );
}
