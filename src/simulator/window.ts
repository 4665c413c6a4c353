/**
 * The simulator's rate limit: fixed windows of `limit` requests per `windowMs`, the first one
 * starting with the first request. Answers carry Brevo's three headers; the reset is in whole
 * seconds, rounded up (or down, to rehearse a server that does). To rehearse a server whose reset
 * runs late (its header announces the reset earlier than the window really resets: a clock behind,
 * or a rounding down by more than a second), `lateMs` takes that much off every announced reset.
 * `spend` counts requests made by another client with the same key (the budget is shared).
 */
import { parseDuration } from '../duration.js';

export interface RateLimit {
  limit: number;
  windowMs: number;
}

export interface WindowVerdict {
  allowed: boolean;
  headers: Record<string, string>;
}

/** `100/1h`, `10/2s`, `50/5s`; `off` or `0` for none. */
export function parseRateLimit(text: string): RateLimit | null | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'off' || t === 'none' || t === '0') return null;
  const m = /^(\d+)\s*\/\s*(.+)$/.exec(t);
  if (m === null) return undefined;
  const windowMs = parseDuration(/^\d/.test(m[2]!) ? m[2]! : `1${m[2]}`);
  const limit = Number(m[1]);
  return windowMs === undefined || windowMs <= 0 || limit <= 0 ? undefined : { limit, windowMs };
}

export class FixedWindow {
  readonly #rate: RateLimit | null;
  readonly #round: (x: number) => number;
  readonly #lateMs: number;
  #start: number | undefined;
  #count = 0;

  /**
   * `rounding`: how the reset header's seconds are rounded (servers differ; `ceil` by default).
   * `lateMs`: how much earlier than the real reset the header announces it (0: on time).
   */
  constructor(rate: RateLimit | null, rounding: 'ceil' | 'floor' = 'ceil', lateMs = 0) {
    this.#rate = rate;
    this.#round = rounding === 'floor' ? Math.floor : Math.ceil;
    this.#lateMs = lateMs;
  }

  /** The window that `now` falls in starts (again) on the grid from the first request. */
  #roll(now: number, windowMs: number): void {
    if (this.#start === undefined || now >= this.#start + windowMs) {
      this.#start = this.#start === undefined ? now : this.#start + Math.floor((now - this.#start) / windowMs) * windowMs;
      this.#count = 0;
    }
  }

  /** Another client with the same key spends `n` requests of the current window (as many as are left, at most). */
  spend(now: number, n: number): void {
    if (this.#rate === null) return;
    this.#roll(now, this.#rate.windowMs);
    this.#count = Math.min(this.#rate.limit, this.#count + n);
  }

  /** Counts a request arriving at `now` (if there is room) and says whether it may be served. */
  admit(now: number): WindowVerdict {
    if (this.#rate === null) {
      return { allowed: true, headers: { 'x-sib-ratelimit-limit': '1000000', 'x-sib-ratelimit-remaining': '1000000', 'x-sib-ratelimit-reset': '3600' } };
    }
    const { limit, windowMs } = this.#rate;
    this.#roll(now, windowMs);
    const allowed = this.#count < limit;
    if (allowed) this.#count++;
    const reset = Math.max(0, this.#round((this.#start! + windowMs - this.#lateMs - now) / 1000));
    return {
      allowed,
      headers: {
        'x-sib-ratelimit-limit': String(limit),
        'x-sib-ratelimit-remaining': String(limit - this.#count),
        'x-sib-ratelimit-reset': String(reset),
      },
    };
  }
}
