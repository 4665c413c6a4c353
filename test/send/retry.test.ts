import { describe, expect, test } from '@jest/globals';
import type { Outcome } from '../../src/send/classify.js';
import { backoffMs, decide } from '../../src/send/retry.js';

const policy = { maxRetries: 3, baseMs: 1000, capMs: 30_000 };
const half = () => 0.5;

describe('retry decision', () => {
  test.each<[Outcome, string]>([
    [{ type: 'done', status: 200, invoiceId: 'x', creditNotes: undefined }, 'done'],
    [{ type: 'already', status: 400, code: 'invalid_parameter', message: 'already invited' }, 'done'],
    [{ type: 'rejected', status: 400, code: 'invalid_parameter', message: 'bad' }, 'done'],
    [{ type: 'forbidden', status: 403, code: 'permission_denied', message: 'no' }, 'done'],
    [{ type: 'auth', status: 401, code: 'unauthorized', message: 'no' }, 'stop_run'],
    [{ type: 'rate_limited', status: 429 }, 'wait_window'],
    [{ type: 'unknown', code: 'timeout', message: '' }, 'settle'],
    [{ type: 'server', status: 503, code: 'http_503', message: '' }, 'settle'],
    [{ type: 'network', code: 'network', message: '' }, 'retry'],
  ])('an invitation (not safe to repeat): %j -> %s', (outcome, action) => {
    expect(decide(outcome, 0, policy, 'settle', half).action).toBe(action);
  });

  test.each<[Outcome, string]>([
    [{ type: 'unknown', code: 'timeout', message: '' }, 'retry'],
    [{ type: 'server', status: 502, code: 'http_502', message: '' }, 'retry'],
    [{ type: 'rejected', status: 400, code: 'invalid_parameter', message: 'bad' }, 'done'],
  ])('an action safe to repeat (setting permissions): %j -> %s', (outcome, action) => {
    expect(decide(outcome, 0, policy, 'retry', half).action).toBe(action);
  });

  test('a permanent error is never retried, whatever the attempt', () => {
    expect(decide({ type: 'rejected', status: 400, code: 'x', message: '' }, 0, { ...policy, maxRetries: 99 }, 'settle', half)).toEqual({ action: 'done' });
  });

  test('retries of what is safe to repeat stop after --max-retries', () => {
    expect(decide({ type: 'server', status: 500, code: 'http_500', message: '' }, 3, policy, 'retry', half)).toEqual({ action: 'give_up' });
    expect(decide({ type: 'network', code: 'network', message: '' }, 2, policy, 'settle', half).action).toBe('retry');
    expect(decide({ type: 'network', code: 'network', message: '' }, 3, policy, 'settle', half).action).toBe('give_up');
  });

  test('backoff is exponential, capped, with full jitter', () => {
    const top = () => 0.999999;
    expect([0, 1, 2, 3, 4, 5, 6].map((r) => backoffMs(r, policy, top))).toEqual([999, 1999, 3999, 7999, 15_999, 29_999, 29_999]);
    expect(backoffMs(3, policy, () => 0)).toBe(0);
    expect(decide({ type: 'server', status: 502, code: 'http_502', message: '' }, 1, policy, 'retry', half)).toEqual({ action: 'retry', delayMs: 1000 });
  });
});
