/**
 * `brevo-invite send`: the whole run, as a sequence of named steps. Offline first (read and
 * validate every row, fold in an earlier run's results when resuming), then one list call (which
 * proves the key, finds who is already in the account and settles requests an earlier run left
 * without an answer), then a planned action per row, the question, and the requests, with the
 * results file and the journal kept current all along.
 */
import { once } from 'node:events';
import { AppError, describeError, isAppError } from '../errors.js';
import { deferredRow, RunControl } from '../send/control.js';
import { Gate } from '../send/gate.js';
import { DEFAULT_RETRY } from '../send/retry.js';
import { fetchUsers, sendAll, type ListResult, type SendJob, type SenderDeps } from '../send/sender.js';
import { ACTIONS } from '../send/actions.js';
import type { Users } from '../send/users.js';
import { DONE_STATUSES, type RowResult } from '../types.js';
import { normalizeEmail } from '../validate/email.js';
import { encodeCarried } from '../write/columns.js';
import { checkPlanTarget, checkReplaceable } from '../write/existing.js';
import { Journal, journalPath, readJournal, settleJournal, type JournalEntry } from '../write/journal.js';
import { LiveResults } from '../write/live-results.js';
import { acquireLock, hardLinksWarning, lockPath, type Lock } from '../write/lock.js';
import { isFinal, isRetryableFailure, readPrevious } from '../write/previous.js';
import { writeResults } from '../write/results-file.js';
import { removeLeftoverTemps } from '../write/temp-files.js';
import { openPlan, type PlanOptions } from './plan.js';
import { withEarlierReceipts } from '../send/receipts.js';
import { planRevoke, planSend, removedMomentsAgo, type PlanNotes } from './planner.js';
import { planView } from './plan-view.js';
import { RowLog } from './row-log.js';
import { checkPrune, DEFAULT_MAX_PRUNE, pruneCandidates, pruneSlots, type MaxPrune } from './prune.js';
import type { RunDeps, SendPlan } from './ports.js';
import { countActions, countStatuses, exitCodeFor, Problems, type Command, type RunReport, type StopReason } from './report.js';
import { setupMessage } from './setup.js';
import { deferPastLimit, foldEarlier, keepEarlier, snapshotRow, toSend, type Slot } from './slots.js';

export type { InterruptHandlers, ProgressSink, RunDeps, SendPlan } from './ports.js';

export interface SendRunOptions extends PlanOptions {
  /** `send` brings the roster's people in (and, with --prune, removes the others); `revoke` removes the listed people. */
  command: 'send' | 'revoke';
  /** `plan`: everything up to the one list call, then the planned action of every row is written to `outputPath`; nothing else is sent. */
  planOnly?: boolean | undefined;
  file: string;
  /** The results file: written by a run, read by --resume. */
  resultsPath: string;
  /** Where a plan is written (plan only). */
  outputPath?: string | undefined;
  /** For messages about set-up mistakes. */
  baseUrl: string;
  runId: string;
  concurrency: number;
  ratePerSecond: number;
  maxRetries: number;
  maxWaitMs: number;
  /** How long after a request started Brevo's list is trusted to say it was not processed. */
  settleAfterMs: number;
  limit?: number | undefined;
  resume: boolean;
  skipExisting: boolean;
  update: boolean;
  resendPending: boolean;
  /** --resend-pending leaves alone an invitation this tool sent more recently than this. */
  resendAfterMs?: number | undefined;
  /** Invite again people this tool saw in the account before who are gone now. */
  reinvite?: boolean | undefined;
  /** Remove the people in the account that the roster does not list (send only), within `maxPrune`. */
  prune?: boolean | undefined;
  maxPrune?: MaxPrune | undefined;
  /** What an earlier run's summary knew of the budget: an empty window until `resetAt`. */
  knownBudget?: { resetAt?: number | undefined; marginMs?: number | undefined } | undefined;
  /** Replace an earlier send's results without --resume (the demo's own file, on a fresh simulator). */
  replaceResults?: boolean | undefined;
}

export async function sendRun(options: SendRunOptions, deps: RunDeps): Promise<RunReport> {
  const locked = options.planOnly === true ? options.outputPath! : options.resultsPath;
  const lock = await acquireLock(locked, {
    runId: options.runId,
    onTakeover: (why) => deps.log.warn({ lock: lockPath(locked), why }, `took over a stale lock: ${why}`),
    onLost: () => run.lost(),
    onHardLinks: (names) => deps.log.warn({ results: locked, names }, hardLinksWarning(locked, names)),
  });
  const run = new SendRun(options, deps, lock);
  try {
    return await run.execute();
  } finally {
    lock.release();
  }
}

class SendRun {
  readonly #o: SendRunOptions;
  readonly #d: RunDeps;
  readonly #lock: Lock;
  readonly #started: number;
  readonly #gate: Gate;
  readonly #control: RunControl;
  #slots: Slot[] = [];
  #orphans: RowResult[] = [];
  #carriedNames: string[] = [];
  #blankRows = 0;
  #notices: string[] = [];
  #journalEntries = new Map<string, JournalEntry>();
  readonly #rows: RowLog;
  /** Rows finished with a receipt after the results file stopped taking rows (a full disk). */
  #unrecorded: RowResult[] = [];
  #notes: PlanNotes = { accessChanged: 0, resendsPostponed: 0, notOnRoster: 0, recentlyInvited: 0, removedSince: 0, neverSet: 0 };
  #promptMs = 0;
  #interruptedBy: 'SIGINT' | 'SIGTERM' | undefined;
  #asking = false;
  /** From the first request of the rows on: a signal then has requests to finish. */
  #sending = false;
  /** --limit left rows for a later run (the run itself goes on with the rest). */
  #limited = false;
  /** The account's users, from the one list call. */
  #users: Users | undefined;
  /** Another run took the lock over: nothing more is sent or written. */
  #lockLost = false;
  #live: LiveResults | undefined;
  #journal: Journal | undefined;

  constructor(options: SendRunOptions, deps: RunDeps, lock: Lock) {
    this.#o = options;
    this.#d = deps;
    this.#lock = lock;
    this.#started = deps.clock.now();
    this.#gate = new Gate(deps.clock, { ratePerSecond: options.ratePerSecond, maxWaitMs: options.maxWaitMs, known: options.knownBudget });
    this.#control = new RunControl(this.#gate);
    this.#rows = new RowLog(deps);
  }

  /**
   * Another run took the lock over (this one was stopped, or its host asleep, for longer than the
   * stale age): from now on this run sends nothing and writes nothing, since the results file and
   * the journal are the other run's.
   */
  lost(): void {
    if (this.#lockLost) return;
    this.#lockLost = true;
    this.#d.log.error({ lock: this.#lock.path }, 'another run took over the lock of this results file: this run stops, and leaves the results and the journal to it');
    this.#live?.closeNow();
    this.#control.stop('locked', { detail: 'another run took over the lock of the results file; this run wrote nothing after that' });
  }

  /** Checked before every request: a run that lost its lock (while it was stopped) sends nothing more. */
  #stillHeld(): boolean {
    if (!this.#lockLost && !this.#lock.isHeld()) this.lost();
    return !this.#lockLost;
  }

  async execute(): Promise<RunReport> {
    const written = this.#o.planOnly === true ? this.#o.outputPath! : this.#o.resultsPath;
    for (const leftover of removeLeftoverTemps(written)) this.#d.log.info({ file: leftover }, 'removed a temporary file left by a run that was killed');
    if (this.#o.planOnly === true) {
      await checkPlanTarget(written, this.#o.resultsPath);
      // Without --resume a plan would ignore what earlier sends did, and end by naming a send that is refused.
      if (!this.#o.resume) await checkReplaceable(this.#o.resultsPath, 'plan');
    }
    else if (!this.#o.resume) await checkReplaceable(written, 'send', this.#o.replaceResults === true);
    const stopListening = this.#listenForSignals();
    try {
      // The lock is refreshed after each long step too, not only by its timer.
      await this.#readInput();
      this.#lock.refresh();
      await this.#foldEarlierRun();
      this.#lock.refresh();
      const list = await this.#listUsers();
      if (list !== undefined && !list.ok) return await this.#stopBeforeSending(list);
      this.#planActions(list?.users);
      this.#lock.refresh();
      if (this.#o.planOnly === true) return await this.#writePlan();
      if (!(await this.#confirm())) throw new AppError('cancelled', 'cancelled at the prompt: nothing was sent');
      await this.#send();
      return this.#report(this.#control.stoppedFor ?? (this.#limited ? 'limit' : this.#unsettled() ? 'unsettled' : undefined));
    } catch (err) {
      // Stopped on an error after the list call (a refused prune, a full disk): the summary still
      // says what was done (the requests made, the rows).
      if (isAppError(err) && err.outcome === undefined && this.#users !== undefined) err.outcome = { report: this.#report(this.#control.stoppedFor), baseUrl: this.#o.baseUrl };
      throw err;
    } finally {
      stopListening?.();
    }
  }

  #listenForSignals() {
    return this.#d.onInterrupt?.({
      // At the question nothing is in flight: the run's own last sentence says that nothing was sent.
      notice: () => {
        if (this.#asking) return undefined;
        return this.#sending ? 'finishing the requests in flight, then writing the results (a second Ctrl+C, or SIGTERM, stops at once)' : 'nothing was being sent; writing the results';
      },
      flushedNotice: 'Stopped at once; every finished row is in the results file. Run again with --resume.',
      stop: (signal) => {
        this.#interruptedBy = signal;
        this.#d.progress?.stop();
        this.#control.stop('signal');
      },
      flushNow: () => {
        this.#live?.closeNow();
        this.#journal?.close();
        this.#lock.release();
      },
    });
  }

  /** 1. Offline: every row read and validated before the first request. */
  async #readInput(): Promise<void> {
    const plan = await openPlan(this.#o.file, { ...this.#o, purpose: this.#o.command === 'revoke' ? 'remove' : 'grant' });
    for await (const batch of plan.batches) {
      for (const p of batch) this.#slots.push({ row: p.result, invitation: p.invitation, email: p.email });
    }
    this.#carriedNames = plan.carriedNames;
    this.#blankRows = plan.source.blankRows;
    if (plan.source.notice !== undefined) this.#notices.push(plan.source.notice);
  }

  /** 2. Resume: what the earlier run left for each email, and the requests it left without an answer. */
  async #foldEarlierRun(): Promise<void> {
    if (!this.#o.resume) return;
    const emails = new Set(this.#slots.flatMap((s) => (s.email === undefined ? [] : [s.email])));
    const earlier = await readPrevious(this.#o.resultsPath, (email) => emails.has(email));
    // Asked to resume a file that is not there (a roster under a new name, a wrong -o): said plainly.
    const nameIt = this.#o.planOnly === true ? '--results' : '-o';
    if (earlier === undefined) this.#d.log.warn({ resultsPath: this.#o.resultsPath }, `--resume: no earlier results file at ${this.#o.resultsPath}, so nothing is known of earlier runs: starting afresh (${nameIt} names another file)`);
    this.#notices.push(...(earlier?.notices ?? []));
    this.#journalEntries = readJournal(journalPath(this.#o.resultsPath));
    this.#orphans = foldEarlier(this.#slots, earlier, this.#journalEntries, this.#carriedNames);
  }

  /** 3. One list call: proves the key, finds who is in the account, settles what was left in flight. */
  async #listUsers(): Promise<ListResult | undefined> {
    const valid = this.#slots.some((s) => s.email !== undefined);
    const inFlight = this.#slots.some((s) => s.inFlight !== undefined);
    const needed = this.#o.command === 'revoke' || this.#o.prune === true || this.#o.skipExisting || this.#o.update || this.#o.resendPending || inFlight;
    // --prune asks even for a roster with no valid row: its safeguards then refuse, and say why.
    if ((!valid && this.#o.prune !== true) || !needed) return undefined;
    this.#d.progress?.waiting?.(`asking Brevo (${this.#o.baseUrl}) for the account's users`, this.#gate);
    try {
      return await fetchUsers(this.#senderDeps(), this.#control, { firstCall: true });
    } finally {
      this.#d.progress?.stop();
    }
  }

  /** The list could not be had: a set-up mistake is said as one; otherwise every row waits for the next run. */
  async #stopBeforeSending(list: Exclude<ListResult, { ok: true }>): Promise<RunReport> {
    if (list.problem === 'setup') throw new AppError('config', setupMessage(list.setup, list.detail, this.#o.baseUrl));
    const reason = this.#control.stoppedFor ?? 'unavailable';
    if (list.problem === 'unavailable') this.#control.detail = list.detail;
    for (const s of this.#slots) {
      if (s.email === undefined || s.row.status !== 'valid') continue;
      // What an earlier run finished (--resume) is kept as it was, invoice id and all.
      if (s.earlier !== undefined && s.inFlight === undefined && isFinal(s.earlier)) {
        [s.row, s.kept] = [keepEarlier(s.row, s.earlier), true];
        continue;
      }
      // A row still to be checked stays marked, so that the next --resume checks it before sending.
      const unknown = s.inFlight === undefined ? {} : { errorCode: 'outcome_unknown', errorMessage: 'sent by an earlier run without an answer; not yet checked against Brevo' };
      // Without the list the action is not known yet: the one in flight, else the earlier run's, else an invitation.
      const action = s.inFlight?.action ?? s.earlier?.action ?? s.row.action;
      s.row = withEarlierReceipts(deferredRow({ ...s.row, action }, reason, s.earlier?.attempts ?? s.row.attempts, unknown), s.earlier);
    }
    for (const s of this.#slots) this.#rows.row(s.row, s.kept === true);
    // A plan writes its own file, never the results file it only reads (another run may own it).
    const written = this.#o.planOnly === true ? this.#o.outputPath! : this.#o.resultsPath;
    if (this.#stillHeld()) await writeResults(written, this.#carriedNames, [this.#allRows()]);
    return { ...this.#report(reason, this.#o.planOnly === true ? 'plan' : this.#o.command), resultsPath: written };
  }

  /** 4. An action per row (or none), then --limit. */
  #planActions(users: Users | undefined): void {
    this.#users = users;
    const listedAt = this.#d.clock.now();
    if (this.#o.command === 'revoke') planRevoke(this.#slots, users ?? new Map(), listedAt, this.#o.settleAfterMs);
    else {
      // With --update, --resend-pending or --prune the list is used even with --no-skip-existing:
      // the owner and the people already in the account must be known to them.
      const listed = users !== undefined && (this.#o.skipExisting || this.#o.update || this.#o.resendPending || this.#o.prune === true);
      const options = { listed, update: this.#o.update, resendPending: this.#o.resendPending, resendAfterMs: this.#o.resendAfterMs ?? 0, reinvite: this.#o.reinvite === true, listedAt, settleAfterMs: this.#o.settleAfterMs };
      this.#notes = planSend(this.#slots, users, options);
    }
    if (this.#o.prune === true && users !== undefined) this.#planPrune(users, listedAt);
    // Without --prune, the people it would remove are counted (a plan, a summary say so).
    else if (this.#o.command === 'send' && users !== undefined) this.#notes.notOnRoster = pruneCandidates(users, this.#roster()).length;
    if (users !== undefined) this.#confirmOrphans(users, listedAt);
    this.#limited = deferPastLimit(this.#slots, this.#o.limit) > 0;
    for (const s of this.#slots) if (s.action === undefined) this.#rows.row(s.row, s.kept === true);
    const plan = this.#sendPlan();
    const budget = this.#gate.budget;
    const resetAt = budget.resetAt === undefined ? undefined : new Date(budget.resetAt).toISOString(); // times in logs are ISO
    // With --log-emails no or hash, the plan's lists of people are counts, and the owner unnamed.
    const named = this.#d.logEmail === undefined;
    const people = named
      ? { removals: plan.removals, updates: plan.updates, firstInvites: plan.firstInvites }
      : { removals: plan.removals.length, updates: plan.updates.length, firstInvites: undefined, account: plan.account === undefined ? undefined : { ...plan.account, owner: undefined } };
    this.#d.log.info({ plan: { ...plan, ...people, budget: undefined, problems: undefined }, budget: { ...budget, resetAt } }, 'plan');
  }

  /** The roster's emails: of valid rows, and of rows invalid for another reason than their email (they protect it). */
  #roster(): Set<string> {
    return new Set(this.#slots.map((s) => s.email ?? (s.row.status === 'invalid' || s.row.status === 'duplicate' ? normalizeEmail(s.row.email) : '')).filter((e) => e !== ''));
  }

  /**
   * --prune: the people in the account the roster does not list get a row each after the input's
   * rows (line empty), behind the safeguards. An earlier run's row for such a person (a removal
   * it started) becomes that row's earlier outcome, instead of a row kept apart.
   */
  #planPrune(users: Users, listedAt: number): void {
    const removals = pruneCandidates(users, this.#roster());
    // People an earlier run removed a moment ago may still be listed: kept as removed, not counted again.
    const recent = new Set(this.#orphans.filter((o) => removedMomentsAgo(o, listedAt, this.#o.settleAfterMs)).map((o) => normalizeEmail(o.email)));
    checkPrune(this.#slots, users, removals.filter((r) => !recent.has(r.email)), this.#o.maxPrune ?? DEFAULT_MAX_PRUNE);
    const pruned = pruneSlots(removals, this.#orphans, this.#journalEntries, encodeCarried(this.#carriedNames.map(() => '')));
    const taken = new Set(removals.map((r) => r.email));
    this.#orphans = this.#orphans.filter((o) => !taken.has(normalizeEmail(o.email)));
    planRevoke(pruned, users, listedAt, this.#o.settleAfterMs);
    this.#slots.push(...pruned);
  }

  /** plan: every row with the action it would get, written to the plan file; nothing else is sent. */
  async #writePlan(): Promise<RunReport> {
    const viewed = this.#slots.map((s) => planView(s, this.#o.update));
    await writeResults(this.#o.outputPath!, this.#carriedNames, [[...viewed, ...this.#orphans]]);
    const report = this.#report(undefined, 'plan');
    const counts = countStatuses(viewed);
    const plan = this.#sendPlan();
    return {
      ...report,
      resultsPath: this.#o.outputPath!,
      counts,
      // As the plan file reads: rows kept from earlier runs are "nothing to send" too, with why.
      skippedBy: skippedBy(viewed),
      actions: plan.actions,
      plannedRequests: plan.toSend,
      exitCode: report.stoppedFor === 'auth' || report.stoppedFor === 'permission' ? 3 : counts.invalid + counts.duplicate + counts.failed > 0 ? 1 : 0,
    };
  }

  /** Rows that left the input with a request of unknown outcome: the list may tell that it went through. */
  #confirmOrphans(users: Users, listedAt: number): void {
    this.#orphans = this.#orphans.map((row) => {
      if (row.errorCode !== 'outcome_unknown') return row;
      const spec = ACTIONS[row.action ?? 'invite'];
      if (spec.whenUnsure !== 'settle' || !spec.tookEffect(users.get(normalizeEmail(row.email)))) return row;
      const at = new Date(listedAt).toISOString();
      return { ...row, status: spec.done, errorCode: undefined, finishedAt: at, ...(spec.name === 'invite' ? { invitedAt: at } : {}), errorMessage: `${row.errorMessage ?? ''}; ${spec.confirmed}` };
    });
  }

  /** 5. The question at a terminal; the time spent there is not the run's. */
  async #confirm(): Promise<boolean> {
    const plan = this.#sendPlan();
    if (plan.toSend === 0 || this.#d.confirm === undefined) return true;
    // Ctrl+C before the question (during the list call): it is not asked.
    if (this.#interrupted()) throw new AppError('interrupted', 'stopped before the question (Ctrl+C): nothing was sent');
    const asked = this.#d.clock.now();
    this.#asking = true;
    const yes = await Promise.race([this.#d.confirm(plan, this.#control.signal), once(this.#control.signal, 'abort').then(() => false)]).finally(() => (this.#asking = false));
    this.#promptMs = this.#d.clock.now() - asked;
    // Ctrl+C at the question is an answer too: nothing was sent, and there is nothing to resume.
    if (this.#interrupted()) throw new AppError('interrupted', 'stopped at the question (Ctrl+C): nothing was sent');
    return yes;
  }

  /** 6. The requests, with the results file and the journal kept current. */
  async #send(): Promise<void> {
    this.#sending = true;
    if (!this.#stillHeld()) return; // taken over while the question waited: nothing is written
    const sending = toSend(this.#slots);
    // The snapshot first: it records what the list settled, before the journal forgets those requests.
    this.#live = await LiveResults.start(this.#o.resultsPath, this.#carriedNames, [...this.#slots.map(snapshotRow), ...this.#orphans], (err) =>
      this.#control.stop('disk', { detail: `the results file could not be written: ${describeError(err)}` }),
    );
    const journal = new Journal(journalPath(this.#o.resultsPath), this.#carriedJournal());
    this.#journal = journal;
    if (sending.length > 0) {
      const live = this.#live;
      this.#d.progress?.start(this.#sendPlan(), this.#gate);
      try {
        const results = await sendAll(sending.map((s) => jobOf(s, this.#users)), {
          ...this.#senderDeps(),
          beforeSend: (job) => {
            if (!this.#stillHeld()) throw new Error('the lock was taken over by another run');
            journal.intent({ email: job.target.email, action: job.action, line: job.row.line, at: this.#d.clock.now() });
          },
          onRowDone: (result) => {
            if ((result.status !== 'deferred' || result.attempts > 0) && !this.#lockLost) live.append(result);
            // Not in the file (the disk is full): Brevo's receipts must still reach someone.
            if (live.failure !== undefined && (result.invoiceId !== undefined || result.creditNotes !== undefined)) this.#unrecorded.push(result);
            this.#d.progress?.rowDone(result);
            this.#rows.row(result);
          },
        }, this.#control);
        sending.forEach((s, j) => (s.row = results[j]!));
      } finally {
        this.#d.progress?.stop();
      }
    }
    await this.#finish(journal);
  }

  /** The final rewrite in input order; the journal keeps only what is still unknown. */
  async #finish(journal: Journal): Promise<void> {
    journal.close();
    if (this.#lockLost || !this.#stillHeld()) return; // the other run owns the results and the journal now
    try {
      await this.#live!.finish(this.#allRows());
    } catch (err) {
      throw new AppError(
        'system',
        `could not write the results file ${this.#o.resultsPath} (${describeError(err)}). It still holds every row recorded before this, and the journal ${journal.path} lists every request that was sent: free some space, then run again with --resume, which checks those requests against Brevo before sending anything again${this.#receiptsNotRecorded()}`,
        { cause: err },
      );
    }
    const unknown = this.#allRows().filter((r) => r.errorCode === 'outcome_unknown');
    // The last request's start (this run's, if it sent one): an earlier one would let the next run trust the list too soon.
    const at = (r: RowResult) => journal.last(r.email)?.at ?? this.#journalEntries.get(r.email.toLowerCase())?.at ?? this.#d.clock.now();
    settleJournal(journal.path, unknown.map((r) => ({ email: r.email.toLowerCase(), action: r.action ?? 'invite', line: r.line, at: at(r) })));
  }

  /**
   * Rows Brevo did and billed (or credited) whose result could not be written: --resume confirms
   * them from the list, which carries no invoice id, so the receipts are said here, in the error
   * (a log line, a summary elsewhere) — the one place they can still go.
   */
  #receiptsNotRecorded(): string {
    if (this.#unrecorded.length === 0) return '';
    this.#d.log.warn({ unrecorded: this.#unrecorded.map((r) => ({ line: r.line, ...this.#rows.email(r.email), status: r.status, invoice_id: r.invoiceId, credit_notes: r.creditNotes })) }, "Brevo's receipts of rows the results file could not take");
    const shown = this.#unrecorded.slice(0, 20).map((r) => `line ${r.line} ${r.email} ${r.status} ${[r.invoiceId, r.creditNotes].filter((x) => x !== undefined).join(' ')}`);
    const more = this.#unrecorded.length - shown.length;
    return `. Brevo's receipts of ${this.#unrecorded.length} of them are not in the file (the list that --resume reads has none): ${shown.join('; ')}${more > 0 ? `; and ${more} more (in the log line before this)` : ''}`;
  }

  /** Journal lines of requests still waiting to be settled, carried into the new journal. */
  #carriedJournal(): JournalEntry[] {
    const waiting = new Set([...this.#slots.filter((s) => s.settleFirst !== undefined).map((s) => s.email!), ...this.#orphans.filter((r) => r.errorCode === 'outcome_unknown').map((r) => r.email.toLowerCase())]);
    return [...this.#journalEntries.values()].filter((e) => waiting.has(e.email));
  }

  #senderDeps(): SenderDeps {
    const { api, clock, random, log } = this.#d;
    return {
      api,
      gate: this.#gate,
      clock,
      random,
      policy: { ...DEFAULT_RETRY, maxRetries: this.#o.maxRetries },
      concurrency: this.#o.concurrency,
      settleAfterMs: this.#o.settleAfterMs,
      maxWaitMs: this.#o.maxWaitMs,
      onRequest: (info) => {
        this.#d.progress?.request?.(info);
        log.debug({ request: info.action, ...(info.email === undefined ? {} : this.#rows.email(info.email)), status: info.status, error: info.error, duration_ms: info.durationMs === undefined ? undefined : Math.round(info.durationMs) }, 'request');
      },
      onRetry: (job, why, delayMs) => {
        const told = this.#rows.hide(why, job.target.email);
        log.warn({ line: job.row.line, ...this.#rows.email(job.target.email), action: job.action, why: told, retry_in_ms: delayMs }, `retrying ${job.row.line > 0 ? `line ${job.row.line}` : `the ${job.action} of a person not on the roster`}: ${told}`);
      },
      onListRetry: (why, delayMs) => log.warn({ request: 'list', why, retry_in_ms: delayMs }, `retrying the users list: ${why}`),
      onSettleWait: (until, rows) => this.#d.progress?.settling?.(until, rows),
    };
  }

  #allRows(): RowResult[] {
    return [...this.#slots.map((s) => s.row), ...this.#orphans];
  }

  #sendPlan(): SendPlan {
    const rows = this.#slots.map((s) => s.row);
    const planned = toSend(this.#slots);
    return {
      command: this.#o.planOnly === true ? 'plan' : this.#o.command,
      actions: countActions(planned.map((s) => ({ action: s.action }))),
      toSend: planned.length,
      existing: rows.filter((r) => r.status === 'skipped').length,
      alreadyDone: rows.filter((r) => DONE_STATUSES.has(r.status) || (r.status === 'failed' && r.action !== undefined)).length,
      invalid: rows.filter((r) => r.status === 'invalid').length,
      duplicate: rows.filter((r) => r.status === 'duplicate').length,
      deferredByLimit: rows.filter((r) => r.status === 'deferred' && r.errorCode === 'limit').length,
      accessChanged: this.#notes.accessChanged,
      resendsPostponed: this.#notes.resendsPostponed,
      recentlyInvited: this.#notes.recentlyInvited,
      removedSince: this.#notes.removedSince,
      removals: planned.filter((s) => s.action === 'revoke' || s.action === 'cancel').map((s) => s.email!),
      cancels: planned.filter((s) => s.action === 'cancel').map((s) => s.email!),
      resends: planned.filter((s) => s.action === 'resend').map((s) => s.email!),
      firstInvites: planned.filter((s) => s.action === 'invite').slice(0, 10).map((s) => s.email!),
      updates: planned.filter((s) => s.action === 'update').map((s) => ({ email: s.email!, reason: s.reason ?? 'changed in the sheet' })),
      // Possible only with --resend-after under a day: the question then says how many.
      recentResends: planned.filter((s) => s.action === 'resend' && s.row.invitedAt !== undefined && this.#d.clock.now() - Date.parse(s.row.invitedAt) < 86_400_000).length,
      skippedBy: skippedBy(rows),
      account: this.#users === undefined ? undefined : { baseUrl: this.#o.baseUrl, owner: [...this.#users].find(([, u]) => u.isOwner)?.[0], users: this.#users.size },
      problems: Problems.of(rows),
      budget: this.#gate.budget,
      concurrency: this.#o.concurrency,
      maxWaitMs: this.#o.maxWaitMs,
    };
  }

  /** Whether a signal (Ctrl+C, SIGTERM) stopped the run. */
  #interrupted(): boolean {
    return this.#control.stoppedFor === 'signal';
  }

  /** Rows whose unclear request could not be checked against the list within --max-wait. */
  #unsettled(): boolean {
    return this.#slots.some((s) => s.row.status === 'deferred' && s.row.errorCode === 'outcome_unknown');
  }

  #report(stoppedFor: StopReason | undefined, command: Command = this.#o.command): RunReport {
    const rows = this.#slots.map((s) => s.row);
    const counts = countStatuses(rows);
    const now = this.#d.clock.now();
    return {
      command,
      input: this.#o.file,
      resultsPath: this.#o.resultsPath,
      counts,
      keptCounts: countStatuses(this.#slots.filter((s) => s.kept === true).map((s) => s.row)),
      actions: countActions(this.#slots.filter((s) => !s.kept).map((s) => s.row)),
      total: rows.length,
      leftInput: this.#orphans.length,
      blankRows: this.#blankRows,
      requests: this.#control.totals.requests,
      rateLimited: this.#control.totals.rateLimited,
      startedAt: this.#started,
      elapsedMs: now - this.#started - this.#promptMs,
      budget: { ...this.#gate.budget, resetAt: this.#control.resetAt ?? this.#gate.budget.resetAt },
      stoppedFor,
      stopDetail: this.#control.detail,
      interruptedBy: this.#interruptedBy,
      exitCode: exitCodeFor(counts, stoppedFor, this.#interruptedBy),
      problems: Problems.of(rows),
      notices: this.#notices,
      accessChanged: this.#notes.accessChanged,
      resendsPostponed: this.#notes.resendsPostponed,
      recentlyInvited: this.#notes.recentlyInvited,
      removedSince: this.#notes.removedSince,
      neverSet: this.#notes.neverSet,
      notOnRoster: this.#notes.notOnRoster,
      refused: rows.filter((r) => r.status === 'failed' && !isRetryableFailure(r)).length,
      removalsWaiting: this.#o.prune === true ? 0 : this.#orphans.filter((o) => o.status === 'deferred' && (o.action === 'revoke' || o.action === 'cancel')).length,
      skippedBy: skippedBy(rows),
      // This run's: a row kept as an earlier run left it was not acted on now.
      removals: this.#slots.filter((s) => !s.kept && (s.row.action === 'revoke' || s.row.action === 'cancel')).map((s) => ({ email: s.row.email, action: s.row.action!, status: s.row.status })),
    };
  }
}

/** Skipped rows per error_code: why nothing was sent. */
function skippedBy(rows: readonly RowResult[]): Record<string, number> {
  const by: Record<string, number> = {};
  for (const r of rows) if (r.status === 'skipped') by[r.errorCode ?? 'skipped'] = (by[r.errorCode ?? 'skipped'] ?? 0) + 1;
  return by;
}

function jobOf(s: Slot, users: Users | undefined): SendJob {
  const target = { email: s.email!, invitation: s.invitation, listedAs: users?.get(s.email!)?.listedAs };
  return { row: { ...s.row, status: 'deferred', action: s.action }, action: s.action!, target, sentAt: s.settleFirst };
}
