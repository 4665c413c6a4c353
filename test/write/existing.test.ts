/** What is at the results path before a run replaces it, on real files. */
import { afterAll, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkReplaceable, inspectResults } from '../../src/write/existing.js';
import { cleanTempDirs, tempDir, tempFile } from '../helpers/files.js';

afterAll(cleanTempDirs);

const HEADER = '\uFEFFline,email,status,invoice_id,error_code,error_message,http_status,attempts,granted,finished_at,note\r\n';

const file = (content: string | Buffer) => tempFile('users.results.csv', content);

describe('existing results', () => {
  test('nothing there, or an empty file, is "none"', async () => {
    expect(await inspectResults(join(tempDir(), 'missing.csv'))).toBe('none');
    expect(await inspectResults(file(''))).toBe('none');
    expect(await inspectResults(file('\uFEFF'))).toBe('none');
  });

  test('a dry run\'s results are "dry-run", even when a carried cell reads like a send status', async () => {
    const path = file(`${HEADER}2,a@x.co,valid,,,,,0,contacts:view,,invited\r\n3,b@x.co,invalid,,unknown_feature,"line 3: x, failed, y",,0,,,"a,invited,b"\r\n`);
    expect(await inspectResults(path)).toBe('dry-run');
    await expect(checkReplaceable(path, 'validate')).resolves.toBeUndefined();
  });

  test.each(['invited', 'updated', 'resent', 'revoked', 'cancelled', 'failed'])('a row %s means an earlier send', async (status) => {
    expect(await inspectResults(file(`${HEADER}2,a@x.co,valid,,,,,0,contacts:view,,\r\n3,b@x.co,${status},INV-1,,,200,1,contacts:view,2026-01-01T00:00:00.000Z,`))).toBe('send');
  });

  test('a request without an answer (deferred, outcome_unknown) means an earlier send, even on a row with no line (left the input)', async () => {
    expect(await inspectResults(file(`${HEADER},b@x.co,deferred,,outcome_unknown,sent without an answer,,1,contacts:view,,\r\n`))).toBe('send');
  });

  test.each(['skipped', 'deferred'])('a file in which nothing was sent (every row %s) may be replaced: it would only block the corrected run', async (status) => {
    const path = file(`${HEADER}2,a@x.co,${status},,brevo_unavailable,"not sent: Brevo did not answer",,0,contacts:view,,\r\n`);
    expect(await inspectResults(path)).toBe('dry-run');
    await expect(checkReplaceable(path, 'send')).resolves.toBeUndefined();
  });

  test('a file in which nothing was sent is replaceable though a crash left a journal line cut short; a whole journal line means an earlier send', async () => {
    const path = file(`${HEADER}2,a@x.co,deferred,,not_yet_sent,not sent yet,,0,contacts:view,,\r\n`);
    writeFileSync(`${path}.journal`, '{"sending":"a@x.co","act');
    expect(await inspectResults(path)).toBe('dry-run');
    await expect(checkReplaceable(path, 'send')).resolves.toBeUndefined();
    writeFileSync(`${path}.journal`, '{"sending":"a@x.co","action":"invite","line":2,"at":"2026-01-01T00:00:00.000Z"}\n');
    await expect(checkReplaceable(path, 'send')).rejects.toMatchObject({ code: 'results', message: expect.stringContaining('journal lists requests') });
  });

  test('a send status far into a large file is found, across the reading chunks', async () => {
    // over several 4 MiB reads, with lines longer than half of one
    const rows = Array.from({ length: 120_000 }, (_, i) => `${i + 2},user${i}@example.com,valid,,,,,0,contacts:view,,${i % 40_000 === 1 ? "y".repeat(3_000_000) : "x"}`).join("\r\n");
    expect(await inspectResults(file(`${HEADER}${rows}\r\n`))).toBe('dry-run');
    expect(await inspectResults(file(`${HEADER}${rows}\r\n120002,last@example.com,invited,,,,200,1,contacts:view,,x`))).toBe('send');
  });

  test('an earlier send is not replaced by a dry run or a send without --resume; each message says the way out', async () => {
    const path = file(`${HEADER}2,a@x.co,invited,INV-1,,,200,1,contacts:view,2026-01-01T00:00:00.000Z,\r\n`);
    await expect(checkReplaceable(path, 'validate')).rejects.toMatchObject({ code: 'results', message: expect.stringContaining('-o') });
    await expect(checkReplaceable(path, 'send')).rejects.toMatchObject({ code: 'results', message: expect.stringContaining('add --resume') });
    await expect(checkReplaceable(path, 'send', true)).resolves.toBeUndefined();
  });

  test('a file that is not a results file is never replaced', async () => {
    const path = file('name,phone\r\nAnn,123\r\n');
    expect(await inspectResults(path)).toBe('foreign');
    await expect(checkReplaceable(path, 'validate')).rejects.toMatchObject({ code: 'results', message: expect.stringContaining('is not a brevo-invite results file') });
    await expect(checkReplaceable(path, 'send', true)).rejects.toMatchObject({ code: 'results' });
  });
});
