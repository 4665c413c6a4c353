/**
 * The retry decision, as a pure function of (outcome, retries so far, policy, how unsure answers
 * of this action are settled, a random number): a run of early exits over allow-lists.
 *
 * An answer that may hide a processed request (a lost answer, a 5xx from a gateway) is never
 * simply sent again for an action that is not safe to repeat (an invitation): it is settled
 * against the invited-users list first, so no one is invited twice. Setting permissions is safe
 * to repeat, so those answers are retried with backoff.
 */
import type { Outcome } from './classify.js';

export interface RetryPolicy {
  maxRetries: number;
  /** First backoff step; doubled at each retry, capped, then fully jittered. */
  baseMs: number;
  capMs: number;
}

export const DEFAULT_RETRY: Omit<RetryPolicy, 'maxRetries'> = { baseMs: 1000, capMs: 30_000 };

/** How an answer that may hide a processed request is dealt with (see actions.ts). */
export type WhenUnsure = 'settle' | 'retry';

export type Decision =
  | { action: 'done' }
  | { action: 'retry'; delayMs: number }
  /** Wait for the rate-limit window (the gate does), then send again; not a retry. */
  | { action: 'wait_window' }
  /** Look the email up in the invited-users list before anything else. */
  | { action: 'settle' }
  | { action: 'give_up' }
  | { action: 'stop_run'; reason: 'auth' };

/** Exponential backoff with full jitter: a random delay in [0, min(cap, base * 2^retry)). */
export function backoffMs(retry: number, policy: Omit<RetryPolicy, 'maxRetries'>, random: () => number): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}

export function decide(outcome: Outcome, retries: number, policy: RetryPolicy, whenUnsure: WhenUnsure, random: () => number): Decision {
  switch (outcome.type) {
    case 'done':
    case 'already':
    case 'rejected':
    case 'forbidden':
      return { action: 'done' };
    case 'auth':
      return { action: 'stop_run', reason: 'auth' };
    case 'rate_limited':
      return { action: 'wait_window' };
    case 'server':
    case 'unknown':
      if (whenUnsure === 'settle') return { action: 'settle' };
      break;
    case 'network':
      break;
  }
  if (retries >= policy.maxRetries) return { action: 'give_up' };
  return { action: 'retry', delayMs: backoffMs(retries, policy, random) };
}
