/** The real CLI, as a child process, on real files: `validate` and the commands around it. */
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectNoStackTrace, fixture, oneError, runCli, said } from '../helpers/cli.js';
import { cleanTempDirs, readHeader, readResults, tempDir } from '../helpers/files.js';
import { closeSimulators, sendEnv, simulator } from '../helpers/sim.js';

afterAll(cleanTempDirs);

async function validate(input: string, extra: string[] = [], timeoutMs?: number) {
  const dir = tempDir();
  const out = join(dir, 'results.csv');
  const run = await runCli(['validate', input, '-o', out, ...extra], { timeoutMs });
  expectNoStackTrace(run.stdout + run.stderr);
  return { run, out, rows: existsSync(out) ? readResults(out) : [] };
}

describe('brevo-invite validate', () => {
  test('every data row gets one results row with its line, status and granted; exit 1 when some are invalid', async () => {
    const { run, rows } = await validate(fixture('inputs/every-problem.csv'), ['--roles', fixture('roles.json')]);
    expect(run.code).toBe(1);
    expect(rows.map((r) => [r.line, r.status, r.error_code])).toEqual([
      ['2', 'valid', ''],
      ['3', 'invalid', 'invalid_email'],
      ['4', 'invalid', 'missing_email'],
      ['5', 'invalid', 'unknown_feature'],
      ['6', 'invalid', 'unknown_permission'],
      ['7', 'invalid', 'unknown_permission'],
      ['8', 'invalid', 'no_privileges'],
      ['9', 'invalid', 'conflicting_access'],
      ['10', 'invalid', 'invalid_all_features_access'],
      ['11', 'invalid', 'unknown_role'],
      ['12', 'duplicate', 'duplicate_email'],
      ['13', 'valid', ''],
      ['14', 'invalid', 'invalid_all_features_access'],
      ['15', 'valid', ''],
    ]);
    expect(rows[0]).toMatchObject({ email: 'ok@example.com', granted: 'contacts:view|import', attempts: '0', name: 'Okay', input_status: 'carried' });
    expect(rows[4]?.error_message).toBe(
      'line 6: "imprt" is not a permission of contacts (did you mean "import"?); contacts has: view, create_edit_delete, import, export, list_and_attributes, forms',
    );
    expect(rows[10]?.error_message).toBe('line 12: ok@example.com already appears on line 2; each person is dealt with once, from the first row: remove one of the two');
    expect(rows[11]?.granted).toBe('all');
    expect((rows[12]?.error_message ?? '').split('; ').length).toBeGreaterThanOrEqual(4);
    expect(rows[13]?.granted).toBe('companies:manage_others_companies');
    expect(said(run)).toMatch(/invalid\s+10\s/);
    expect(said(run)).toMatch(/Results: .*results\.csv/);
  });

  test('a row naming a role with no roles file given is a set-up mistake (exit 2, one sentence with the line), not every row invalid', async () => {
    const dir = tempDir();
    const input = join(dir, 'interns.csv');
    writeFileSync(input, 'email,role\nann@x.co,\nbob@x.co,intern\n');
    for (const command of ['validate', 'send', 'plan']) {
      const run = await runCli([command, input], { env: { BREVO_API_KEY: 'k', BREVO_BASE_URL: 'http://127.0.0.1:9/v3' } });
      expect(run.code).toBe(2);
      expect(oneError(run)).toBe('line 3 names a role ("intern"), but no roles file was given: pass --roles FILE (or set BREVO_ROLES), then run again; nothing was sent');
      expectNoStackTrace(run.stdout + run.stderr);
    }
    expect(existsSync(join(dir, 'interns.results.csv'))).toBe(false);
  });

  test('a clean file exits 0 and the default results path is beside the input', async () => {
    const dir = tempDir();
    const input = join(dir, 'team.csv');
    copyFileSync(fixture('sample.csv'), input);
    const run = await runCli(['validate', input, '--roles', fixture('roles.json')]);
    expect(run.code).toBe(0);
    const rows = readResults(join(dir, 'team.results.csv'));
    expect(rows).toHaveLength(11);
    expect(rows.every((r) => r.status === 'valid')).toBe(true);
    expect(said(run)).toContain('All rows are valid');
  });

  test('send --dry-run is validate', async () => {
    const dir = tempDir();
    const out = join(dir, 'r.csv');
    const run = await runCli(['send', fixture('inputs/every-problem.csv'), '--dry-run', '--roles', fixture('roles.json'), '-o', out], { env: {} });
    expect(run.code).toBe(1);
    expect(readResults(out)).toHaveLength(14);
  });

  test('carried columns keep their characters from every encoding', async () => {
    for (const name of ['utf8-bom.csv', 'utf16le-bom.csv', 'utf16be-bom.csv', 'utf16le-tab.csv']) {
      const { run, rows } = await validate(fixture(`inputs/${name}`));
      expect(run.code).toBe(0);
      expect(rows.map((r) => r.name)).toEqual(['Zoë Müller', 'François Øster']);
    }
    const cp = await validate(fixture('inputs/windows-1252.csv'));
    expect(cp.rows.map((r) => [r.name, r.note])).toEqual([
      ['Zoë Müller', 'costs 5 €'],
      ['François Œuvre', '“quoted” – dash'],
    ]);
  });

  test('a file mostly in UTF-8 with a stray byte keeps its accents; the stray byte is shown and named by line', async () => {
    const { run, rows } = await validate(fixture('inputs/mostly-utf8.csv'));
    expect(run.code).toBe(0);
    expect(rows.map((r) => [r.name, r.note])).toEqual([
      ['Zoë Müller', 'déjà vu'],
      ['Caf\uFFFD Owner', 'pasted from an old file'],
      ['François', '€ 5'],
    ]);
    expect(said(run)).toContain('Note: ');
    expect(said(run)).toContain('(the first on line 3)');
  });

  test('columns with no name in the header are carried under their place, with names as written otherwise', async () => {
    const input = join(tempDir(), 'users.csv');
    writeFileSync(input, 'email,privileges,, Team ,\nann@example.com,contacts:view,a,b,c\n');
    const { run, out } = await validate(input);
    expect(run.code).toBe(0);
    expect(readHeader(out).slice(13)).toEqual(['column_3', ' Team ', 'column_5']);
  });

  test('multi-line quoted cells keep their line numbers and contents', async () => {
    const { rows } = await validate(fixture('inputs/multiline.csv'));
    expect(rows.map((r) => [r.line, r.status])).toEqual([
      ['2', 'valid'],
      ['5', 'valid'],
      ['6', 'valid'],
      ['9', 'invalid'],
    ]);
    expect(rows[0]?.notes).toBe('line one\r\nline two');
    expect(rows[2]?.notes).toBe('three\nlines\nhere');
  });

  test('no results cell can run as a formula', async () => {
    const { rows, out } = await validate(fixture('inputs/formulas.csv'));
    expect(rows.map((r) => [r.comment, r.cost])).toEqual([
      ['\'=HYPERLINK("http://x")', "'-5"],
      ["'+1+1", "'@SUM(A1)"],
      ["'\nnew line first", "'\tTab"],
    ]);
    for (const row of rows) for (const cell of Object.values(row)) expect(cell).not.toMatch(/^[=+\-@\t\r\n]/);
    expect(readHeader(out).slice(0, 3)).toEqual(['line', 'email', 'status']);
  });

  test('damaged rows are invalid with their line, and reading goes on', async () => {
    const wrong = await validate(fixture('inputs/wrong-field-count.csv'));
    expect(wrong.rows.map((r) => [r.line, r.status, r.error_code])).toEqual([
      ['2', 'valid', ''],
      ['3', 'invalid', 'wrong_field_count'],
      ['4', 'invalid', 'wrong_field_count'],
      ['5', 'valid', ''],
    ]);
    expect(wrong.rows[1]?.email).toBe('bob@example.com');
    const quote = await validate(fixture('inputs/unclosed-quote.csv'));
    expect(quote.rows.map((r) => [r.line, r.status, r.error_code, r.email])).toEqual([
      ['2', 'valid', '', 'ann@example.com'],
      ['3', 'invalid', 'unclosed_quote', 'bob@example.com'],
      ['4', 'valid', '', 'zed@example.com'], // reading goes on after the line that opened the quote
    ]);
    const long = await validate(fixture('inputs/long-record.csv'));
    expect(long.rows.map((r) => r.error_code)).toEqual(['', 'record_too_long', '']);
  });

  test.each([
    ['inputs/empty.csv', /is empty/],
    ['inputs/no-email-column.csv', /line 1: no email column; the header has "name", "privileges"/],
    ['inputs/workbook.xlsx.csv', /Excel workbook/],
    ['inputs/binary.csv', /binary file/],
    ['inputs/does-not-exist.csv', /cannot find the file/],
    ['inputs', /is a folder, not a CSV file/],
  ])('%s stops with exit 2 and one clear sentence, writing nothing', async (name, message) => {
    const { run, out } = await validate(fixture(name));
    expect(run.code).toBe(2);
    expect(oneError(run)).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  test('a binary file without NUL bytes is refused with a short, printable excerpt, not kilobytes of it', async () => {
    // Bytes of a compressed or encrypted file: no NUL, no quote, a line break only now and then.
    let seed = 7;
    const noise = Buffer.alloc(8192, 0).map(() => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const byte = (seed >> 16) & 255;
      return [0, 10, 13, 34].includes(byte) ? 65 : byte;
    });
    const input = join(tempDir(), 'export.csv');
    writeFileSync(input, Buffer.concat([noise, Buffer.from('\n'), noise]));
    const { run } = await validate(input);
    expect(run.code).toBe(2);
    const message = oneError(run);
    expect(message.length).toBeLessThan(400);
    expect(message).toMatch(new RegExp(`^${input}, line 1: this does not look like a CSV text file \\(it starts with ".{1,40}"\\): save the spreadsheet as "CSV UTF-8"`));
    expect(message).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F\uFFFD]/);
  });

  test('a 20 MB header without a quote is called a header over the size limit', async () => {
    const input = join(tempDir(), 'wide.csv');
    writeFileSync(input, `email,privileges,${'x'.repeat(20 * 1024 * 1024)}\nann@example.com,contacts:view,x\n`);
    const { run } = await validate(input);
    expect(run.code).toBe(2);
    expect(oneError(run)).toBe(
      `${input}, line 1: the header row is over 1048576 bytes long, so the file cannot be read: ` +
        'a header is one line of column names, such as email,privileges; is this the right file?',
    );
  });

  test('a named pipe or a device as the input is refused at once with one sentence, never waited on', async () => {
    const fifo = join(tempDir(), 'users.csv');
    execFileSync('mkfifo', [fifo]);
    for (const [input, what] of [
      [fifo, 'a named pipe'],
      ['/dev/null', 'a device'],
    ] as const) {
      const { run, out } = await validate(input, [], 15_000);
      expect(run.signal).toBeNull(); // not killed by the timeout: it did not hang
      expect(run.code).toBe(2);
      expect(oneError(run)).toBe(`${input} is ${what}, not a CSV file: save the CSV to a file and give that file's path`);
      expect(existsSync(out)).toBe(false);
    }
  });

  test('bad flags and a bad roles file are exit 2 with one sentence', async () => {
    const dir = tempDir();
    const roles = join(dir, 'roles.json');
    writeFileSync(roles, '{"sales": "deals:*"}');
    const cases = [
      [['validate', fixture('sample.csv'), '--delimiter', 'x'], /invalid --delimiter: expected one of , ; tab \|, got "x"/],
      [['validate', fixture('sample.csv'), '--roles', roles], /role "sales": unknown feature "deals"/],
      [['validate', fixture('sample.csv'), '--bogus'], /unknown option '--bogus'/],
      [['validate'], /missing required argument 'file'/],
      [['validate', fixture('sample.csv'), '-o', fixture('sample.csv')], /would overwrite the input/],
      [['validate', fixture('sample.csv'), '-o', '/nonexistent-folder/r.csv'], /cannot write the results file .* does not exist or is not writable/],
      [['validate', fixture('sample.csv'), '-o', join(dir, 'r.csv'), '--summary-json', '/nonexistent-folder/s.json'], /cannot write the summary .*choose another path with --summary-json/],
    ] as const;
    for (const [args, message] of cases) {
      const run = await runCli([...args]);
      expect(run.code).toBe(2);
      expect(said(run)).toMatch(message);
      expectNoStackTrace(run.stderr);
    }
    expect(existsSync(join(dir, 'r.csv'))).toBe(false); // refused before any work
  });

  test('a roles file with names that collide ignoring case or hold a separator is exit 2, every problem in one sentence', async () => {
    const dir = tempDir();
    const roles = join(dir, 'roles.json');
    writeFileSync(roles, JSON.stringify({ dup: 'contacts:view', DUP: 'all', 'sales, emea': 'contacts:view', sales: 'contact:veiw' }));
    const input = join(dir, 'users.csv');
    writeFileSync(input, 'email,role\nann@example.com,dup\nben@example.com,sales\n');
    const run = await runCli(['validate', input, '--roles', roles]);
    expect(run.code).toBe(2);
    expectNoStackTrace(run.stderr);
    const message = oneError(run);
    expect(message).toContain('roles "dup" and "DUP" are the same name once case is ignored');
    expect(message).toContain('role "sales, emea": a role name cannot contain ";" or ","');
    expect(message).toContain('role "sales": unknown feature "contact" (did you mean "contacts"?)');
    expect(existsSync(join(dir, 'users.results.csv'))).toBe(false);
  });

  test('--roles at a missing file, a folder or broken JSON is one plain sentence: no system codes, no JSON offsets', async () => {
    const dir = tempDir();
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{\n  "marketing": "contacts:view",\n  "support": "conversations:*",\n}\n');
    const cases = [
      [join(dir, 'nope.json'), `cannot find the file ${join(dir, 'nope.json')} given to --roles: check the path`],
      [dir, `${dir} is a folder, not a roles file`],
      [broken, `the roles file ${broken} is not valid JSON: line 4, column 1:`],
    ] as const;
    for (const [roles, message] of cases) {
      const run = await runCli(['validate', fixture('sample.csv'), '-o', join(dir, 'r.csv'), '--roles', roles]);
      expect(run.code).toBe(2);
      expectNoStackTrace(run.stderr);
      expect(oneError(run)).toContain(message);
      expect(run.stderr).not.toMatch(/ENOENT|EISDIR|position \d/);
    }
  });

  test('10,000 rows with an unknown role among 3,000 roles: the results grow with the rows, not rows x roles', async () => {
    const dir = tempDir();
    const roles = join(dir, 'roles.json');
    writeFileSync(roles, JSON.stringify(Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`team_${i}`, 'contacts:view']))));
    // Rows that differ in their access cells, so that nothing is shared between them but the typo.
    const rows = Array.from({ length: 10_000 }, (_, i) => `u${i}@example.com,contacts:view${' '.repeat(i % 1000)},${i % 2 === 0 ? 'team_1x' : 'team_2x; team_3'}`);
    const input = join(dir, 'users.csv');
    writeFileSync(input, `email,privileges,role\n${rows.join('\n')}\n`);
    const out = join(dir, 'results.csv');
    const run = await runCli(['validate', input, '--roles', roles, '-o', out]);
    expect(run.code).toBe(1);
    expect(statSync(out).size).toBeLessThan(3 * 1024 * 1024);
    expect(readResults(out)[0]?.error_message).toBe('line 2: role "team_1x" is not defined: the roles file defines 3000 roles (did you mean "team_1", "team_10" or "team_11"?)');
  });

  test('a file with no access column stops validate and send with exit 2 and the nearest accepted name, before any request', async () => {
    const dir = tempDir();
    const input = join(dir, 'users.csv');
    writeFileSync(input, 'email,name,perms\nann@example.com,Ann,contacts:view\nben@example.com,Ben,templates:*\n');
    const sim = await simulator();
    try {
      for (const args of [['validate', input], ['send', input, '--yes']]) {
        const run = await runCli(args, { env: sendEnv(sim) });
        expect(run.code).toBe(2);
        expectNoStackTrace(run.stderr);
        const message = oneError(run);
        expect(message).toContain(`${input}, line 1: no column says what access to give, so no row could be sent; the header has "email", "name", "perms".`);
        expect(message).toContain('Did you mean "permissions" for "perms"?');
      }
      expect(sim.requests).toHaveLength(0);
      expect(existsSync(join(dir, 'users.results.csv'))).toBe(false);
    } finally {
      await closeSimulators();
    }
  });

  test('logs are JSON lines on stderr when it is not a terminal', async () => {
    const { run } = await validate(fixture('sample.csv'), ['--roles', fixture('roles.json')]);
    const jsonLines = run.stderr.split('\n').filter((l) => l.startsWith('{'));
    expect(jsonLines.length).toBeGreaterThan(0);
    for (const line of jsonLines) expect(JSON.parse(line)).toHaveProperty('msg');
  });

  test('--summary-json writes the counts', async () => {
    const dir = tempDir();
    const summary = join(dir, 'summary.json');
    const { run } = await validate(fixture('inputs/every-problem.csv'), ['--summary-json', summary, '--roles', fixture('roles.json')]);
    expect(run.code).toBe(1);
    expect(JSON.parse(readFileSync(summary, 'utf8'))).toMatchObject({ exit_code: 1, rows: 14, counts: { valid: 3, invalid: 10, duplicate: 1 } });
  });
});

describe('brevo-invite features, --help, --version', () => {
  test('features prints the catalog as a table and as JSON', async () => {
    const table = await runCli(['features']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/contacts\s+view, create_edit_delete, import, export, list_and_attributes, forms/);
    expect(table.stdout).toContain('companies:manage_other_companies (sent as manage_others_companies');
    const json = await runCli(['features', '--json']);
    expect(JSON.parse(json.stdout).features.landing_pages).toEqual(['all']);
  });

  test('--help and --version exit 0', async () => {
    for (const args of [['--help'], ['validate', '--help'], ['--version']]) {
      const run = await runCli(args);
      expect(run.code).toBe(0);
      expect(run.stdout.length).toBeGreaterThan(0);
    }
  });
});
