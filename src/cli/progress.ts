/**
 * Progress while a run works. At a terminal: from the first request on, a line that says what the
 * run is waiting for (Brevo's answer, with the URL and the seconds so far, or a countdown to the
 * rate-limit window), then a bar (rows done of total, done, failed, rate, an ETA from the real
 * budget and the measured latency), and a countdown while the last list call waits for Brevo to
 * record requests whose answer was lost. Not at a terminal (cron): a pino line every 30 seconds.
 */
import { Writable } from 'node:stream';
import cliProgress from 'cli-progress';
import type { Logger } from 'pino';
import { formatClock, formatDuration } from '../duration.js';
import { estimateMs, REQUEST_MS } from '../run/estimate.js';
import type { ProgressSink, SendPlan } from '../run/ports.js';
import type { Gate } from '../send/gate.js';
import type { RequestInfo } from '../send/through-gate.js';
import { DONE_STATUSES, type RowResult } from '../types.js';
import type { CliIo, TtyWritable } from './io.js';
import { foldToWidth } from './fold.js';

export { foldToWidth };

interface Counters {
  done: number;
  ok: number;
  failed: number;
  /** Rows done per status of success (invited, updated, ...), for a run of several actions. */
  byStatus?: Partial<Record<string, number>>;
}

const LOG_EVERY_MS = 30_000;
const REDRAW_EVERY_MS = 1000;

/** The average duration of the requests so far (the ETA's latency), from the first answer on. */
class Latency {
  #total = 0;
  #count = 0;

  add(ms: number | undefined): void {
    if (ms === undefined) return;
    this.#total += ms;
    this.#count++;
  }

  get ms(): number {
    return this.#count === 0 ? REQUEST_MS : this.#total / this.#count;
  }
}

/**
 * The text after the bar: pure, so it can be tested with a fixed clock. What matters most comes
 * first (the countdown, or the ETA), since a narrow terminal cuts the end of the line.
 */
export function progressDetail(counters: Counters, total: number, gate: Gate['budget'], startedAt: number, now: number, concurrency: number, requestMs = REQUEST_MS, settleUntil?: number): string {
  const perMinute = counters.done === 0 ? 0 : (counters.done / Math.max(1, now - startedAt)) * 60_000;
  const rest = total - counters.done;
  const kinds = Object.entries(counters.byStatus ?? {});
  // One action: "done N"; several: each by name ("invited 3 | updated 2").
  const done = kinds.length > 1 ? kinds.map(([status, n]) => `${status} ${n}`) : [`done ${counters.ok}`];
  const parts = [...done, `failed ${counters.failed}`, `${perMinute.toFixed(perMinute < 10 ? 1 : 0)}/min`];
  if (gate.waitingUntil !== undefined && gate.waitingUntil > now) {
    // The countdown first: a narrow terminal cuts the end of the line.
    parts.unshift(`${formatClock(gate.waitingUntil - now)} until Brevo's rate limit resets`);
  } else if (settleUntil !== undefined && settleUntil > now) {
    parts.unshift(`${formatClock(settleUntil - now)} for Brevo to record unclear requests, then its list is checked`);
  } else if (rest > 0) {
    parts.unshift(`ETA ${formatDuration(estimateMs(rest, gate, now, concurrency, gate.windowMs, requestMs))}`);
  }
  return parts.join(' | ');
}

/** The line shown before the plan: what the run waits for, and for how long. */
export function waitingText(what: string, gate: Gate['budget'], since: number, now: number): string {
  if (gate.waitingUntil !== undefined && gate.waitingUntil > now) return `${formatClock(gate.waitingUntil - now)} until Brevo's rate limit resets (Ctrl+C is safe), then ${what}`;
  return `${what[0]!.toUpperCase()}${what.slice(1)}... ${formatDuration(now - since)}`;
}

/** A shorter bar on a narrow terminal, so the countdown still fits on the line. */
const barSize = (columns: number | undefined) => (columns !== undefined && columns < 130 ? 10 : 24);

function count(counters: Counters, result: RowResult): void {
  if (result.status === 'deferred' && result.attempts === 0) return;
  counters.done++;
  if (DONE_STATUSES.has(result.status)) {
    counters.ok++;
    counters.byStatus = { ...counters.byStatus, [result.status]: (counters.byStatus?.[result.status] ?? 0) + 1 };
  }
  if (result.status === 'failed') counters.failed++;
}

/**
 * The log's way to a terminal (a stream for pino-pretty): straight to stderr, except while a
 * progress line is drawn, when each line goes through that line's owner, which prints it above
 * and draws the progress line again (written in between, it would be drawn over).
 */
export class TerminalLines extends Writable {
  readonly #stream: TtyWritable;
  #above: ((text: string) => void) | undefined;

  constructor(stream: TtyWritable) {
    super({ decodeStrings: false });
    this.#stream = stream;
  }

  /** While a progress line is drawn: how to print a line above it (undefined: straight through). */
  divert(above: ((text: string) => void) | undefined): void {
    this.#above = above;
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    const text = chunk.toString();
    if (this.#above === undefined) this.#stream.write(text);
    else this.#above(text);
    done();
  }
}


export class ProgressBar implements ProgressSink {
  readonly #stream: TtyWritable;
  readonly #now: () => number;
  readonly #lines: TerminalLines | undefined;
  #multi: cliProgress.MultiBar | undefined;
  #bar: cliProgress.SingleBar | undefined;
  #timer: NodeJS.Timeout | undefined;
  #counters: Counters = { done: 0, ok: 0, failed: 0 };
  #plan: SendPlan | undefined;
  #gate: Gate | undefined;
  #startedAt = 0;
  #latency = new Latency();
  #settleUntil: number | undefined;
  #statusShown = false;
  #unwatch: (() => void) | undefined;

  /** Clears the status line with spaces (no escape sequence: a TERM=dumb terminal shows them as text). */
  #blank(): string {
    return `\r${' '.repeat(Math.max(0, (this.#stream.columns ?? 100) - 1))}\r`;
  }

  /** `lines`: the log's stream, whose lines are then printed above the progress line. */
  constructor(stream: TtyWritable, now: () => number = Date.now, lines?: TerminalLines) {
    this.#stream = stream;
    this.#now = now;
    this.#lines = lines;
  }

  waiting(what: string, gate: Gate): void {
    const since = this.#now();
    const draw = () => {
      const text = waitingText(what, gate.budget, since, this.#now());
      const width = (this.#stream.columns ?? 100) - 1;
      this.#stream.write(`\r${text.slice(0, width).padEnd(Math.min(width, text.length + 2))}`);
      this.#statusShown = true;
    };
    draw();
    // A log line (a retry of the list call) takes the status line's place, which is drawn again below it.
    this.#lines?.divert((line) => {
      this.#stream.write(`${this.#blank()}${line}`);
      draw();
    });
    this.#timer = setInterval(draw, REDRAW_EVERY_MS);
    this.#timer.unref();
    // A terminal made narrower wraps the line drawn before: the countdown goes on on a fresh line.
    const resized = () => {
      this.#stream.write('\n');
      draw();
    };
    this.#stream.on('resize', resized);
    this.#unwatch = () => this.#stream.off('resize', resized);
  }

  start(plan: SendPlan, gate: Gate): void {
    if (plan.toSend === 0) return;
    this.#plan = plan;
    this.#gate = gate;
    this.#startedAt = this.#now();
    // A multi-bar of one: it can print log lines above the bar (a single bar draws over them).
    this.#multi = new cliProgress.MultiBar(
      {
        stream: this.#stream as NodeJS.WritableStream,
        format: 'Sending [{bar}] {value}/{total} rows | {detail}',
        barsize: barSize(this.#stream.columns),
        hideCursor: true,
        clearOnComplete: false,
        noTTYOutput: false,
        gracefulExit: false,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    this.#bar = this.#multi.create(plan.toSend, 0, { detail: this.#detail() });
    const multi = this.#multi;
    this.#lines?.divert((line) => multi.log(foldToWidth(line, this.#stream.columns)));
    this.#timer = setInterval(() => this.#bar?.update({ detail: this.#detail() }), REDRAW_EVERY_MS);
    this.#timer.unref();
  }

  request(info: RequestInfo): void {
    if (info.action !== 'list') this.#latency.add(info.durationMs);
  }

  settling(until: number | undefined): void {
    this.#settleUntil = until;
    this.#bar?.update({ detail: this.#detail() });
  }

  rowDone(result: RowResult): void {
    count(this.#counters, result);
    this.#bar?.update(this.#counters.done, { detail: this.#detail() });
  }

  stop(): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#statusShown) {
      this.#stream.write(this.#blank()); // the waiting line is put away: the plan or the bar comes next
      this.#statusShown = false;
    }
    this.#bar?.update(this.#counters.done, { detail: this.#detail() });
    // Drawn once more, so that log lines still waiting are printed, then put down for good.
    this.#multi?.update();
    this.#multi?.stop();
    this.#lines?.divert(undefined);
    this.#multi = undefined;
    this.#bar = undefined;
  }

  #detail(): string {
    if (this.#plan === undefined || this.#gate === undefined) return '';
    return progressDetail(this.#counters, this.#plan.toSend, this.#gate.budget, this.#startedAt, this.#now(), this.#plan.concurrency, this.#latency.ms, this.#settleUntil);
  }
}

/** Not at a terminal: what the run waits for, and a progress line in the log every 30 s. */
export class ProgressLog implements ProgressSink {
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #counters: Counters = { done: 0, ok: 0, failed: 0 };

  constructor(log: Logger) {
    this.#log = log;
  }

  waiting(what: string, gate: Gate): void {
    this.#log.info(`${what}`);
    this.#timer = setInterval(() => {
      const until = gate.budget.waitingUntil;
      if (until !== undefined) this.#log.warn({ waitingUntil: new Date(until).toISOString() }, `waiting for Brevo's rate-limit window before ${what}`);
      else this.#log.warn(`still ${what}`);
    }, LOG_EVERY_MS);
    this.#timer.unref();
  }

  start(plan: SendPlan, gate: Gate): void {
    if (plan.toSend === 0) return;
    this.#timer = setInterval(() => {
      const budget = gate.budget;
      this.#log.info(
        {
          ...this.#counters,
          total: plan.toSend,
          budgetRemaining: budget.remaining,
          waitingUntil: budget.waitingUntil === undefined ? undefined : new Date(budget.waitingUntil).toISOString(),
        },
        'progress',
      );
    }, LOG_EVERY_MS);
    this.#timer.unref();
  }

  settling(until: number | undefined, rows: number): void {
    if (until !== undefined) this.#log.info({ rows, until: new Date(until).toISOString() }, "giving Brevo time to record requests whose answer was unclear, then checking its users list");
  }

  rowDone(result: RowResult): void {
    count(this.#counters, result);
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

export function progressFor(io: CliIo, log: Logger, interactive: boolean, lines?: TerminalLines): ProgressSink {
  return interactive ? new ProgressBar(io.stderr, Date.now, lines) : new ProgressLog(log);
}
