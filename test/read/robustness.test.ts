/**
 * Hostile input: whatever the bytes, a dry run either finishes with one results row per data row
 * or stops with one of our input errors (which the CLI prints as one sentence): never anything else.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { isAppError } from '../../src/errors.js';
import { dryRun } from '../../src/run/dry-run.js';
import { cleanTempDirs, readResults, tempDir } from '../helpers/files.js';

afterAll(cleanTempDirs);

const csvish = fc
  .array(fc.constantFrom('email', 'privileges', 'role', ',', ';', '\t', '|', '"', '""', '\n', '\r\n', '\r', ' ', 'a@b.co', 'contacts:view', '*', 'x', 'é', '\u0000', '\uFEFF'), { maxLength: 60 })
  .map((parts) => Buffer.from(parts.join('')));
const header = fc.constantFrom('email,privileges\n', 'email;privileges;role\r\n', '');
const input = fc.oneof(
  fc.tuple(header, csvish).map(([h, body]) => Buffer.concat([Buffer.from(h), body])),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
);

const silentLog = pino({ level: 'silent' });

describe('dry run on arbitrary bytes', () => {
  test('finishes or refuses the file with an input error, never anything else', async () => {
    const dir = tempDir();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(input, async (bytes) => {
        const file = join(dir, `in-${n}.csv`);
        const out = join(dir, `out-${n++}.csv`);
        writeFileSync(file, bytes);
        try {
          // A roles file that defines none: a role cell is a row's problem, not the run's.
          const report = await dryRun({ file, resultsPath: out, roles: new Map(), maxRecordBytes: 65_536, runId: 'test', log: silentLog });
          const rows = readResults(out);
          expect(rows).toHaveLength(report.total);
          // Line numbers go up, one row per record, and never past the file's last physical line.
          const lines = rows.map((r) => Number(r.line));
          const physical = bytes.toString('latin1').split(/\r\n|\n|\r/).length;
          lines.forEach((line, i) => expect(line).toBeGreaterThan(i === 0 ? 1 : lines[i - 1]!));
          if (lines.length > 0) expect(lines.at(-1)).toBeLessThanOrEqual(physical);
        } catch (err) {
          if (!(isAppError(err) && err.code === 'input')) throw err;
        }
      }),
      { numRuns: 300 },
    );
  });
});
