/**
 * The `--summary-json` document a monitor reads, after every way a scheduled run can end: written on
 * every exit (0, 1, 2, 3, 75, 130, 143), with every documented field, ISO UTC times, the exit code's
 * meaning, the next step and the command that resumes. The fields are listed once here and once in the
 * README's table, and both are held against the document. The real CLI runs as a child process.
 */
import { afterAll, afterEach, describe, expect, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, lstatSync, readFileSync, writeFileSync, utimesSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { EXIT_MEANING } from '../../src/run/report.js';
import { ACTION_NAMES, STATUSES } from '../../src/types.js';
import { expectNoStackTrace, jsonLines, ROOT, runCli, type CliRun } from '../helpers/cli.js';
import { cleanTempDirs, readResults, tempDir } from '../helpers/files.js';
import { closeSimulators, invitationRequests, sendEnv, simulator, usersCsv } from '../helpers/sim.js';

afterEach(closeSimulators);
afterAll(cleanTempDirs);

/** Every field of the document, as the README's table lists them (nested ones as `parent.child`). */
const SUMMARY_FIELDS = [
  'schema_version',
  'tool',
  'version',
  'run_id',
  'command',
  'started_at',
  'finished_at',
  'elapsed_ms',
  'exit_code',
  'exit_meaning',
  'base_url',
  'stopped_for',
  'stop_detail',
  'error',
  'input',
  'results',
  'rows',
  'left_input',
  'counts',
  'counts_kept',
  'actions',
  'access_changed',
  'removed_since',
  'resends_postponed',
  'requests',
  'rate_limited',
  'work_ms',
  'budget',
  'budget.limit',
  'budget.remaining',
  'budget.reset_at',
  'budget.late_reset_ms',
  'next_step',
  'resume_command',
  'first_rows',
  'first_rows[].line',
  'first_rows[].email',
  'first_rows[].status',
  'first_rows[].error_code',
  'first_rows[].error_message',
  'removals',
  'removals[].email',
  'removals[].action',
  'removals[].status',
  'planned_requests',
] as const;

const top = SUMMARY_FIELDS.filter((f) => !f.includes('.'));
const under = (parent: string) => SUMMARY_FIELDS.filter((f) => f.startsWith(`${parent}.`)).map((f) => f.slice(parent.length + 1));
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

type Doc = Record<string, unknown> & {
  budget: Record<string, unknown>;
  first_rows: Array<Record<string, unknown>>;
  removals: Array<Record<string, unknown>>;
  counts: Record<string, number> | null;
  actions: Record<string, number> | null;
};

/** The document has every documented field and nothing else, with the types the README gives. */
function checkDocument(doc: Doc, exitCode: number, run?: CliRun): void {
  expect(Object.keys(doc).sort()).toEqual([...top].sort());
  expect(Object.keys(doc.budget).sort()).toEqual(under('budget').sort());
  for (const row of doc.first_rows) expect(Object.keys(row).sort()).toEqual(under('first_rows[]').sort());
  for (const row of doc.removals) expect(Object.keys(row).sort()).toEqual(under('removals[]').sort());
  if (doc.counts !== null) expect(Object.keys(doc.counts).sort()).toEqual([...STATUSES].sort());
  if (doc.actions !== null) expect(Object.keys(doc.actions).sort()).toEqual([...ACTION_NAMES].sort());
  expect(doc).toMatchObject({ schema_version: 1, tool: 'brevo-invite', exit_code: exitCode, exit_meaning: EXIT_MEANING[exitCode] });
  expect(doc.version).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  expect(doc.run_id).toMatch(/^[0-9a-f-]{36}$/);
  expect(doc.started_at).toMatch(ISO_UTC);
  expect(doc.finished_at).toMatch(ISO_UTC);
  expect(Date.parse(doc.finished_at as string)).toBeGreaterThanOrEqual(Date.parse(doc.started_at as string));
  expect(Date.now() - Date.parse(doc.finished_at as string)).toBeLessThan(60_000); // tonight's, not an old one
  expect(doc.elapsed_ms).toBe(Date.parse(doc.finished_at as string) - Date.parse(doc.started_at as string));
  if (doc.budget.reset_at !== null) expect(doc.budget.reset_at).toMatch(ISO_UTC);
  expect(typeof doc.next_step).toBe('string');
  expect((doc.next_step as string).length).toBeGreaterThan(10);
  for (const f of ['rows', 'left_input', 'access_changed', 'requests', 'rate_limited', 'work_ms']) expect(typeof doc[f]).toBe('number');
  // The run's log lines carry the same run_id.
  if (run !== undefined) for (const line of jsonLines(run.stderr)) expect(line.run_id).toBe(doc.run_id);
}

const readDoc = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Doc;

describe('the README documents every field of the summary JSON', () => {
  test('its table lists exactly the fields of the document', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('**The summary JSON');
    expect(start).toBeGreaterThan(-1);
    const table = readme.slice(start).split('\n\n').find((block) => block.startsWith('| field'));
    expect(table).toBeDefined();
    const fields = table!
      .split('\n')
      .slice(2)
      .map((line) => /^\| `([^`]+)`/.exec(line)?.[1]);
    expect(fields).toEqual([...SUMMARY_FIELDS]);
  });
});

describe('the summary JSON is written on every exit, with every field', () => {
  test('0: every row invited; no resume command', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const summary = join(dir, 'last-run.json');
    const run = await runCli(['send', usersCsv(dir, 3), '--summary-json', summary], { env: sendEnv(sim) });
    expect(run.code).toBe(0);
    const doc = readDoc(summary);
    checkDocument(doc, 0, run);
    expect(doc).toMatchObject({ command: 'send', stopped_for: null, error: null, rows: 3, requests: 4, base_url: sim.url, results: join(dir, 'users.results.csv'), resume_command: null, first_rows: [] });
    expect(doc.counts).toMatchObject({ invited: 3 });
  });

  test('1: an invalid row and a refused row are the first rows to look at; the refused one can be resumed', async () => {
    const sim = await simulator({ planLacks: ['phone'] });
    const dir = tempDir();
    const input = join(dir, 'team.csv');
    writeFileSync(input, 'email,privileges\nann@example.com,contacts:view\nbob@example.com,contacts:veiw\ncy@example.com,phone:all\n');
    const summary = join(dir, 'last-run.json');
    const run = await runCli(['send', input, '--summary-json', summary], { env: sendEnv(sim) });
    expect(run.code).toBe(1);
    const doc = readDoc(summary);
    checkDocument(doc, 1, run);
    expect(doc.first_rows).toEqual([
      { line: 3, email: 'bob@example.com', status: 'invalid', error_code: expect.any(String), error_message: expect.stringContaining('"veiw"') },
      { line: 4, email: 'cy@example.com', status: 'failed', error_code: 'invalid_parameter', error_message: expect.any(String) },
    ]);
    expect(doc.resume_command).toBe(`brevo-invite send ${input} --summary-json ${summary} --resume`);
    expect(doc.next_step).toContain('Brevo refused 1 row');
    expect(doc.next_step).toContain('correct the access in the sheet');
  });

  test('2: a missing input file (cron at 3 a.m.): the error, no resume command', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const summary = join(dir, 'last-run.json');
    writeFileSync(summary, '{"stale": "last night"}');
    const run = await runCli(['send', join(dir, 'roster.csv'), '--summary-json', summary], { env: sendEnv(sim) });
    expect(run.code).toBe(2);
    const doc = readDoc(summary);
    checkDocument(doc, 2, run);
    expect(doc).toMatchObject({ stopped_for: 'input', counts: null, rows: 0, requests: 0, resume_command: null, input: join(dir, 'roster.csv'), results: join(dir, 'roster.results.csv') });
    expect(doc.error).toContain('roster.csv');
    expect(doc.next_step).toBe(doc.error);
    expect(sim.requests).toHaveLength(0);
  });

  test('2: no key', async () => {
    const dir = tempDir();
    const summary = join(dir, 'last-run.json');
    const run = await runCli(['send', usersCsv(dir, 2), '--summary-json', summary], { env: { BREVO_BASE_URL: 'http://127.0.0.1:9/v3' } });
    expect(run.code).toBe(2);
    const doc = readDoc(summary);
    checkDocument(doc, 2, run);
    expect(doc).toMatchObject({ stopped_for: 'usage', resume_command: null });
    expect(doc.error).toContain('BREVO_API_KEY');
  });

  test('3: a refused key: every row deferred, the resume command', async () => {
    const sim = await simulator({ apiKey: 'the-right-key' });
    const dir = tempDir();
    const summary = join(dir, 'last-run.json');
    const run = await runCli(['send', usersCsv(dir, 3), '--summary-json', summary], { env: sendEnv(sim) });
    expect(run.code).toBe(3);
    const doc = readDoc(summary);
    checkDocument(doc, 3, run);
    expect(doc).toMatchObject({ stopped_for: 'auth', counts: { deferred: 3 }, requests: 1 });
    expect(doc.resume_command).toMatch(/--resume$/);
    expect(doc.next_step).toContain('Brevo refused the API key');
  });

  test('75: the budget ran out past --max-wait: remaining 0, the reset time, the resume command; the human summary gives the reset with its zone', async () => {
    const sim = await simulator({ rateLimit: { limit: 3, windowMs: 60_000 } });
    const dir = tempDir();
    const summary = join(dir, 'last-run.json');
    const run = await runCli(['send', usersCsv(dir, 5), '--max-wait', '1s', '--summary-json', summary], { env: sendEnv(sim, { TZ: 'Asia/Tokyo' }) });
    expect(run.code).toBe(75);
    const doc = readDoc(summary);
    checkDocument(doc, 75, run);
    expect(doc).toMatchObject({ stopped_for: 'budget', counts: { invited: 2, deferred: 3 }, budget: { limit: 3, remaining: 0 } });
    const resetAt = Date.parse(doc.budget.reset_at as string);
    expect(resetAt - Date.now()).toBeGreaterThan(30_000);
    expect(doc.resume_command).toMatch(/--resume$/);
    // 10:41:12 in Tokyo is written with its zone, never as a bare clock time that reads as local.
    const tokyo = new Date(resetAt + 9 * 3_600_000).toISOString().slice(11, 16);
    expect(run.stdout).toMatch(new RegExp(`\\(at ${tokyo}:\\d\\d GMT\\+9\\)`));
  });

  test('75: another run holds the lock: stopped_for "locked", the resume command', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const input = usersCsv(dir, 2);
    const lock = join(dir, 'users.results.csv.lock');
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), run_id: 'other', started: new Date().toISOString() }));
    utimesSync(lock, new Date(), new Date());
    const summary = join(dir, 'last-run.json');
    const run = await runCli(['send', input, '--summary-json', summary], { env: sendEnv(sim) });
    expect(run.code).toBe(75);
    const doc = readDoc(summary);
    checkDocument(doc, 75, run);
    expect(doc).toMatchObject({ stopped_for: 'locked', requests: 0, input, results: join(dir, 'users.results.csv') });
    expect(doc.error).toContain('another run');
    expect(doc.resume_command).toMatch(/--resume$/);
  });

  test.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s: exit %i after writing the results, the rest deferred, the resume command', async (signal, code) => {
    let child: ChildProcess | undefined;
    let accepted = 0;
    const sim = await simulator({
      latencyMs: 100,
      onRequest: (r) => {
        if (r.accepted === true && ++accepted === 3) child?.kill(signal);
      },
    });
    const dir = tempDir();
    const summary = join(dir, 'last-run.json');
    const run = await runCli(['send', usersCsv(dir, 20), '--concurrency', '2', '--summary-json', summary], { env: sendEnv(sim), onSpawn: (c) => (child = c) });
    expectNoStackTrace(run.stderr);
    expect(run.code).toBe(code);
    const rows = readResults(join(dir, 'users.results.csv'));
    expect(rows).toHaveLength(20);
    const invited = rows.filter((r) => r.status === 'invited').length;
    expect(invited).toBeGreaterThanOrEqual(3);
    expect(invited + rows.filter((r) => r.status === 'deferred').length).toBe(20);
    expect(invited).toBe(invitationRequests(sim).length);
    const doc = readDoc(summary);
    checkDocument(doc, code, run);
    expect(doc).toMatchObject({ stopped_for: 'signal', counts: { invited, deferred: 20 - invited } });
    expect(doc.resume_command).toMatch(/--resume$/);
    expect(doc.next_step).toContain(signal === 'SIGINT' ? 'interrupted (Ctrl+C)' : 'asked to stop');
  });
});

describe('where the summary JSON goes', () => {
  test('--summary-json - : stdout is one JSON document (the human summary is not mixed in), stderr JSON lines', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const run = await runCli(['send', usersCsv(dir, 2), '--summary-json', '-'], { env: sendEnv(sim) });
    expect(run.code).toBe(0);
    checkDocument(JSON.parse(run.stdout) as Doc, 0, run);
    const failed = await runCli(['send', join(dir, 'missing.csv'), '--summary-json', '-'], { env: sendEnv(sim) });
    expect(failed.code).toBe(2);
    checkDocument(JSON.parse(failed.stdout) as Doc, 2, failed);
    expect(jsonLines(failed.stderr)).toHaveLength(1);
  });

  test('--summary-json /dev/stdout (as root too): /dev/stdout stays a symlink, stdout is the JSON document', async () => {
    const dir = tempDir();
    const input = usersCsv(dir, 2);
    const before = lstatSync('/dev/stdout');
    for (const target of ['/dev/stdout', '/dev/fd/1', '/proc/self/fd/1']) {
      const run = await runCli(['validate', input, '--summary-json', target]);
      expect(run.code).toBe(0);
      checkDocument(JSON.parse(run.stdout) as Doc, 0, run);
    }
    const after = lstatSync('/dev/stdout');
    expect(after.isSymbolicLink()).toBe(before.isSymbolicLink());
    if (before.isSymbolicLink()) expect(after.ino).toBe(before.ino);
    if (process.getuid?.() !== 0) console.log('/dev/stdout test ran as a non-root user: renaming over /dev/stdout could not have happened anyway');
  });

  test('a FIFO is written in place: a reader on it gets the JSON, and it stays a FIFO', async () => {
    const dir = tempDir();
    const fifo = join(dir, 'summary.fifo');
    const made = spawn('mkfifo', [fifo]);
    await new Promise((resolve) => made.on('close', resolve));
    const reader = new Promise<string>((resolve, reject) => {
      let text = '';
      createReadStream(fifo, 'utf8')
        .on('data', (d) => (text += String(d)))
        .on('end', () => resolve(text))
        .on('error', reject);
    });
    const run = await runCli(['validate', usersCsv(dir, 2), '--summary-json', fifo]);
    expect(run.code).toBe(0);
    checkDocument(JSON.parse(await reader) as Doc, 0, run);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(run.stdout).toContain('Dry run (nothing sent): 2 rows'); // the human summary still on stdout
  });
});
