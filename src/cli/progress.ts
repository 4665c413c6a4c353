/**
 * Progress while sending. At a terminal: a bar (rows done of total, invited, failed, rate, ETA from
 * the real budget) and a live countdown while every sender waits for Brevo's rate-limit window.
 * Not at a terminal (cron): a pino line every 30 seconds instead.
 */
import cliProgress from 'cli-progress';
import type { Logger } from 'pino';
import { formatClock, formatDuration } from '../duration.js';
import { estimateMs } from '../run/estimate.js';
import type { ProgressSink, SendPlan } from '../run/send-run.js';
import type { Gate } from '../send/gate.js';
import type { RowResult } from '../types.js';
import type { CliIo, TtyWritable } from './io.js';

interface Counters {
  done: number;
  invited: number;
  failed: number;
}

const LOG_EVERY_MS = 30_000;
const REDRAW_EVERY_MS = 1000;

/**
 * The text after the bar: pure, so it can be tested with a fixed clock. What matters most comes
 * first (the countdown, or the ETA), since a narrow terminal cuts the end of the line.
 */
export function progressDetail(counters: Counters, total: number, gate: Gate['budget'], startedAt: number, now: number, concurrency: number): string {
  const perMinute = counters.done === 0 ? 0 : (counters.done / Math.max(1, now - startedAt)) * 60_000;
  const rest = total - counters.done;
  const parts = [`invited ${counters.invited}`, `failed ${counters.failed}`, `${perMinute.toFixed(perMinute < 10 ? 1 : 0)}/min`];
  if (gate.waitingUntil !== undefined && gate.waitingUntil > now) {
    parts.unshift(`waiting for Brevo's rate-limit window: ${formatClock(gate.waitingUntil - now)}`);
  } else if (rest > 0) {
    parts.unshift(`ETA ${formatDuration(estimateMs(rest, gate, now, concurrency))}`);
  }
  return parts.join(' | ');
}

/** A shorter bar on a narrow terminal, so the countdown still fits on the line. */
const barSize = (columns: number | undefined) => (columns !== undefined && columns < 130 ? 10 : 24);

export class ProgressBar implements ProgressSink {
  readonly #stream: TtyWritable;
  readonly #now: () => number;
  #bar: cliProgress.SingleBar | undefined;
  #timer: NodeJS.Timeout | undefined;
  #counters: Counters = { done: 0, invited: 0, failed: 0 };
  #plan: SendPlan | undefined;
  #gate: Gate | undefined;
  #startedAt = 0;

  constructor(stream: TtyWritable, now: () => number = Date.now) {
    this.#stream = stream;
    this.#now = now;
  }

  start(plan: SendPlan, gate: Gate): void {
    if (plan.toInvite === 0) return;
    this.#plan = plan;
    this.#gate = gate;
    this.#startedAt = this.#now();
    this.#bar = new cliProgress.SingleBar(
      {
        stream: this.#stream as NodeJS.WritableStream,
        format: 'Sending [{bar}] {value}/{total} rows | {detail}',
        barsize: barSize(this.#stream.columns),
        hideCursor: true,
        clearOnComplete: false,
        noTTYOutput: false,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    this.#bar.start(plan.toInvite, 0, { detail: this.#detail() });
    this.#timer = setInterval(() => this.#bar?.update({ detail: this.#detail() }), REDRAW_EVERY_MS);
    this.#timer.unref();
  }

  rowDone(result: RowResult): void {
    count(this.#counters, result);
    this.#bar?.update(this.#counters.done, { detail: this.#detail() });
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#bar?.update(this.#counters.done, { detail: this.#detail() });
    this.#bar?.stop();
    this.#bar = undefined;
  }

  #detail(): string {
    if (this.#plan === undefined || this.#gate === undefined) return '';
    return progressDetail(this.#counters, this.#plan.toInvite, this.#gate.budget, this.#startedAt, this.#now(), this.#plan.concurrency);
  }
}

function count(counters: Counters, result: RowResult): void {
  if (result.status === 'deferred' && result.attempts === 0) return;
  counters.done++;
  if (result.status === 'invited') counters.invited++;
  if (result.status === 'failed') counters.failed++;
}

/** Not at a terminal: a progress line in the log every 30 s. */
export class ProgressLog implements ProgressSink {
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #counters: Counters = { done: 0, invited: 0, failed: 0 };

  constructor(log: Logger) {
    this.#log = log;
  }

  start(plan: SendPlan, gate: Gate): void {
    if (plan.toInvite === 0) return;
    this.#timer = setInterval(() => {
      const budget = gate.budget;
      this.#log.info(
        {
          ...this.#counters,
          total: plan.toInvite,
          budgetRemaining: budget.remaining,
          waitingUntil: budget.waitingUntil === undefined ? undefined : new Date(budget.waitingUntil).toISOString(),
        },
        'progress',
      );
    }, LOG_EVERY_MS);
    this.#timer.unref();
  }

  rowDone(result: RowResult): void {
    count(this.#counters, result);
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
  }
}

export function progressFor(io: CliIo, log: Logger, interactive: boolean): ProgressSink {
  return interactive ? new ProgressBar(io.stderr) : new ProgressLog(log);
}
