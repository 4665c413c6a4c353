/**
 * The command line: commander for commands, flags and help; every value is then checked by the
 * options module. Returns an exit code; only run-main.ts exits the process. Commands are loaded
 * when they run, so a dry run does not pay for the HTTP client or the progress bar.
 */
import { randomUUID } from 'node:crypto';
import { Command, CommanderError, Option } from 'commander';
import { usageError } from '../errors.js';
import { EXIT, type RunReport } from '../run/report.js';
import { featuresJson, featuresText } from './commands/features.js';
import { loadEnv } from './env.js';
import { failureMessage, finishRun, finishWithError, sayError, VERSION, type Session } from './finish.js';
import type { CliIo } from './io.js';
import { DEFAULTS, ENV_NAMES, LOG_LEVELS, type RawFlags } from './options.js';

export { failureMessage };

/** Exit code for an error that is not one of ours: a bug, or the system refusing (a full disk). */
export const EXIT_INTERNAL = EXIT.internal;

const env = (name: keyof typeof ENV_NAMES) => ` (env ${ENV_NAMES[name]})`;

/** The options of every command that reads a file; `output` says what -o names, `roles` whether rows grant access. */
function readingOptions(cmd: Command, { output = 'results file (default: <name>.results.csv beside the input)', roles = true } = {}): Command {
  cmd.option('-o, --output <file>', output);
  if (roles) cmd.option('--roles <file>', `roles file: {"name": "feature:permission; ..."}${env('roles')}`);
  return cmd
    .option('--delimiter <char>', `, ; tab or | (default: detected from the header)${env('delimiter')}`)
    .option('--encoding <name>', `utf-8, utf-16le, utf-16be or windows-1252 (default: detected)${env('encoding')}`)
    .option('--max-record-size <size>', `longest row accepted (default 64KiB)${env('maxRecordSize')}`)
    .option('--log-level <level>', `${LOG_LEVELS.join(', ')} (default: info for JSON logs, warn at a terminal)${env('logLevel')}`)
    .option('--log-format <format>', `json or pretty (default: pretty on a terminal, json otherwise)${env('logFormat')}`)
    .option('--log-emails <yes|no|hash>', `emails in the logs: as they are (default), left out, or as a short hash${env('logEmails')}`)
    .option('--summary-json <file>', `also write the summary as JSON (- for stdout)${env('summaryJson')}`);
}

function sendingOptions(cmd: Command, { asks = true } = {}): Command {
  if (asks) cmd.option('-y, --yes', `do not ask before sending${env('yes')}`);
  return cmd
    .option('--concurrency <n>', `requests at once (default ${DEFAULTS.concurrency})${env('concurrency')}`)
    .option('--rate <n>', `at most n requests per second, a client-side ceiling (default: none)${env('rate')}`)
    .option('--max-retries <n>', `retries of a 5xx or network error (default ${DEFAULTS.maxRetries})${env('maxRetries')}`)
    .option('--timeout <ms>', `per request (default ${DEFAULTS.timeoutMs})${env('timeout')}`)
    .option('--max-wait <duration>', `longest wait for a rate-limit window before stopping with the rest deferred (default 1h)${env('maxWait')}`)
    .option('--settle-grace <duration>', `after an unclear answer, how long Brevo is given to record the request before its list is believed (default 30s after --timeout)${env('settleGrace')}`)
    .option('--limit <n>', `send at most n requests this run${env('limit')}`)
    .option('--resume', `continue from the results file: keep finished rows, send the rest${env('resume')}`)
    .option('--base-url <url>', `API base URL (default ${DEFAULTS.baseUrl})${env('baseUrl')}`)
    .option('--api-key-file <file>', `read the API key from this file${env('apiKeyFile')}`)
    .addOption(new Option('--api-key <key>').hideHelp());
}

function rosterOptions(cmd: Command): Command {
  return cmd
    .option('--update', `change the access of people already in the account to what the sheet says${env('update')}`)
    .option('--resend-pending', `send pending invitations again (once)${env('resendPending')}`)
    .option('--prune', `also remove the people in the account whom the roster does not list (never the owner)${env('prune')}`)
    .option('--max-prune <n|n%>', `refuse --prune when it would remove more people than this, or this share of the account (default 5)${env('maxPrune')}`)
    .option('--no-skip-existing', `do not look up existing users first${env('skipExisting')}`);
}

/** The value of an option in the raw arguments, for an error that comes before commander has parsed them. */
const rawOption = (argv: readonly string[], name: string) => {
  const i = argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i === -1) return undefined;
  return argv[i]!.includes('=') ? argv[i]!.slice(name.length + 1) : argv[i + 1];
};

export async function runCli(argv: readonly string[], processIo: CliIo): Promise<number> {
  const session: Session = { runId: randomUUID(), startedAt: Date.now(), command: argv[0] ?? '' };
  let io: CliIo = { ...processIo, runId: processIo.runId ?? session.runId };
  let exitCode: number = EXIT.ok;
  /** Runs a batch command: its report becomes the summaries and the exit code. */
  const batch = (run: (file: string, flags: RawFlags) => Promise<{ report: RunReport; baseUrl?: string | undefined }>) => async (file: string, flags: RawFlags) => {
    session.summaryTarget = (flags.summaryJson as string | undefined) ?? io.env[ENV_NAMES.summaryJson] ?? session.summaryTarget;
    const { report, baseUrl } = await run(file, flags);
    session.baseUrl = baseUrl;
    exitCode = finishRun(io, session, report);
  };
  const program = new Command('brevo-invite')
    .description('Keep a Brevo account\'s users in line with a spreadsheet: invite, update, resend, revoke, in bulk.')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      // One voice for every error: "brevo-invite: ..." at a terminal, a JSON line otherwise.
      writeErr: (s) => {
        if (io.stderr.isTTY === true) io.stderr.write(s.replace(/^error: /, 'brevo-invite: '));
        else if (s.trim() !== '' && !s.startsWith('(add --help')) sayError(io, s.trim().replace(/^error: /, '').replace(/\s*\n\s*/g, ' '));
      },
    });

  readingOptions(program.command('validate').description('Dry run: check every row and write the results file. Sends nothing; needs no key or network.').argument('<file>', 'the CSV file: a header row, then one row per person')).action(
    batch(async (file, flags) => {
      const { validateCommand } = await import('./commands/validate.js');
      return { report: await validateCommand(file, flags, io) };
    }),
  );

  rosterOptions(sendingOptions(readingOptions(program.command('send').description('Validate every row, then invite the new people (and, with --update / --resend-pending / --prune, bring the others in line). The key comes from BREVO_API_KEY or --api-key-file.').argument('<file>', 'the CSV file: a header row, then one row per person'))))
    .option('--dry-run', 'validate only, like the validate command')
    .action(
      batch(async (file, flags) => {
        if (flags.dryRun === true) {
          const { validateCommand } = await import('./commands/validate.js');
          return { report: await validateCommand(file, flags, io) };
        }
        // commander sets skipExisting to true when --no-skip-existing is absent; only an explicit "no" counts.
        if (flags.skipExisting === true) delete flags.skipExisting;
        const { sendCommand } = await import('./commands/send.js');
        return sendCommand(file, flags, io);
      }),
    );

  sendingOptions(readingOptions(program.command('revoke').description('Remove the people the file lists from the Brevo account: revoke an active user, cancel a pending invitation (never the owner). Access is removed at once.').argument('<file>', 'a CSV file with an email column (other columns are carried into the results)'), { roles: false }))
    .option('--dry-run', 'check the file offline only (valid, distinct emails); needs no key')
    .action(
      batch(async (file, flags) => {
        if (flags.dryRun === true) {
          const { validateCommand } = await import('./commands/validate.js');
          return { report: await validateCommand(file, flags, io, 'remove') };
        }
        const { sendCommand } = await import('./commands/send.js');
        return sendCommand(file, flags, io, { command: 'revoke' });
      }),
    );

  rosterOptions(sendingOptions(readingOptions(program.command('plan').description('What send (or, with --revoke, revoke) would do: validates, makes the one list call, writes every row\'s planned action to <name>.plan.csv (or -o), and sends nothing else.').argument('<file>', 'the CSV file'), { output: 'plan file (default: <name>.plan.csv beside the input)' }), { asks: false }))
    .option('--revoke', 'plan a revoke of the people the file lists, instead of a send')
    .option('--results <file>', 'the results file of earlier runs, read with --resume (default: <file>.results.csv beside the input)')
    .action(
      batch(async (file, flags) => {
        if (flags.skipExisting === true) delete flags.skipExisting;
        const { sendCommand } = await import('./commands/send.js');
        return sendCommand(file, flags, io, { command: flags.revoke === true ? 'revoke' : 'send', planOnly: true });
      }),
    );

  program
    .command('simulator')
    .description('Run a local stand-in for Brevo (127.0.0.1) to rehearse a batch: same API, rate limits and faults.')
    .option('--port <n>', 'port to listen on (default: any free port)')
    .option('--rate-limit <n/window>', 'requests per window, e.g. 100/1h, 10/2s, or off (default 100/1h)')
    .option('--latency <ms>', 'delay before each answer (default 0)')
    .option('--fail-rate <fraction>', 'share of invitations that meet a fault, 0 to 1 (default 0)')
    .option('--faults <list>', 'which faults: http_500, http_503, reset_before, reset_after, slow, gateway_502, late_record, echo_key (default all but echo_key)')
    .option('--slow <ms>', 'how late a slow answer is (default 5000)')
    .option('--seed <n>', 'seed of the fault schedule (default 1)')
    .option('--existing <entries>', 'people already in the account: a@x.com,b@x.com:pending,boss@x.com:owner,c@x.com:active:contacts:view')
    .option('--accept-key-file <file>', 'accept only the key in this file (default: any key)')
    .option('--plan-lacks <features>', 'features the simulated plan does not include, e.g. sales_platform,phone')
    .option('--accept-duplicates', 'accept an invitation for someone already in the account (and count it), to count double invitations')
    .action(async (flags) => {
      const { simulatorCommand } = await import('./commands/simulator.js');
      exitCode = await simulatorCommand(flags, io);
    });

  program
    .command('template')
    .description('Write a starter users.csv and roles.json (never overwrites a file).')
    .argument('[dir]', 'folder to write them in (default: here)')
    .action(async (dir: string | undefined) => {
      const { templateCommand } = await import('./commands/template.js');
      exitCode = templateCommand(dir, io);
    });

  program
    .command('demo')
    .description('Send the bundled sample to a local simulator and show the results (what npm start runs).')
    .action(async () => {
      const { demoCommand } = await import('./commands/demo.js');
      const { report, baseUrl } = await demoCommand(io);
      session.baseUrl = baseUrl;
      exitCode = finishRun(io, session, report);
    });

  program
    .command('features')
    .description('List the features and permissions that can be granted.')
    .option('--json', 'print as JSON')
    .action((flags: RawFlags) => {
      io.stdout.write(flags.json === true ? featuresJson() : featuresText());
    });

  program.addHelpText(
    'after',
    `
Examples:
  brevo-invite validate users.csv --roles roles.json     check a spreadsheet offline
  brevo-invite plan users.csv --resume --update           what a send would do, for one request
  brevo-invite send users.csv --resume --update           invite the new people, update the others
  brevo-invite revoke leavers.csv                         remove the people the file lists
  brevo-invite demo                                       try it against a local simulator

The README explains every option, the results file and the exit codes.`,
  );

  if (argv.length === 0) {
    // No command: the help, where errors go, and a failing exit (a cron line missing its command must not pass).
    io.stderr.write(program.helpInformation());
    return 1;
  }
  try {
    io = { ...io, env: loadEnv(processIo.cwd, processIo.env) };
    session.summaryTarget = rawOption(argv, '--summary-json') ?? io.env[ENV_NAMES.summaryJson];
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      // commander has said what is wrong (and how to get help); the summary says it too.
      return finishWithError(io, session, usageError(err.message.replace(/^error: /, '')), { said: true });
    }
    return finishWithError(io, session, err);
  }
}
