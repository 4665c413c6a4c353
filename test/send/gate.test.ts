import { describe, expect, test } from '@jest/globals';
import { Gate, GateClosed, WindowTooFar } from '../../src/send/gate.js';
import { FakeClock } from '../helpers/fake-clock.js';

const HOUR = 3_600_000;

function setup(options: Partial<{ ratePerSecond: number; maxWaitMs: number }> = {}) {
  const clock = new FakeClock();
  const gate = new Gate(clock, { ratePerSecond: 0, maxWaitMs: HOUR, ...options });
  return { clock, gate, t0: clock.now() };
}

/** Starts an acquire and reports whether it has resolved, without waiting for it. */
function track(p: Promise<void>) {
  const state = { done: false, error: undefined as unknown };
  p.then(() => (state.done = true), (e: unknown) => (state.error = e));
  return state;
}

const flush = () => new Promise<void>((r) => setImmediate(r));

describe('gate', () => {
  test('the first request goes alone: the key is proven before the others start', async () => {
    const { gate } = setup();
    await gate.acquire();
    const second = track(gate.acquire());
    await flush();
    expect(second.done).toBe(false);
    gate.release({ limit: 100, remaining: 99, resetSeconds: 3600 }, 200);
    await flush();
    expect(second.done).toBe(true);
  });

  test('after a refused key (401) nothing more starts', async () => {
    const { gate } = setup();
    await gate.acquire();
    const second = track(gate.acquire());
    gate.release({ limit: 100, remaining: 99, resetSeconds: 3600 }, 401);
    await flush();
    expect(second.done).toBe(false);
    gate.close();
    await flush();
    expect(second.error).toBeInstanceOf(GateClosed);
  });

  test('uses the whole window, then waits for its reset, then probes with one request', async () => {
    const { clock, gate, t0 } = setup();
    await gate.acquire();
    gate.release({ limit: 3, remaining: 2, resetSeconds: 10 }, 200);
    await gate.acquire();
    await gate.acquire();
    gate.release({ limit: 3, remaining: 1, resetSeconds: 10 }, 200);
    gate.release({ limit: 3, remaining: 0, resetSeconds: 10 }, 200);
    const fourth = gate.acquire();
    expect(gate.budget.remaining).toBe(0);
    await clock.run(fourth);
    expect(clock.now() - t0).toBe(10_000); // not a moment before the reset, not a second after
    const fifth = track(gate.acquire());
    await flush();
    expect(fifth.done).toBe(false); // probing the new window
    gate.release({ limit: 3, remaining: 2, resetSeconds: 10 }, 200);
    await flush();
    expect(fifth.done).toBe(true);
  });

  test('requests in flight count against what is left', async () => {
    const { gate } = setup();
    await gate.acquire();
    gate.release({ limit: 10, remaining: 3, resetSeconds: 60 }, 200);
    await gate.acquire();
    await gate.acquire();
    await gate.acquire(); // 3 left, 2 in flight: one more may start
    const fourth = track(gate.acquire());
    await flush();
    expect(fourth.done).toBe(false); // 3 left, 3 in flight
    gate.release({ limit: 10, remaining: 2, resetSeconds: 60 }, 200);
    await flush();
    expect(fourth.done).toBe(false); // 2 left, 2 still in flight
    gate.release({ limit: 10, remaining: 2, resetSeconds: 60 }, 200);
    await flush();
    expect(fourth.done).toBe(true); // the server had counted it already: 2 left, 1 in flight
  });

  test('late answers with a higher remaining do not raise the budget', async () => {
    const { gate } = setup();
    await gate.acquire();
    gate.release({ limit: 10, remaining: 3, resetSeconds: 60 }, 200);
    await gate.acquire();
    gate.release({ limit: 10, remaining: 8, resetSeconds: 60 }, 200);
    expect(gate.budget.remaining).toBe(3);
  });

  test('a window further away than --max-wait is not waited for', async () => {
    const { gate, t0 } = setup({ maxWaitMs: 60_000 });
    await gate.acquire();
    gate.release({ limit: 100, remaining: 0, resetSeconds: 1800 }, 200);
    await expect(gate.acquire()).rejects.toEqual(new WindowTooFar(t0 + 1_800_000));
  });

  test('a 429 before the estimated reset (a shared budget) pauses every sender until the reset, and teaches no margin', async () => {
    const { clock, gate, t0 } = setup();
    await gate.acquire();
    gate.release({ limit: 10, remaining: 5, resetSeconds: 30 }, 200);
    await gate.acquire();
    gate.release({ limit: 10, remaining: 0, resetSeconds: 4 }, 429);
    const a = gate.acquire();
    await clock.run(a);
    expect(clock.now() - t0).toBe(4000);
    gate.release({ limit: 10, remaining: 9, resetSeconds: 5 }, 200);
    expect(gate.budget.resetAt).toBe(clock.now() + 5000);
    expect(gate.budget.marginMs).toBe(0);
  });

  test('429s of one window are one event: twenty in flight do not stop the run; it waits for the reset', async () => {
    const { clock, gate, t0 } = setup({ maxWaitMs: 60_000 });
    await gate.acquire();
    gate.release({ limit: 100, remaining: 50, resetSeconds: 600 }, 200);
    for (let i = 0; i < 20; i++) await gate.acquire();
    for (let i = 0; i < 20; i++) gate.release({ limit: 100, remaining: 0, resetSeconds: 6 }, 429);
    await clock.run(gate.acquire());
    expect(clock.now() - t0).toBe(6000);
  });

  test('a reset header that runs late: probes back off (1, 2, 4 s), and the lateness learned widens later estimates', async () => {
    const { clock, gate, t0 } = setup();
    await gate.acquire();
    gate.release({ limit: 10, remaining: 0, resetSeconds: 2 }, 200); // the window is empty until t0 + 2 s, it says
    const starts: number[] = [];
    // The server really resets at t0 + 9 s: every probe before that is refused, announcing "1 s".
    for (;;) {
      await clock.run(gate.acquire());
      starts.push(clock.now() - t0);
      if (clock.now() - t0 >= 9000) break;
      gate.release({ limit: 10, remaining: 0, resetSeconds: 1 }, 429);
    }
    expect(starts).toEqual([2000, 3000, 5000, 9000]); // not one request every second
    gate.release({ limit: 10, remaining: 9, resetSeconds: 10 }, 200);
    expect(gate.budget.marginMs).toBe(7000); // the announced reset (t0 + 2 s) ran 7 s late
    expect(gate.budget.resetAt).toBe(clock.now() + 10_000 + 7000);
  });

  test('held back by 429s longer than --max-wait in all, the run gives up on time, not on a count', async () => {
    const { clock, gate } = setup({ maxWaitMs: 10_000 });
    let refused = 0;
    const outcome = await clock.run(
      (async () => {
        try {
          for (;;) {
            await gate.acquire();
            refused++;
            gate.release({ limit: 10, remaining: 0, resetSeconds: 1 }, 429);
          }
        } catch (err) {
          return err;
        }
      })(),
    );
    expect(outcome).toBeInstanceOf(WindowTooFar);
    expect(refused).toBeLessThan(8); // backing off, not a probe every second
  });

  test('what an earlier run knew: a window empty until its reset is not probed before it', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const gate = new Gate(clock, { ratePerSecond: 0, maxWaitMs: HOUR, known: { resetAt: t0 + 120_000, marginMs: 1500 } });
    await clock.run(gate.acquire());
    expect(clock.now() - t0).toBe(120_000);
    gate.release({ limit: 100, remaining: 99, resetSeconds: 3600 }, 200);
    expect(gate.budget.resetAt).toBe(clock.now() + 3_600_000 + 1500);
    const cron = new Gate(clock, { ratePerSecond: 0, maxWaitMs: 10_000, known: { resetAt: clock.now() + 120_000 } });
    await expect(cron.acquire()).rejects.toBeInstanceOf(WindowTooFar); // no request at all
  });

  test('a Retry-After is honoured on every 429, not only the first (the late-reset backoff never undercuts it)', async () => {
    const { clock, gate, t0 } = setup();
    const starts: number[] = [];
    for (let i = 0; i < 3; i++) {
      await clock.run(gate.acquire());
      starts.push(clock.now() - t0);
      gate.release({ retryAfterSeconds: 10 }, 429);
    }
    await clock.run(gate.acquire());
    starts.push(clock.now() - t0);
    expect(starts).toEqual([0, 10_000, 20_000, 30_000]);
  });

  test("a 429 whose own headers say requests are left (a proxy's throttle) pauses briefly and leaves the budget as it was", async () => {
    const { clock, gate, t0 } = setup();
    await gate.acquire();
    gate.release({ limit: 100000, remaining: 99990, resetSeconds: 3000 }, 200);
    await gate.acquire();
    gate.release({ limit: 100000, remaining: 99989, resetSeconds: 2999 }, 429);
    await clock.run(gate.acquire());
    expect(clock.now() - t0).toBe(1000); // a backoff step, not the hour to the reset
    expect(gate.budget.remaining).toBeGreaterThan(0);
  });

  test('a 429 with reset 0 still pauses a second', async () => {
    const { clock, gate, t0 } = setup();
    await gate.acquire();
    gate.release({ limit: 10, remaining: 0, resetSeconds: 0 }, 429);
    await clock.run(gate.acquire());
    expect(clock.now() - t0).toBe(1000);
  });

  test('a 429 with a Retry-After but no rate-limit headers pauses that long', async () => {
    const { clock, gate, t0 } = setup();
    await gate.acquire();
    gate.release({ retryAfterSeconds: 7 }, 429);
    await clock.run(gate.acquire());
    expect(clock.now() - t0).toBe(7000);
  });

  test('without headers, a 429 backs off 1 s, then 2 s, then 4 s', async () => {
    const { clock, gate, t0 } = setup();
    const waits: number[] = [];
    let last = t0;
    for (let i = 0; i < 3; i++) {
      await clock.run(gate.acquire());
      waits.push(clock.now() - last);
      last = clock.now();
      gate.release(undefined, 429);
    }
    await clock.run(gate.acquire());
    waits.push(clock.now() - last);
    expect(waits).toEqual([0, 1000, 2000, 4000]);
  });

  test('--rate spaces the starts', async () => {
    const { clock, gate, t0 } = setup({ ratePerSecond: 4 });
    await gate.acquire();
    gate.release({ limit: 100, remaining: 99, resetSeconds: 3600 }, 200);
    const starts: number[] = [];
    for (let i = 0; i < 4; i++) {
      await clock.run(gate.acquire());
      starts.push(clock.now() - t0);
    }
    expect(starts).toEqual([250, 500, 750, 1000]);
  });

  test('shows a countdown target while waiting for the window', async () => {
    const { clock, gate, t0 } = setup();
    await gate.acquire();
    gate.release({ limit: 1, remaining: 0, resetSeconds: 120 }, 200);
    const waiting = gate.acquire();
    await clock.advance(1000);
    expect(gate.budget.waitingUntil).toBe(t0 + 120_000);
    await clock.run(waiting);
    expect(gate.budget.waitingUntil).toBeUndefined();
  });
});
