import { describe, expect, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { AppError, describeError, isSystemError } from '../src/errors.js';

describe('errors', () => {
  test('an error from the system (a missing file, a full disk) is told apart from a bug', async () => {
    const missing = await readFile('/nonexistent-folder/x.csv').catch((err: unknown) => err);
    expect(isSystemError(missing)).toBe(true);
    expect(describeError(missing)).toContain('ENOENT');
    expect(isSystemError(new TypeError('x is not a function'))).toBe(false);
    expect(isSystemError(new AppError('usage', 'bad flag'))).toBe(false);
    expect(isSystemError('ENOSPC')).toBe(false);
  });
});
