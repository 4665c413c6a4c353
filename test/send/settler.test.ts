import { describe, expect, test } from '@jest/globals';
import { Settler } from '../../src/send/settler.js';
import type { UserState } from '../../src/send/users.js';

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('settler', () => {
  test('rows that become unknown together share one list call', async () => {
    let calls = 0;
    const settler = new Settler(async () => {
      calls++;
      return new Map<string, UserState>([['a@x.co', 'pending']]);
    }, 3);
    const answers = await Promise.all([settler.isInvited('a@x.co'), settler.isInvited('b@x.co'), settler.isInvited('a@x.co')]);
    expect(answers).toEqual([true, false, true]);
    expect(calls).toBe(1);
  });

  test('the list is not called while another row is still being sent, so later faults join the same call', async () => {
    let calls = 0;
    const settler = new Settler(async () => {
      calls++;
      return new Map<string, UserState>([['b@x.co', 'pending']]);
    }, 3);
    const first = settler.isInvited('a@x.co');
    await tick();
    expect(calls).toBe(0); // two rows are still sending
    settler.rowDone();
    await tick();
    expect(calls).toBe(0); // one still is
    const second = settler.isInvited('b@x.co');
    expect(await Promise.all([first, second])).toEqual([false, true]);
    expect(calls).toBe(1);
  });

  test('a row that becomes unknown after a call was answered waits for the next quiet moment', async () => {
    const lists = [deferred<Map<string, UserState>>(), deferred<Map<string, UserState>>()];
    let calls = 0;
    const settler = new Settler(() => lists[calls++]!.promise, 2);
    settler.rowDone();
    const early = settler.isInvited('a@x.co');
    await tick();
    expect(calls).toBe(1);
    lists[0]!.resolve(new Map());
    expect(await early).toBe(false); // not there: the row is sent again, and is lost again
    const late = settler.isInvited('a@x.co');
    await tick();
    expect(calls).toBe(2);
    lists[1]!.resolve(new Map([['a@x.co', 'pending']]));
    expect(await late).toBe(true);
  });

  test('a failed list (or a list that throws) leaves the row unknown', async () => {
    expect(await new Settler(async () => undefined, 1).isInvited('a@x.co')).toBeUndefined();
    expect(await new Settler(() => Promise.reject(new Error('down')), 1).isInvited('a@x.co')).toBeUndefined();
  });
});
