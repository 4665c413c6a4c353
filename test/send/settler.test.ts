import { describe, expect, test } from '@jest/globals';
import { Settler } from '../../src/send/settler.js';
import type { UserState } from '../../src/send/users.js';

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('settler', () => {
  test('rows that become unknown together share one list call', async () => {
    let calls = 0;
    const settler = new Settler(async () => {
      calls++;
      return new Map<string, UserState>([['a@x.co', 'pending']]);
    });
    const answers = await Promise.all([settler.isInvited('a@x.co'), settler.isInvited('b@x.co'), settler.isInvited('a@x.co')]);
    expect(answers).toEqual([true, false, true]);
    expect(calls).toBe(1);
  });

  test('a row that becomes unknown while a call runs waits for the next call', async () => {
    const first = deferred<Map<string, UserState>>();
    const second = deferred<Map<string, UserState>>();
    const pending = [first, second];
    let calls = 0;
    const settler = new Settler(() => {
      calls++;
      return pending.shift()!.promise;
    });
    const early = settler.isInvited('a@x.co');
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(1);
    const late = settler.isInvited('b@x.co');
    first.resolve(new Map());
    expect(await early).toBe(false);
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(2);
    second.resolve(new Map([['b@x.co', 'pending']]));
    expect(await late).toBe(true);
  });

  test('a failed list leaves the row unknown', async () => {
    const settler = new Settler(async () => undefined);
    expect(await settler.isInvited('a@x.co')).toBeUndefined();
  });
});
