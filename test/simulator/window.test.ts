import { describe, expect, test } from '@jest/globals';
import { checkInvitation } from '../../src/simulator/server.js';
import { FixedWindow, parseRateLimit } from '../../src/simulator/window.js';

describe('simulator rate window', () => {
  test('counts requests in fixed windows and rounds the reset up to whole seconds', () => {
    const w = new FixedWindow({ limit: 2, windowMs: 2000 });
    expect(w.admit(1000)).toEqual({ allowed: true, headers: { 'x-sib-ratelimit-limit': '2', 'x-sib-ratelimit-remaining': '1', 'x-sib-ratelimit-reset': '2' } });
    expect(w.admit(1500).headers['x-sib-ratelimit-reset']).toBe('2');
    expect(w.admit(2100)).toMatchObject({ allowed: false, headers: { 'x-sib-ratelimit-remaining': '0', 'x-sib-ratelimit-reset': '1' } });
    expect(w.admit(3000)).toMatchObject({ allowed: true, headers: { 'x-sib-ratelimit-remaining': '1' } });
    expect(w.admit(7100)).toMatchObject({ allowed: true, headers: { 'x-sib-ratelimit-reset': '2' } }); // [7000, 9000): windows stay on the grid
  });

  test('a reset that runs late: the header announces it earlier than the window resets', () => {
    const w = new FixedWindow({ limit: 1, windowMs: 4000 }, 'ceil', 3000);
    expect(w.admit(0).headers['x-sib-ratelimit-reset']).toBe('1');
    expect(w.admit(1500)).toMatchObject({ allowed: false, headers: { 'x-sib-ratelimit-reset': '0' } }); // "reset already", but refused
    expect(w.admit(4000).allowed).toBe(true);
  });

  test('another client with the same key spends the window', () => {
    const w = new FixedWindow({ limit: 5, windowMs: 2000 });
    expect(w.admit(0).headers['x-sib-ratelimit-remaining']).toBe('4');
    w.spend(100, 10);
    expect(w.admit(200)).toMatchObject({ allowed: false, headers: { 'x-sib-ratelimit-remaining': '0' } });
    expect(w.admit(2000).allowed).toBe(true);
  });

  test.each([
    ['100/1h', { limit: 100, windowMs: 3_600_000 }],
    ['10/2s', { limit: 10, windowMs: 2000 }],
    ['50/m', { limit: 50, windowMs: 60_000 }],
    ['off', null],
    ['ten', undefined],
  ])('--rate-limit %j', (text, expected) => {
    expect(parseRateLimit(text)).toEqual(expected);
  });
});

describe('simulator body check', () => {
  test.each([
    [{ email: 'a@example.com', all_features_access: false, privileges: [{ feature: 'contacts', permissions: ['view'] }] }, undefined],
    [{ email: 'a@example.com', all_features_access: true, privileges: [] }, undefined],
    [{ email: 'a@example.com', all_features_access: false }, 'missing_parameter'],
    [{ email: 'a@example.com', all_features_access: false, privileges: [] }, 'missing_parameter'],
    [{ email: 'nope', all_features_access: false, privileges: [{ feature: 'contacts', permissions: ['view'] }] }, 'invalid_parameter'],
    [{ email: 'a@example.com', all_features_access: false, privileges: [{ feature: 'contacts', permissions: ['logs'] }] }, 'invalid_parameter'],
    [{ email: 'a@example.com', all_features_access: false, privileges: [{ feature: 'companies', permissions: ['manage_other_companies'] }] }, 'invalid_parameter'],
    [{ email: 'a@example.com', all_features_access: 'yes', privileges: [] }, 'invalid_parameter'],
  ])('%j -> %s', (body, code) => {
    expect(checkInvitation(body)?.code).toBe(code);
  });
});
