import { describe, expect, test } from '@jest/globals';
import { FirstSeen } from '../../src/validate/duplicates.js';

describe('FirstSeen', () => {
  test('names the first line of an address seen before', () => {
    const seen = new FirstSeen();
    expect(seen.claim('a@example.com', 2)).toBeUndefined();
    expect(seen.claim('b@example.com', 3)).toBeUndefined();
    expect(seen.claim('a@example.com', 9)).toBe(2);
    expect(seen.claim('a@example.com', 12)).toBe(2);
  });

  test('stays exact across growth, with non-ASCII addresses', () => {
    const seen = new FirstSeen();
    const n = 50_000;
    for (let i = 0; i < n; i++) expect(seen.claim(`user${i}@exämple.com`, i + 2)).toBeUndefined();
    expect(seen.size).toBe(n);
    for (let i = 0; i < n; i += 997) expect(seen.claim(`user${i}@exämple.com`, 0)).toBe(i + 2);
    expect(seen.claim('user@exämple.com', 1)).toBeUndefined();
  });
});
