/**
 * A clock whose time moves only when the test says. `run(promise)` advances from one sleeper to
 * the next (letting pending promise callbacks run in between) until the promise settles.
 */
import type { Clock } from '../../src/clock.js';

interface Sleeper {
  at: number;
  resolve: () => void;
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

export class FakeClock implements Clock {
  #now: number;
  #sleepers: Sleeper[] = [];

  constructor(start = 1_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted === true) return resolve();
      const sleeper: Sleeper = { at: this.#now + Math.max(0, ms), resolve };
      this.#sleepers.push(sleeper);
      signal?.addEventListener(
        'abort',
        () => {
          this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
          resolve();
        },
        { once: true },
      );
    });
  }

  /** Moves time forward by `ms`, waking sleepers in order. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      await flush();
      const next = this.#nextSleeper();
      if (next === undefined || next.at > target) break;
      this.#wake(next);
    }
    this.#now = target;
    await flush();
  }

  /** Runs time forward until `promise` settles (or `limitMs` of fake time passes). */
  async run<T>(promise: Promise<T>, limitMs = 24 * 3_600_000): Promise<T> {
    let settled = false;
    const watched = promise.finally(() => {
      settled = true;
    });
    const end = this.#now + limitMs;
    for (let i = 0; i < 1_000_000; i++) {
      await flush();
      if (settled) return watched;
      const next = this.#nextSleeper();
      if (next === undefined) {
        await flush();
        if (settled) return watched;
        throw new Error('deadlock: nothing is sleeping and the promise has not settled');
      }
      if (next.at > end) throw new Error(`not settled within ${limitMs} ms of fake time`);
      this.#wake(next);
    }
    throw new Error('too many steps');
  }

  #nextSleeper(): Sleeper | undefined {
    let best: Sleeper | undefined;
    for (const s of this.#sleepers) if (best === undefined || s.at < best.at) best = s;
    return best;
  }

  #wake(sleeper: Sleeper): void {
    this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
    this.#now = Math.max(this.#now, sleeper.at);
    sleeper.resolve();
  }
}
