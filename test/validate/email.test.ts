import { describe, expect, test } from '@jest/globals';
import { emailProblem, normalizeEmail } from '../../src/validate/email.js';

describe('email cell', () => {
  test('is compared and sent trimmed, lower case, without invisible characters at its ends', () => {
    expect(normalizeEmail(' Ann@Example.COM ')).toBe('ann@example.com');
    expect(normalizeEmail('\u00A0nb@example.com\u00A0')).toBe('nb@example.com');
    expect(normalizeEmail('\u200Bzed@example.com\uFEFF')).toBe('zed@example.com');
    expect(emailProblem(normalizeEmail('\u200Bzed@example.com'))).toBeUndefined();
  });

  test.each([
    ['Ana Garcia <ana@example.com>', 'write only the address: "ana@example.com"'],
    ['mailto:bob@example.com', 'remove "mailto:" from the start'],
    ['x@example.com; y@example.com', 'one address per row'],
    ['ann\u200B@example.com', 'an invisible character (U+200B)'],
    ['ann @example.com', 'an address has no spaces'],
    ['ann.example.com', 'an address needs an @'],
    ['ann@example.com.', 'remove the "." at the end'],
    ['jörg@müller.de', 'non-ASCII characters are not accepted'],
    ['foo@bar', 'the part after @ ("bar") needs a dot'],
    ['a@@b.com', 'expected name@company.com'],
  ])('%j is invalid, and the message names the value and the likely fix', (value, fix) => {
    const problem = emailProblem(value);
    expect(problem?.code).toBe('invalid_email');
    expect(problem?.message).toContain(`email ${JSON.stringify(value)} is not a valid address: `);
    expect(problem?.message).toContain(fix);
  });

  test.each(['a/b@x.co', 'a%b@x.co', 'a#b@x.co', 'a&b=c@x.co', 'a?b@x.co', "o'brien@x.co", 'x!y*z{1}~^`|$@x.co', 'first.last+tag@sub.x.co'])(
    '%j is an address (RFC 5322 allows these characters before the @)',
    (value) => {
      expect(emailProblem(value)).toBeUndefined();
    },
  );

  test.each(['.a@x.co', 'a.@x.co', 'a..b@x.co', 'a@-x.co', 'a@x.c0', 'a(b)@x.co', 'a"b@x.co', 'a\\b@x.co'])('%j is not', (value) => {
    expect(emailProblem(value)?.code).toBe('invalid_email');
  });

  test('an empty cell is missing', () => {
    expect(emailProblem('')).toEqual({ code: 'missing_email', message: 'email is empty: fill in the address of the person to invite' });
  });
});
