import { afterAll, describe, expect, test } from '@jest/globals';
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
    await expect(loadRoles(join(tempDir(), 'missing.json'))).rejects.toMatchObject({ code: 'config', message: expect.stringContaining('cannot read the roles file') });
  });
});
