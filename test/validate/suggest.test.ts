import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { didYouMean, editDistance, nearestFew } from '../../src/validate/suggest.js';

/** The textbook table, whole: what the banded, early-stopping version must agree with. */
function reference(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      rows[i]![j] = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return rows[a.length]![b.length]!;
}

const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '_', 'é'), maxLength: 12 });

describe('suggestions', () => {
  test('the edit distance is exact up to its limit, and over it past the limit', () => {
    fc.assert(
      fc.property(word, word, fc.integer({ min: 0, max: 6 }), (a, b, max) => {
        const exact = reference(a, b);
        expect(editDistance(a, b)).toBe(exact);
        expect(editDistance(a, b, max)).toBe(exact <= max ? exact : max + 1);
      }),
      { numRuns: 3000 },
    );
  });

  test('the nearest few are the closest candidates, nearest first, earlier ones first on a tie', () => {
    fc.assert(
      fc.property(word, fc.uniqueArray(word, { maxLength: 30 }), (input, candidates) => {
        const max = Math.max(2, Math.floor(input.length / 3));
        const expected = candidates
          .map((candidate, order) => ({ candidate, order, distance: reference(input, candidate) }))
          .filter((c) => c.distance <= max)
          .sort((x, y) => x.distance - y.distance || x.order - y.order)
          .slice(0, 3)
          .map((c) => c.candidate);
        if (expected.length > 0) expect(nearestFew(input, candidates, 3)).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  test('did-you-mean names one, or up to the few asked for', () => {
    expect(didYouMean('contact', ['contacts', 'templates'])).toBe(' (did you mean "contacts"?)');
    expect(didYouMean('team_1x', ['team_1', 'team_10', 'team_11', 'team_12'], 3)).toBe(' (did you mean "team_1", "team_10" or "team_11"?)');
    expect(didYouMean('zzzz', ['contacts'])).toBe('');
  });
});
