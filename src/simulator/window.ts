/**
 * The simulator's rate limit: fixed windows of `limit` requests per `windowMs`, the first one
 * starting with the first request. Answers carry Brevo's three headers; the reset is in whole
 * seconds, rounded up (or down, to rehearse a server that does).
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
  #start: number | undefined;
  #count = 0;

  /** `rounding`: how the reset header's seconds are rounded (servers differ; `ceil` by default). */
  constructor(rate: RateLimit | null, rounding: 'ceil' | 'floor' = 'ceil') {
    this.#rate = rate;
    this.#round = rounding === 'floor' ? Math.floor : Math.ceil;
  }

  /** Counts a request arriving at `now` (if there is room) and says whether it may be served. */
  admit(now: number): WindowVerdict {
    if (this.#rate === null) {
      return { allowed: true, headers: { 'x-sib-ratelimit-limit': '1000000', 'x-sib-ratelimit-remaining': '1000000', 'x-sib-ratelimit-reset': '3600' } };
    }
    const { limit, windowMs } = this.#rate;
    if (this.#start === undefined || now >= this.#start + windowMs) {
      // Windows follow each other on a fixed grid from the first request.
      this.#start = this.#start === undefined ? now : this.#start + Math.floor((now - this.#start) / windowMs) * windowMs;
      this.#count = 0;
    }
    const allowed = this.#count < limit;
    if (allowed) this.#count++;
    const reset = Math.max(0, this.#round((this.#start + windowMs - now) / 1000));
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
