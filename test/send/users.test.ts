import { describe, expect, test } from '@jest/globals';
import { parseUsers } from '../../src/send/users.js';

describe('the invited-users list', () => {
  test('email (lower-cased) -> state; anything but "pending" is a user already in; the address as Brevo spells it is kept for paths', () => {
    const users = parseUsers({ users: [{ email: ' Ann@Example.com ', status: 'pending', is_owner: false }, { email: 'bob@example.com', status: 'active' }, { email: 'cy@example.com' }] });
    expect([...(users ?? [])]).toEqual([
      ['ann@example.com', { status: 'pending', isOwner: false, listedAs: 'Ann@Example.com' }],
      ['bob@example.com', { status: 'active', isOwner: false, listedAs: 'bob@example.com' }],
      ['cy@example.com', { status: 'active', isOwner: false, listedAs: 'cy@example.com' }],
    ]);
  });

  test('the owner is known, whether is_owner is a boolean or (as the schema says) a string', () => {
    const users = parseUsers({ users: [{ email: 'a@x.co', status: 'active', is_owner: true }, { email: 'b@x.co', status: 'active', is_owner: 'true' }, { email: 'c@x.co', status: 'active', is_owner: 'false' }] });
    expect([...(users ?? [])].map(([e, u]) => [e, u.isOwner])).toEqual([
      ['a@x.co', true],
      ['b@x.co', true],
      ['c@x.co', false],
    ]);
  });

  test('an account with nobody invited may answer {} or a null list: that is an empty list', () => {
    expect(parseUsers({})?.size).toBe(0);
    expect(parseUsers({ users: [] })?.size).toBe(0);
    expect(parseUsers({ users: null })?.size).toBe(0);
  });

  test('an entry without an email is passed over, not a reason to distrust the list', () => {
    expect([...(parseUsers({ users: [{ status: 'active' }, { email: 'a@x.co', status: 'pending' }, 'junk'] }) ?? []).keys()]).toEqual(['a@x.co']);
  });

  test.each([['<html>login</html>'], [[]], [{ error: 'not found' }], [{ users: 'a@x.co' }], [null]])('%j is not a users list', (body) => {
    expect(parseUsers(body)).toBeUndefined();
  });

  test('the owner is known even without its flag (its access reads "owner"), and an email listed twice is one person', () => {
    const users = parseUsers({
      users: [
        { email: 'boss@x.co', status: 'active', feature_access: { marketing: 'owner', crm: 'owner' } },
        { email: 'twice@x.co', status: 'pending', is_owner: true },
        { email: 'TWICE@x.co', status: 'active', is_owner: false },
      ],
    });
    expect(users?.get('boss@x.co')).toEqual({ status: 'active', isOwner: true, listedAs: 'boss@x.co' });
    expect(users?.get('twice@x.co')).toEqual({ status: 'active', isOwner: true, listedAs: 'twice@x.co' });
  });

  test('emails are compared as the roster\'s are: invisible characters at the ends dropped', () => {
    expect([...(parseUsers({ users: [{ email: ' keep@x.co\u200b', status: 'active' }, { email: '\u2060Keep2@X.co', status: 'active' }] }) ?? []).keys()]).toEqual(['keep@x.co', 'keep2@x.co']);
  });
});
