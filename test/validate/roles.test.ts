import { afterAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAppError } from '../../src/errors.js';
import { loadRoles, parseRoles } from '../../src/validate/roles.js';
import { cleanTempDirs, tempDir } from '../helpers/files.js';

afterAll(cleanTempDirs);

function configMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isAppError(err) && err.code === 'config') return err.message;
    throw err;
  }
  throw new Error('expected a config error');
}

describe('roles file', () => {
  test('role names are case-insensitive and trimmed', () => {
    const roles = parseRoles({ ' Marketing ': 'contacts:view' });
    expect([...roles.keys()]).toEqual(['marketing']);
  });

  test('reports every bad role at once, naming each', () => {
    const message = configMessage(() => parseRoles({ a: 'contact:view', b: '', c: 'all; contacts:view' }, 'roles.json'));
    expect(message).toContain('role "a": unknown feature "contact" (did you mean "contacts"?)');
    expect(message).toContain('role "b" grants nothing');
    expect(message).toContain('role "c" says "all" and also lists privileges');
  });

  test('names that are the same once case is ignored, or that hold a role separator, are refused, every one at once', () => {
    const message = configMessage(() =>
      parseRoles({ dup: 'contacts:view', DUP: 'all', 'sales, emea': 'contacts:view', 'a;b': 'templates:*', ' Dup ': 'contacts:export', '\u200B': 'contacts:view' }, 'roles.json'),
    );
    expect(message).toContain('roles "dup", "DUP" and " Dup " are the same name once case is ignored: rename or merge them');
    expect(message).toContain('role "sales, emea": a role name cannot contain ";" or "," (they separate roles in the role column): rename it, e.g. "sales_emea"');
    expect(message).toContain('role "a;b": a role name cannot contain ";" or ","');
    expect(message).toContain('a role name is empty');
  });

  test('a usable name is never refused for looking like another', () => {
    expect([...parseRoles({ sales: 'contacts:view', 'sales emea': 'contacts:view', sales_emea: 'templates:*' }).keys()]).toEqual([
      'sales',
      'sales emea',
      'sales_emea',
    ]);
  });

  test('a file that is not an object of strings says what is expected', () => {
    expect(configMessage(() => parseRoles(['x'], 'roles.json'))).toMatch(/^roles.json: expected an object of role names to privileges/);
    expect(configMessage(() => parseRoles({ a: 5 }, 'roles.json'))).toContain('role "a"');
  });

  test('a file that is not JSON is a clear config error', async () => {
    const path = join(tempDir(), 'roles.json');
    writeFileSync(path, '{ marketing: contacts:view }');
    await expect(loadRoles(path)).rejects.toMatchObject({ code: 'config', message: expect.stringContaining('is not valid JSON') });
  });

  test.each([
    ['{\n  "marketing": "contacts:view",\n  support: "conversations:*"\n}\n', 'line 3, column 3: expected double-quoted property name'],
    ['{\n  "marketing": "contacts:view",\n}\n', 'line 3, column 1: expected double-quoted property name (a comma before "}" or "]" is not allowed in JSON)'],
    ["{\n  'marketing': 'contacts:view'\n}", 'line 2, column 3: expected property name or \'}\' (JSON needs double quotes)'],
    ['{"a": "contacts:view"}\n\n nope', 'line 3, column 2: unexpected non-whitespace character after JSON'],
    ['{"a":\n   nope}', "line 2, column 5: unexpected token 'o'"],
    ['{"a": "contacts:view"}}', "line 1, column 23: unexpected non-whitespace character after JSON"],
    ['{"a": "contacts:view"', 'line 1, column 22: expected \',\' or \'}\' after property value: the file ends too early'],
    ['{"a": "contacts:view",\n "b": "templ', 'line 2, column 13: unterminated string: the file ends too early'],
    ['{"a": "contacts:view",\n "b": ["templates:*"', 'line 2, column 21: expected \',\' or \']\' after array element: the file ends too early (a quote, "}" or "]" is missing)'],
  ])('a JSON mistake in %j is reported by line and column, never by position', async (text, where) => {
    const path = join(tempDir(), 'roles.json');
    writeFileSync(path, text);
    const error = await loadRoles(path).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toMatchObject({ code: 'config', message: expect.stringContaining(`the roles file ${path} is not valid JSON: ${where}`) });
    expect((error as Error).message).not.toMatch(/position/);
  });

  test('an empty roles file says so', async () => {
    const path = join(tempDir(), 'roles.json');
    writeFileSync(path, ' \n');
    await expect(loadRoles(path)).rejects.toMatchObject({ code: 'config', message: expect.stringContaining(`the roles file ${path} is empty`) });
  });

  test('a missing file, a folder or a pipe given as the roles file is one plain sentence, without system codes', async () => {
    const dir = tempDir();
    const fifo = join(dir, 'roles.json');
    execFileSync('mkfifo', [fifo]);
    const cases: Array<[string, string]> = [
      [join(dir, 'missing.json'), `cannot find the file ${join(dir, 'missing.json')} given to --roles`],
      [dir, `${dir} is a folder, not a roles file`],
      [fifo, `${fifo} is a named pipe, not a roles file: save the roles to a file and give that file's path`],
    ];
    for (const [path, message] of cases) {
      const error = await loadRoles(path).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toMatchObject({ code: 'config', message: expect.stringContaining(message) });
      expect((error as Error).message).not.toMatch(/E[A-Z]{3,}/);
    }
  });
});
