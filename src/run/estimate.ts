/**
 * How long the remaining invitations will take at the current budget. At Brevo's 100 requests an
 * hour, that is hours, and the estimate must say so.
 */
import type { BudgetView } from '../send/gate.js';

/** Brevo's window for the organization endpoints. */
export const BREVO_WINDOW_MS = 60 * 60_000;
/** A request's round trip, for batches that fit the budget, until the run has measured its own. */
export const REQUEST_MS = 400;

export function estimateMs(rows: number, budget: BudgetView, now: number, concurrency: number, windowMs?: number, requestMs = REQUEST_MS): number {
  if (rows <= 0) return 0;
  const quick = Math.ceil(rows / Math.max(1, concurrency)) * requestMs;
  const { limit, remaining, resetAt } = budget;
  if (limit === undefined || remaining === undefined || resetAt === undefined || limit <= 0) return quick;
  if (rows <= remaining) return quick;
  const resetIn = Math.max(0, resetAt - now);
  // A window that has barely been used tells its own length; otherwise assume Brevo's hour.
  const window = windowMs ?? (remaining >= limit - 2 ? Math.max(resetIn, 1000) : Math.max(resetIn, BREVO_WINDOW_MS));
  const windowsAfter = Math.ceil((rows - remaining) / limit);
  return resetIn + (windowsAfter - 1) * window + Math.ceil(Math.min(rows - remaining, limit) / Math.max(1, concurrency)) * requestMs;
}
