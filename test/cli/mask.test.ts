/** --log-emails no|hash: what becomes of the addresses inside a log line's text. */
import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { emailMasker } from '../../src/cli/commands/common.js';

const hash = (email: string) => createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 12);

describe('emailMasker', () => {
  test('addresses, plain or percent-encoded or as an HTML reference, become (email); a full stop after one stays', () => {
    const mask = emailMasker('no')!;
    expect(mask('User already exists: qqann1%40x.com')).toBe('User already exists: (email)');
    expect(mask('invited Ann@X.co and bob&#64;x.co.')).toBe('invited (email) and (email).');
    expect(mask('row "bad@@corp" is unreadable')).toBe('row "(email)" is unreadable');
    expect(mask('nothing here, not even @mentions alone: @')).toBe('nothing here, not even (email) alone: @');
  });

  test('hash: the same short hash for an address in any letter case', () => {
    const mask = emailMasker('hash')!;
    expect(mask('to Ann@X.co')).toBe(`to (email ${hash('ann@x.co')})`);
    expect(mask('exists: ann%40x.co')).toBe(`exists: (email ${hash('ann@x.co')})`);
    expect(emailMasker('yes')).toBeUndefined();
  });
});
