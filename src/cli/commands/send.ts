/** `brevo-invite send <file>`: validate, then bring the account in line, against Brevo or the simulator. */
import { systemClock } from '../../clock.js';
import { usageError } from '../../errors.js';
import { createLogger, type Logger } from '../../log.js';
import type { RunReport } from '../../run/report.js';
import { sendRun } from '../../run/send-run.js';
import { BrevoClient, createPool } from '../../send/client.js';
import { logSettings, type CliIo } from '../io.js';
import { API_KEY_ENV, ENV_NAMES, resolveSendOptions, type RawFlags } from '../options.js';
import { knownBudget } from '../output.js';
import { resultsPathFor } from '../paths.js';
import { nextStep, resumeCommand } from '../summary.js';
import { confirmPlan } from '../prompt.js';
import { progressFor, TerminalLines } from '../progress.js';
import { checkBaseUrl, loadApiKey, baseUrlWarning } from '../secrets.js';
import { emailLogger, emailMasker, interruptsFor, planInputs } from './common.js';

export interface SendCommandMode {
  command: 'send' | 'revoke';
  /** `plan`: one list call, then the plan is written; nothing else is sent. */
  planOnly?: boolean;
  /** Only the demo sets it, to replace its own earlier results on a fresh simulator. */
  replaceResults?: boolean;
}

/** `send`, `revoke` and `plan`: they share everything but what they plan for each row. */
export async function sendCommand(file: string, flags: RawFlags & { apiKey?: unknown }, io: CliIo, mode: SendCommandMode = { command: 'send' }): Promise<{ report: RunReport; baseUrl: string }> {
  if (flags.apiKey !== undefined) {
    throw usageError('--api-key is not accepted: a key on the command line shows in process lists and shell history. Set BREVO_API_KEY (or put it in .env), or use --api-key-file FILE');
  }
  // A file of people to remove grants nothing: a roles file (from BREVO_ROLES, say) is not read.
  const options = { ...resolveSendOptions(flags, io.env), ...(mode.command === 'revoke' ? { rolesFile: undefined } : {}) };
  const baseUrl = checkBaseUrl(options.baseUrl);
  const apiKey = loadApiKey(options.apiKeyFile, io.env, io.cwd);
  const settings = logSettings(io, options);
  const pretty = settings.format === 'pretty';
  // At a terminal, log lines are printed above the progress line rather than over it.
  const lines = pretty && io.stderr.isTTY === true ? new TerminalLines(io.stderr) : undefined;
  io.maskEmails = emailMasker(options.logEmails);
  const log = await createLogger({ ...settings, destination: lines ?? io.stderr, secrets: () => [apiKey], runId: io.runId, mask: io.maskEmails });
  const warning = baseUrlWarning(baseUrl);
  if (warning !== undefined) log.warn({ baseUrl }, warning);
  const planOnly = mode.planOnly === true;
  const inputs = await planInputs(file, planOnly ? (flags.results as string | undefined) : (flags.output as string | undefined), options, io);
  const outputPath = planOnly ? resultsPathFor(file, flags.output as string | undefined, io.cwd, 'plan') : undefined;
  // Someone at the keyboard is asked, even when the output is piped into a log (`2>&1 | tee`): a
  // removal must never go out unasked because stderr is not a terminal. Cron has no keyboard.
  const interactive = io.stdin.isTTY === true;

  const pool = createPool(baseUrl, options.concurrency, options.timeoutMs);
  try {
    log.debug({ baseUrl, resultsPath: inputs.resultsPath, concurrency: options.concurrency, ratePerSecond: options.ratePerSecond }, 'send started');
    const report = await sendRun(
      { ...inputs, ...runOptions(options, mode, baseUrl, io), outputPath },
      {
        api: new BrevoClient({ baseUrl, apiKey, timeoutMs: options.timeoutMs, dispatcher: pool }),
        clock: systemClock,
        random: Math.random,
        log,
        logEmail: emailLogger(options.logEmails),
        quietRows: pretty,
        confirm: interactive && !options.yes && !planOnly ? (plan, signal) => confirmPlan(plan, io, Date.now(), signal) : undefined,
        progress: progressFor(io, log, io.stderr.isTTY === true, lines),
        onInterrupt: interruptsFor(io, log),
      },
    );
    // Where the key came from, so that a refused one is looked for in the right place.
    const keySource = options.apiKeyFile === undefined ? `${API_KEY_ENV} (the environment, or .env)` : `the key file ${options.apiKeyFile} (${flags.apiKeyFile !== undefined ? '--api-key-file' : ENV_NAMES.apiKeyFile})`;
    const told = { ...report, input: file, keySource };
    logEnd(log, told, pretty, planOnly ? 'plan' : mode.command, io);
    return { report: told, baseUrl };
  } finally {
    await pool.close();
  }
}

/** What the run is told, from the resolved options (the inputs and the output path come apart). */
function runOptions(options: ReturnType<typeof resolveSendOptions>, mode: SendCommandMode, baseUrl: string, io: CliIo) {
  const planOnly = mode.planOnly === true;
  return {
    command: mode.command,
    planOnly,
    prune: options.prune,
    maxPrune: options.maxPrune,
    baseUrl,
    runId: io.runId ?? '',
    concurrency: options.concurrency,
    ratePerSecond: options.ratePerSecond,
    maxRetries: options.maxRetries,
    maxWaitMs: options.maxWaitMs,
    settleAfterMs: options.timeoutMs + options.settleGraceMs,
    limit: options.limit,
    resume: options.resume,
    skipExisting: options.skipExisting,
    update: options.update,
    resendPending: options.resendPending,
    resendAfterMs: options.resendAfterMs,
    reinvite: options.reinvite,
    knownBudget: knownBudget(options.summaryJson, io.cwd, baseUrl, Date.now()),
    replaceResults: mode.replaceResults === true,
  };
}

/** The run's last log line: at a terminal the summary says it all; in a log, how it ended is worth a level of its own. */
function logEnd(log: Logger, report: RunReport, pretty: boolean, name: string, io: CliIo): void {
  const level = pretty || report.exitCode === 0 ? 'info' : report.exitCode === 1 || report.exitCode === 75 || report.stoppedFor === 'signal' ? 'warn' : 'error';
  // A run that stopped early says why and what to do in its last line, as the summary does.
  const why = report.stoppedFor === undefined ? undefined : nextStep(report, { resume: resumeCommand(io.args), send: '' }).replace(/\s*\n\s*/g, ' ');
  log[level]({ counts: report.counts, requests: report.requests, rateLimited: report.rateLimited, exitCode: report.exitCode, stoppedFor: report.stoppedFor, stopDetail: report.stopDetail }, why === undefined ? `${name} finished` : `${name} stopped early: ${why}`);
}
