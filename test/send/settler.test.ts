import { describe, expect, test } from '@jest/globals';
import { Settler } from '../../src/send/settler.js';
import type { UserState } from '../../src/send/users.js';
import { FakeClock } from '../helpers/fake-clock.js';

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = () => new Promise((r) => setImmediate(r));
const pending: UserState = { status: 'pending', isOwner: false };

function settler(list: () => Promise<Map<string, UserState> | undefined>, rows: number, clock = new FakeClock(), maxWaitMs = 3_600_000) {
  return new Settler(list, rows, { clock, maxWaitMs, signal: new AbortController().signal });
}

describe('settler', () => {
  test('rows that become unknown together share one list call', async () => {
    let calls = 0;
    const s = settler(async () => {
      calls++;
      return new Map([['a@x.co', pending]]);
    }, 3);
    const answers = await Promise.all([s.check('a@x.co', 0), s.check('b@x.co', 0), s.check('a@x.co', 0)]);
    expect(answers.map((a) => a?.state !== undefined)).toEqual([true, false, true]);
    expect(answers.every((a) => a?.trusted === true)).toBe(true);
    expect(calls).toBe(1);
  });

  test('the list is not called while another row is still being sent, so later faults join the same call', async () => {
    let calls = 0;
    const s = settler(async () => {
      calls++;
      return new Map([['b@x.co', pending]]);
    }, 3);
    const first = s.check('a@x.co', 0);
    await tick();
    expect(calls).toBe(0); // two rows are still sending
    s.rowDone();
    await tick();
    expect(calls).toBe(0); // one still is
    const second = s.check('b@x.co', 0);
    expect((await Promise.all([first, second])).map((a) => a?.state !== undefined)).toEqual([false, true]);
    expect(calls).toBe(1);
  });

  test('a row that becomes unknown after a call was answered waits for the next quiet moment', async () => {
    const lists = [deferred<Map<string, UserState>>(), deferred<Map<string, UserState>>()];
    let calls = 0;
    const s = settler(() => lists[calls++]!.promise, 2);
    s.rowDone();
    const early = s.check('a@x.co', 0);
    await tick();
    expect(calls).toBe(1);
    lists[0]!.resolve(new Map());
    expect((await early)?.state).toBeUndefined(); // not there: the row is sent again, and is lost again
    const late = s.check('a@x.co', 0);
    await tick();
    expect(calls).toBe(2);
    lists[1]!.resolve(new Map([['a@x.co', pending]]));
    expect((await late)?.state).toEqual(pending);
  });

  test('the call waits until the latest row may be trusted to say "not there"', async () => {
    const clock = new FakeClock();
    const start = clock.now();
    let calledAt = 0;
    const s = settler(async () => ((calledAt = clock.now()), new Map()), 2, clock);
    const verdicts = clock.run(Promise.all([s.check('a@x.co', start + 10_000), s.check('b@x.co', start + 30_000)]));
    expect((await verdicts).map((v) => v?.trusted)).toEqual([true, true]);
    expect(calledAt - start).toBe(30_000);
  });

  test('a wait longer than --max-wait is not taken: the call is made, and the young rows are not trusted', async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const s = settler(async () => new Map(), 2, clock, 5000);
    const verdicts = await clock.run(Promise.all([s.check('old@x.co', start - 1), s.check('young@x.co', start + 60_000)]));
    expect(verdicts.map((v) => v?.trusted)).toEqual([true, false]);
    expect(clock.now()).toBe(start);
  });

  test('a failed list (or a list that throws) leaves the row unknown', async () => {
    expect(await settler(async () => undefined, 1).check('a@x.co', 0)).toBeUndefined();
    expect(await settler(() => Promise.reject(new Error('down')), 1).check('a@x.co', 0)).toBeUndefined();
  });
});
