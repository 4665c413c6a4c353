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

  test('an empty cell is missing', () => {
    expect(emailProblem('')).toEqual({ code: 'missing_email', message: 'email is empty: fill in the address of the person to invite' });
  });
});
