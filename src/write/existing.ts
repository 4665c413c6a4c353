/**
 * What is already at the results path before a run replaces it. A dry run and a send write to the
 * same default path (`<input>.results.csv`), so without this check a `validate`, or a `send`
 * without --resume, would wipe out an earlier send's outcomes and invoice ids; and `-o` pointed
 * at some other file would destroy it.
 *
 * What must not be lost is what was sent: a row Brevo acted on or refused (`invited`, `updated`,
 * `resent`, `revoked`, `cancelled`, `failed`), or one whose request got no answer (`deferred`
 * with `outcome_unknown`). A file in which nothing was ever sent (every row `skipped`, or
 * `deferred` before its first request, as after a wrong --base-url) may be replaced: it would only
 * block the corrected run.
 *
 * The check is cheap even for a million-row file (about 0.1 s for 118 MB): the header is read,
 * then each line's third cell is compared with those statuses, without decoding or parsing the file.
 */
import { open, stat } from 'node:fs/promises';
import { AppError } from '../errors.js';
import { V1_COLUMNS } from './columns.js';
import { journalPath, readJournal } from './journal.js';

export type ExistingResults = 'none' | 'dry-run' | 'send' | 'foreign';

const CHUNK = 4 << 20;
const HEADER = Buffer.from(V1_COLUMNS.join(','));
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
/** The statuses of a row whose request was sent, each with the comma that ends the cell. */
const SENT = ['invited', 'updated', 'resent', 'revoked', 'cancelled', 'failed'].map((s) => Buffer.from(`${s},`));
const DEFERRED = Buffer.from('deferred,');
const UNKNOWN = Buffer.from(',outcome_unknown,');
const LF = 0x0a;
const COMMA = 0x2c;

function isDigits(bytes: Buffer, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) if (bytes[i]! < 0x30 || bytes[i]! > 0x39) return false;
  return true;
}

const startsAt = (bytes: Buffer, word: Buffer, at: number) => bytes[at] === word[0] && bytes.compare(word, 0, word.length, at, at + word.length) === 0;

/** Whether the line whose third cell starts at `at` (and ends at `end`) is a row that was sent. */
function sentAt(bytes: Buffer, at: number, end: number): boolean {
  if (SENT.some((status) => startsAt(bytes, status, at))) return true;
  if (!startsAt(bytes, DEFERRED, at)) return false;
  return bytes.subarray(at, end).includes(UNKNOWN);
}

/** True when a line of `bytes` (whole lines) has a line number (or none), an email, then a sent row's status. */
function holdsSendStatus(bytes: Buffer): boolean {
  for (let start = 0; start < bytes.length; ) {
    const lf = bytes.indexOf(LF, start);
    const end = lf === -1 ? bytes.length : lf;
    const c1 = bytes.indexOf(COMMA, start);
    if (c1 !== -1 && c1 < end) {
      const c2 = bytes.indexOf(COMMA, c1 + 1);
      if (c2 !== -1 && c2 < end && sentAt(bytes, c2 + 1, end) && (c1 === start || isDigits(bytes, start, c1))) return true;
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
 * A journal with lines beside the results: requests were sent whose outcome the results file may
 * not show yet (a run killed while they were in flight writes them only there).
 */
async function journalHasRequests(path: string): Promise<boolean> {
  try {
    if ((await stat(journalPath(path))).size === 0) return false;
  } catch {
    return false;
  }
  // Whole lines only: a line cut short by a crash announced a request that had not started.
  return readJournal(journalPath(path)).size > 0;
}

/**
 * Refuses, with the way out, to replace what the person would lose. `dry-run` results may be
 * replaced (validating again is the normal loop); a send's only by `--resume` (which keeps them).
 */
export async function checkReplaceable(path: string, command: 'validate' | 'send' | 'plan', replaceSendResults = false): Promise<void> {
  const existing = await inspectResults(path);
  if (existing !== 'foreign' && !replaceSendResults && (await journalHasRequests(path))) {
    throw new AppError(
      'results',
      `${path}.journal lists requests that an earlier run sent (it was stopped before it could record their answers): ` +
        (command === 'validate'
          ? `a dry run would replace their results; write it elsewhere with -o, e.g. -o ${path.replace(/\.csv$/i, '')}.check.csv`
          : command === 'plan'
            ? 'plan with --resume, as the send must be run (it checks those requests against Brevo before sending anything)'
            : 'add --resume to continue that run (it checks those requests against Brevo before sending anything), so that nobody is invited twice'),
    );
  }
  if (existing === 'foreign' && command === 'plan') return; // a plan writes elsewhere
  if (existing === 'foreign') {
    throw new AppError('results', `${path} already exists and is not a brevo-invite results file, so it was left as it is: choose another results file with -o, or move that one away`);
  }
  if (existing !== 'send' || replaceSendResults) return;
  throw new AppError(
    'results',
    command === 'validate'
      ? `${path} holds the results of an earlier send (who was invited, with the invoice ids), which a dry run would replace: write the dry run elsewhere with -o, e.g. -o ${path.replace(/\.csv$/i, '')}.check.csv`
      : command === 'plan'
        ? `${path} holds the results of an earlier send, which a send of this file continues only with --resume: plan with --resume, so that the plan shows what that send would do (the rows already done, the access this tool set)`
        : `${path} holds the results of an earlier send: add --resume to continue it (finished rows are kept, and nobody is invited twice), or move it away to start a new one`,
  );
}

/**
 * Where a plan is written. A plan file holds rows an earlier send finished (kept as they were), so
 * it reads like a send's results: it may be replaced, night after night. What it must never
 * replace is the results file it reads, a send's results with a journal beside them, or a file
 * that is not ours.
 */
export async function checkPlanTarget(planPath: string, resultsPath: string): Promise<void> {
  if (planPath === resultsPath) {
    throw new AppError('results', `the plan would be written over the results file it reads (${resultsPath}): give the plan another file with -o`);
  }
  const existing = await inspectResults(planPath);
  if (existing === 'foreign') {
    throw new AppError('results', `${planPath} already exists and is not a brevo-invite file, so it was left as it is: choose another plan file with -o`);
  }
  if (await journalHasRequests(planPath)) {
    throw new AppError('results', `${planPath} is the results file of a send (its journal lists requests): give the plan another file with -o`);
  }
}
