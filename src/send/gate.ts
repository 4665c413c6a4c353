/**
 * The gate every request passes before it starts. It keeps the run inside Brevo's budget:
 *
 * - The `x-sib-ratelimit-*` headers of every answer are the truth about the current window. Within
 *   a window the server's count only goes down, so the lowest `remaining` seen wins (answers to
 *   requests that were started earlier arrive late and say more). A request may start while
 *   `remaining` minus the requests still in flight is above zero; otherwise the gate waits for an
 *   answer, or for the window's reset.
 * - The reset header is in whole seconds. If the server rounds up, every `now + reset` is at or
 *   after the true reset and the earliest of them is the tightest estimate, so that is the one
 *   kept. If a 429 shows the server rounds otherwise, a second of margin is added from then on.
 * - After a reset, and at the very start (before the key has been proven), one request goes alone:
 *   its answer tells the new window's budget, and a refused key costs one request, not ten.
 * - A 429 pauses every sender until the reset the server announces (at least a second).
 * - `--rate` is a client-side ceiling: starts are spaced 1/rate seconds apart.
 * - A wait longer than `maxWaitMs` is not taken: acquire() throws WindowTooFar and the run defers
 *   what is left (cron mode).
 */
import type { Clock } from '../clock.js';
import type { RateHeaders } from './client.js';

export interface GateOptions {
  ratePerSecond: number;
  maxWaitMs: number;
}

export class WindowTooFar extends Error {
  constructor(readonly resetAt: number) {
    super('the rate-limit window resets later than --max-wait allows');
  }
}

export class GateClosed extends Error {
  constructor() {
    super('the run is stopping');
  }
}

/** What the gate knows of the budget, for the progress display and the summary. */
export interface BudgetView {
  limit?: number | undefined;
  remaining?: number | undefined;
  resetAt?: number | undefined;
  /** Set while every sender is waiting for the window: when it expects to go on. */
  waitingUntil?: number | undefined;
}

/** Two resets less than this apart are the same window (the header is rounded to whole seconds). */
const SAME_WINDOW_MS = 1500;
const MIN_429_PAUSE_MS = 1000;
const ROUNDING_MARGIN_MS = 1000;
/** Waiting for an answer is woken by the answer; this only bounds a lost wake-up. */
const ANSWER_POLL_MS = 5000;
const NO_HEADER_429_PAUSE_MS = [1000, 2000, 4000, 8000, 16_000, 30_000, 60_000];

export class Gate {
  readonly #clock: Clock;
  readonly #options: GateOptions;
  #limit: number | undefined;
  #remaining: number | undefined;
  #resetAt: number | undefined;
  #inFlight = 0;
  /** One request at a time until an answer arrives (start of run, after a reset). */
  #probing = true;
  #pausedUntil = 0;
  #nextStart = 0;
  #consecutive429 = 0;
  /** Added to every reset estimate once a 429 has shown the estimates can be early. */
  #marginMs = 0;
  #waitingUntil: number | undefined;
  #closed = false;
  /** A 401: the key is refused, nothing more may start (the run is stopping). */
  #refused = false;
  #wake = new AbortController();

  constructor(clock: Clock, options: GateOptions) {
    this.#clock = clock;
    this.#options = options;
  }

  get budget(): BudgetView {
    return { limit: this.#limit, remaining: this.#remaining, resetAt: this.#resetAt, waitingUntil: this.#waitingUntil };
  }

  get consecutiveRateLimited(): number {
    return this.#consecutive429;
  }

  /** Resolves when a request may start; the caller must call `release` with its answer. */
  async acquire(): Promise<void> {
    for (;;) {
      if (this.#closed) throw new GateClosed();
      const now = this.#clock.now();
      const wait = this.#wait(now);
      if (wait.kind === 'ready') {
        this.#waitingUntil = undefined;
        this.#take(now);
        return;
      }
      if (wait.kind === 'window') {
        if (wait.ms > this.#options.maxWaitMs) throw new WindowTooFar(now + wait.ms);
        this.#waitingUntil = now + wait.ms;
      }
      // An answer or close() wakes every waiter early; each then looks again.
      await this.#clock.sleep(wait.ms, this.#wake.signal);
    }
  }

  /** Records the answer of a request started by `acquire`. `status` is undefined for a network error. */
  release(rate: RateHeaders | undefined, status: number | undefined): void {
    const now = this.#clock.now();
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    if (status === 401) this.#refused = true;
    if (status !== undefined && status !== 401 && status !== 403) this.#probing = false;
    if (rate !== undefined) this.#observe(rate, now);
    if (status === 429) {
      this.#consecutive429++;
      this.#remaining = 0;
      const headerPause =
        rate?.resetSeconds !== undefined
          ? Math.max(rate.resetSeconds * 1000 + this.#marginMs, MIN_429_PAUSE_MS)
          : rate?.retryAfterSeconds !== undefined
            ? Math.max(rate.retryAfterSeconds * 1000, MIN_429_PAUSE_MS)
            : undefined;
      const pause = headerPause ?? NO_HEADER_429_PAUSE_MS[Math.min(this.#consecutive429 - 1, NO_HEADER_429_PAUSE_MS.length - 1)]!;
      this.#pausedUntil = Math.max(this.#pausedUntil, now + pause);
      this.#probing = true;
      // The estimates were early (or the budget is shared): from now on, a second of margin.
      this.#marginMs = ROUNDING_MARGIN_MS;
    } else if (status !== undefined && status < 500) {
      this.#consecutive429 = 0;
    }
    this.#notify();
  }

  /** Wakes every waiter; from now on acquire() throws GateClosed. */
  close(): void {
    this.#closed = true;
    this.#notify();
  }

  #notify(): void {
    this.#wake.abort();
    this.#wake = new AbortController();
  }

  #observe(rate: RateHeaders, now: number): void {
    if (rate.limit !== undefined) this.#limit = rate.limit;
    if (rate.remaining === undefined) return;
    const resetAt = rate.resetSeconds === undefined ? undefined : now + rate.resetSeconds * 1000 + this.#marginMs;
    const newWindow =
      this.#remaining === undefined ||
      this.#resetAt === undefined ||
      now >= this.#resetAt ||
      (resetAt !== undefined && resetAt > this.#resetAt + SAME_WINDOW_MS);
    if (newWindow) {
      this.#remaining = rate.remaining;
      this.#resetAt = resetAt;
    } else {
      this.#remaining = Math.min(this.#remaining!, rate.remaining);
      if (resetAt !== undefined) this.#resetAt = Math.min(this.#resetAt!, resetAt);
    }
  }

  #windowEmpty(now: number): boolean {
    return this.#remaining !== undefined && this.#resetAt !== undefined && now < this.#resetAt && this.#remaining - this.#inFlight <= 0;
  }

  /**
   * Whether a request may start now; if not, how long to wait before looking again and why:
   * `window` waits (a 429 pause, an empty window) count against --max-wait; waiting for an answer
   * in flight or for the --rate spacing does not.
   */
  #wait(now: number): { kind: 'ready' } | { kind: 'window' | 'answer' | 'ceiling'; ms: number } {
    if (this.#refused) return { kind: 'answer', ms: ANSWER_POLL_MS };
    if (now < this.#pausedUntil) return { kind: 'window', ms: this.#pausedUntil - now };
    if (this.#resetAt !== undefined && now >= this.#resetAt && this.#remaining !== undefined) {
      // The window has reset: its budget is unknown until an answer says.
      this.#remaining = undefined;
      this.#probing = true;
    }
    const untilReset = this.#resetAt === undefined || this.#resetAt <= now ? ANSWER_POLL_MS : this.#resetAt - now;
    if (this.#probing && this.#inFlight > 0) return { kind: 'answer', ms: Math.min(untilReset, ANSWER_POLL_MS) };
    if (this.#windowEmpty(now)) {
      return this.#inFlight > 0 ? { kind: 'answer', ms: Math.min(untilReset, ANSWER_POLL_MS) } : { kind: 'window', ms: untilReset };
    }
    if (this.#options.ratePerSecond > 0 && now < this.#nextStart) return { kind: 'ceiling', ms: this.#nextStart - now };
    return { kind: 'ready' };
  }

  #take(now: number): void {
    this.#inFlight++;
    if (this.#options.ratePerSecond > 0) this.#nextStart = Math.max(now, this.#nextStart) + 1000 / this.#options.ratePerSecond;
  }
}
