import { describe, expect, test } from '@jest/globals';
import { isAppError } from '../../src/errors.js';
import { mapHeader, requireAccessColumn } from '../../src/read/header.js';

function refusal(names: string[]): string {
  try {
    requireAccessColumn(mapHeader(names, 'users.csv'), 'users.csv');
  } catch (err) {
    if (isAppError(err) && err.code === 'input') return err.message;
    throw err;
  }
  throw new Error('expected the header to be refused');
}

describe('header', () => {
  test.each([['email', 'privileges'], ['Email', 'Roles'], ['e-mail', 'All Access'], ['mail', 'access', 'role']])('%j names the access to give', (...names) => {
    expect(() => requireAccessColumn(mapHeader(names, 'users.csv'), 'users.csv')).not.toThrow();
  });

  test('a header without any access column lists what it has, what is accepted, and the nearest name', () => {
    expect(refusal(['email', 'name', 'perms', 'department'])).toBe(
      'users.csv, line 1: no column says what access to give, so no row could be sent; the header has "email", "name", "perms", "department". ' +
        'Accepted names: privileges (or permissions, access), role (or roles), all_features_access (or all_access), ignoring case and spaces. ' +
        'Did you mean "permissions" for "perms"?',
    );
  });

  test.each([
    ['Privilege', 'privileges'],
    ['permission', 'permissions'],
    ['Rolle', 'role'],
    ['acess', 'access'],
    ['all features', 'all_features_access'],
    ['privs', 'privileges'],
  ])('%j is taken for %j', (name, accepted) => {
    expect(refusal(['email', name])).toContain(`Did you mean "${accepted}" for "${name}"?`);
  });

  test.each([['notes'], ['Berechtigungen'], ['name'], ['team']])('%j is not mistaken for an access column', (name) => {
    expect(refusal(['email', name])).not.toContain('Did you mean');
  });

  test('the columns found are listed shortly and printably, however long or strange the header', () => {
    const names = ['name', 'x'.repeat(5000), 'ab\u0007cd\u200B', ...Array.from({ length: 500 }, (_, i) => `col${i}`)];
    let message = '';
    try {
      mapHeader(names, 'users.csv');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(`the header has "name", "${'x'.repeat(39)}…", "ab?cd?", "col0",`);
    expect(message).toContain('"col8" and 491 more.');
    expect(message.length).toBeLessThan(500);
  });
});
