import { describe, expect, test } from '@jest/globals';
import { DEFAULTS, resolveSendOptions, resolveValidateOptions } from '../../src/cli/options.js';
import { parseDuration } from '../../src/duration.js';

describe('options', () => {
  test('defaults fill every send option', () => {
    expect(resolveSendOptions({}, {})).toMatchObject({
      concurrency: DEFAULTS.concurrency,
      ratePerSecond: 0,
      maxRetries: 5,
      timeoutMs: 30_000,
      maxWaitMs: 3_600_000,
      resume: false,
      skipExisting: true,
      yes: false,
      baseUrl: 'https://api.brevo.com/v3',
      logLevel: undefined,
      maxRecordBytes: 65_536,
    });
  });

  test('flags win over the environment', () => {
    const o = resolveSendOptions({ concurrency: '8' }, { BREVO_CONCURRENCY: '2', BREVO_MAX_WAIT: '10m', BREVO_SKIP_EXISTING: 'false' });
    expect(o).toMatchObject({ concurrency: 8, maxWaitMs: 600_000, skipExisting: false });
  });

  test('--timeout is milliseconds, or a duration; --max-wait is a duration, a bare number is seconds', () => {
    expect(resolveSendOptions({ timeout: '2500', maxWait: '90' }, {})).toMatchObject({ timeoutMs: 2500, maxWaitMs: 90_000 });
    expect(resolveSendOptions({ timeout: '10s', maxWait: '1h30m' }, {})).toMatchObject({ timeoutMs: 10_000, maxWaitMs: 5_400_000 });
  });

  test.each([
    [{ concurrency: '0' }, {}, 'invalid --concurrency: expected at least 1, got "0"'],
    [{ concurrency: 'lots' }, {}, 'invalid --concurrency: expected a whole number from 1 to 64, got "lots"'],
    [{}, { BREVO_MAX_WAIT: 'soon' }, 'invalid BREVO_MAX_WAIT: expected a duration such as 30s, 10m or 1h (a bare number is seconds), got "soon"'],
    [{ delimiter: 'x' }, {}, 'invalid --delimiter: expected one of , ; tab |, got "x"'],
    [{ logLevel: 'loud' }, {}, 'invalid --log-level: expected one of trace, debug, info, warn, error, fatal, silent, got "loud"'],
    [{ rate: '-1' }, {}, 'invalid --rate: expected a number of requests per second, such as 2 or 0.5 (0 for no ceiling), got "-1"'],
  ])('%j %j is refused with one sentence', (flags, env, message) => {
    expect(() => resolveSendOptions(flags, env)).toThrow(message);
  });

  test('validate reads the reading options only', () => {
    expect(resolveValidateOptions({ delimiter: 'tab', encoding: 'cp1252', maxRecordSize: '128KiB' }, {})).toMatchObject({
      delimiter: '\t',
      encoding: 'windows-1252',
      maxRecordBytes: 131_072,
    });
  });

  test.each([
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['2', 2000],
    ['soon', undefined],
    ['10x', undefined],
  ])('duration %j is %j ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
});
