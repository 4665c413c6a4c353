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
 *   kept.
 * - After a reset, and at the very start (before the key has been proven), one request goes alone
 *   (a probe): its answer tells the new window's budget, and a refused key costs one request.
 * - A 429 pauses every sender until the reset the server announces (at least a second). 429s are
 *   one event, however many requests were in flight: the run gives up only on time, when it has
 *   been held back longer than --max-wait in all since its last answer that was not a 429.
 * - A 429 to a probe sent after the announced reset shows that the server's reset runs late (it
 *   rounds down, or its clock runs behind). The probes then back off (1, 2, 4 s ... up to the
 *   length of a window) instead of spending a request every second, and once one goes through, how
 *   late the reset was becomes the margin added to every later estimate. A 429 that comes before
 *   the estimated reset says the budget is shared, not that the estimates are late: it teaches
 *   nothing about the margin.
 * - `--rate` is a client-side ceiling: starts are spaced 1/rate seconds apart.
 * - A wait longer than `maxWaitMs` is not taken: acquire() throws WindowTooFar and the run defers
 *   what is left (cron mode).
 */
import type { Clock } from '../clock.js';
import type { RateHeaders } from './client.js';

export interface GateOptions {
  ratePerSecond: number;
  maxWaitMs: number;
  /** What an earlier run learned: its window was empty until `resetAt`, and resets run late by `marginMs`. */
  known?: { resetAt?: number | undefined; marginMs?: number | undefined } | undefined;
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
  /** How late the server's resets were seen to run (added to every estimate). */
  marginMs?: number | undefined;
  /** A window's length, once the run has seen one begin (the first answer after a reset tells). */
  windowMs?: number | undefined;
}

/** Two resets less than this apart are the same window (the header is rounded to whole seconds). */
const SAME_WINDOW_MS = 1500;
const MIN_429_PAUSE_MS = 1000;
/** Waiting for an answer is woken by the answer; this only bounds a lost wake-up. */
const ANSWER_POLL_MS = 5000;
/** Pauses after 429s that say nothing of the window (no header), and probes after a late reset. */
const BACKOFF_MS = [1000, 2000, 4000, 8000, 16_000, 32_000, 64_000, 128_000, 256_000, 512_000, 1_024_000, 2_048_000];
/** Probes after a late reset back off up to the longest reset announced (about a window), and at least this far. */
const MIN_BACKOFF_CAP_MS = 60_000;

export class Gate {
  readonly #clock: Clock;
  readonly #options: GateOptions;
  #limit: number | undefined;
  #remaining: number | undefined;
  #resetAt: number | undefined;
  #inFlight = 0;
  /** One request at a time until an answer arrives (start of run, after a reset). */
  #probing = true;
  /** The reset that the current probe was sent after (undefined: not sent after a reset). */
  #probeAfter: number | undefined;
  /** The reset the gate last waited for, while no answer has come from the new window yet. */
  #passedReset: number | undefined;
  #pausedUntil = 0;
  #nextStart = 0;
  /** 429s since the last answer that was not one; and since when the run is held back. */
  #consecutive429 = 0;
  #limitedSince: number | undefined;
  /** 429s to probes sent after the announced reset: the reset runs late. */
  #lateProbes = 0;
  /** The reset the server announced before the first of those 429s: how late it ran is measured from it. */
  #lateFrom: number | undefined;
  /** Added to every reset estimate: how late the server's resets were seen to run. */
  #marginMs: number;
  /** The longest reset announced: about the window's length. */
  #longestResetMs = 0;
  /** The reset announced by the first answer of a window the run saw begin: its length. */
  #windowMs: number | undefined;
  #waitingUntil: number | undefined;
  #closed = false;
  /** A 401: the key is refused, nothing more may start (the run is stopping). */
  #refused = false;
  #wake = new AbortController();

  constructor(clock: Clock, options: GateOptions) {
    this.#clock = clock;
    this.#options = options;
    this.#marginMs = Math.max(0, options.known?.marginMs ?? 0);
    const knownReset = options.known?.resetAt;
    if (knownReset !== undefined && knownReset > clock.now()) {
      // An earlier run saw this window empty: nothing is sent before it resets.
      this.#remaining = 0;
      this.#resetAt = knownReset;
    }
  }

  get budget(): BudgetView {
    return { limit: this.#limit, remaining: this.#remaining, resetAt: this.#resetAt, waitingUntil: this.#waitingUntil, marginMs: this.#marginMs, windowMs: this.#windowMs };
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
        const heldSince = this.#limitedSince ?? now;
        if (wait.ms > this.#options.maxWaitMs || now + wait.ms - heldSince > this.#options.maxWaitMs) throw new WindowTooFar(now + wait.ms);
        this.#waitingUntil = now + wait.ms;
      }
      // An answer or close() wakes every waiter early; each then looks again.
      await this.#clock.sleep(wait.ms, this.#wake.signal);
    }
  }

  /** Records the answer of a request started by `acquire`. `status` is undefined for a network error. */
  release(rate: RateHeaders | undefined, status: number | undefined): void {
    const now = this.#clock.now();
    const afterReset = this.#passedReset !== undefined;
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    if (status === 401) this.#refused = true;
    if (status === 429) this.#rateLimited(rate, now);
    else if (status !== undefined) this.#answered(status, now);
    if (rate?.resetSeconds !== undefined) this.#longestResetMs = Math.max(this.#longestResetMs, rate.resetSeconds * 1000);
    if (rate !== undefined && status !== 429) this.#observe(rate, now, afterReset);
    this.#notify();
  }

  /** Wakes every waiter; from now on acquire() throws GateClosed. */
  close(): void {
    this.#closed = true;
    this.#notify();
  }

  #answered(status: number, now: number): void {
    if (status !== 401 && status !== 403) this.#probing = false;
    if (status >= 500) return;
    if (this.#lateProbes > 0 && this.#lateFrom !== undefined) {
      // The reset ran late by at most this much: later estimates are widened by it.
      this.#marginMs = Math.max(0, now - this.#lateFrom);
    }
    this.#lateProbes = 0;
    this.#lateFrom = undefined;
    this.#probeAfter = undefined;
    this.#passedReset = undefined;
    this.#consecutive429 = 0;
    this.#limitedSince = undefined;
  }

  #rateLimited(rate: RateHeaders | undefined, now: number): void {
    this.#consecutive429++;
    this.#limitedSince ??= now;
    if (rate?.remaining !== undefined && rate.remaining > 0 && this.#probeAfter === undefined) {
      // Its own headers say requests are left: not the account's window running out (a proxy's
      // throttle, say). A short pause (its Retry-After, or a backoff); the budget stays as it was.
      const step = BACKOFF_MS[Math.min(this.#consecutive429 - 1, BACKOFF_MS.length - 1)]!;
      this.#pausedUntil = Math.max(this.#pausedUntil, now + Math.max(rate.retryAfterSeconds === undefined ? step : rate.retryAfterSeconds * 1000, MIN_429_PAUSE_MS));
      return;
    }
    this.#remaining = 0;
    this.#probing = true;
    let pause: number;
    if (this.#probeAfter !== undefined) {
      // Sent after the announced reset and still refused: the reset runs late. Back off, unless
      // the server now announces a later reset (another client drained the new window).
      if (this.#lateProbes++ === 0) this.#lateFrom = this.#probeAfter;
      const step = BACKOFF_MS[Math.min(this.#consecutive429 - 1, BACKOFF_MS.length - 1)]!;
      const announced = Math.max(rate?.resetSeconds ?? 0, rate?.retryAfterSeconds ?? 0) * 1000;
      const header = announced > step ? announced : 0;
      pause = Math.max(Math.min(step, Math.max(this.#longestResetMs, MIN_BACKOFF_CAP_MS)), header);
    } else if (rate?.resetSeconds !== undefined) {
      pause = Math.max(rate.resetSeconds * 1000 + this.#marginMs, MIN_429_PAUSE_MS);
    } else if (rate?.retryAfterSeconds !== undefined) {
      pause = Math.max(rate.retryAfterSeconds * 1000, MIN_429_PAUSE_MS);
    } else {
      pause = BACKOFF_MS[Math.min(this.#consecutive429 - 1, BACKOFF_MS.length - 1)]!;
    }
    this.#pausedUntil = Math.max(this.#pausedUntil, now + pause);
    // The window the 429 speaks of resets when the pause ends; the probe then is "after a reset".
    this.#resetAt = this.#pausedUntil;
    this.#passedReset = undefined;
  }

  #notify(): void {
    this.#wake.abort();
    this.#wake = new AbortController();
  }

  #observe(rate: RateHeaders, now: number, afterReset: boolean): void {
    if (rate.limit !== undefined) this.#limit = rate.limit;
    if (rate.remaining === undefined) return;
    const resetAt = rate.resetSeconds === undefined ? undefined : now + rate.resetSeconds * 1000 + this.#marginMs;
    const newWindow =
      this.#remaining === undefined ||
      this.#resetAt === undefined ||
      now >= this.#resetAt ||
      (resetAt !== undefined && resetAt > this.#resetAt + SAME_WINDOW_MS);
    if (newWindow) {
      // The first answer after a reset the run waited for announces the whole window.
      if (afterReset && rate.resetSeconds !== undefined && rate.limit !== undefined && rate.remaining >= rate.limit - 2) this.#windowMs = rate.resetSeconds * 1000;
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
      this.#passedReset = this.#resetAt;
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
    if (this.#probing) this.#probeAfter = this.#passedReset;
    if (this.#options.ratePerSecond > 0) this.#nextStart = Math.max(now, this.#nextStart) + 1000 / this.#options.ratePerSecond;
  }
}
