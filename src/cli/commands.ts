/**
 * The commands and their flags, for commander: the batch commands (validate, send, revoke, plan),
 * which end with a report, and the tools (simulator, template, demo, features). Each command's
 * module is loaded when it runs, so a dry run does not pay for the HTTP client or the progress bar.
 */
import { Command, Option } from 'commander';
import type { RunReport } from '../run/report.js';
import { usageError } from '../errors.js';
import { featuresJson, featuresText } from './commands/features.js';
import type { CliIo } from './io.js';
import { DEFAULTS, ENV_NAMES, LOG_LEVELS, type RawFlags } from './options.js';

/** What a command needs from the runner: the outside world, and where its outcome goes. */
export interface CommandContext {
  io(): CliIo;
  /** Wraps a batch command: its report becomes the summaries and the exit code. */
  batch(run: (file: string, flags: RawFlags) => Promise<{ report: RunReport; baseUrl?: string | undefined }>): (file: string, flags: RawFlags) => Promise<void>;
  /** A batch outcome that is not run by `batch` (the demo). */
  finish(outcome: { report: RunReport; baseUrl?: string | undefined }): void;
  exit(code: number): void;
}

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
  // A plan asks nothing; -y is accepted so that a send's command line plans as it is.
  else cmd.addOption(new Option('-y, --yes').hideHelp());
  return cmd
    .option('--concurrency <n>', `requests at once (default ${DEFAULTS.concurrency})${env('concurrency')}`)
    .option('--rate <n>', `at most n requests per second, a client-side ceiling (default: none)${env('rate')}`)
    .option('--max-retries <n>', `retries of a 5xx or network error (default ${DEFAULTS.maxRetries})${env('maxRetries')}`)
    .option('--timeout <ms>', `per request (default ${DEFAULTS.timeoutMs})${env('timeout')}`)
    .option('--max-wait <duration>', `longest wait for a rate-limit window before stopping with the rest deferred (default 1h)${env('maxWait')}`)
    .option('--settle-grace <duration>', `after an unclear answer, how long Brevo is given to record the request before its list is believed (default 30s after --timeout)${env('settleGrace')}`)
    .option('--limit <n>', `send at most n requests this run, besides the list call(s)${env('limit')}`)
    .option('--resume', `continue from the results file: keep finished rows, send the rest${env('resume')}`)
    .option('--base-url <url>', `API base URL (default ${DEFAULTS.baseUrl})${env('baseUrl')}`)
    .option('--api-key-file <file>', `read the API key from this file${env('apiKeyFile')}`)
    .addOption(new Option('--api-key <key>').hideHelp());
}

function rosterOptions(cmd: Command): Command {
  return cmd
    .option('--update', `send the sheet's access to people already in the account (the row's whole access, as an invitation carries it)${env('update')}`)
    .option('--resend-pending', `send pending invitations again (once)${env('resendPending')}`)
    .option('--resend-after <duration>', `with --resend-pending, leave alone an invitation this tool sent more recently than this (default 1d; 0: any)${env('resendAfter')}`)
    .option('--reinvite', `invite again people this tool saw in the account before who are gone from it now (removed or cancelled since)${env('reinvite')}`)
    .option('--prune', `also remove the people in the account whom the roster does not list (never the owner)${env('prune')}`)
    .option('--max-prune <n|n%>', `refuse --prune when it would remove more people than this, or this share of the account (default 5 people)${env('maxPrune')}`)
    .option('--no-skip-existing', `do not look up existing users first${env('skipExisting')}`);
}

/** `plan --revoke` plans a revoke: the options of a roster's send mean nothing to it. */
function refuseRosterOptions(flags: RawFlags): void {
  const given = (['update', 'resendPending', 'resendAfter', 'reinvite', 'prune', 'maxPrune', 'skipExisting'] as const).filter((k) => flags[k] !== undefined);
  if (given.length === 0) return;
  const names = given.map((k) => `--${k === 'skipExisting' ? 'no-skip-existing' : k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  throw usageError(`${names.join(', ')} ${names.length === 1 ? 'is an option' : 'are options'} of a send, not of a revoke: plan --revoke takes the options of revoke`);
}

export function defineBatchCommands(program: Command, ctx: CommandContext): void {
  readingOptions(program.command('validate').description('Dry run: check every row and write the results file. Sends nothing; needs no key or network.').argument('<file>', 'the CSV file: a header row, then one row per person')).action(
    ctx.batch(async (file, flags) => {
      const { validateCommand } = await import('./commands/validate.js');
      return { report: await validateCommand(file, flags, ctx.io()) };
    }),
  );

  sendingOptions(readingOptions(rosterOptions(program.command('send').description('Validate every row, then invite the new people (and, with --update / --resend-pending / --prune, bring the others in line). The key comes from BREVO_API_KEY or --api-key-file.').argument('<file>', 'the CSV file: a header row, then one row per person'))))
    .option('--dry-run', 'validate only, like the validate command')
    .action(
      ctx.batch(async (file, flags) => {
        if (flags.dryRun === true) {
          const { validateCommand } = await import('./commands/validate.js');
          return { report: await validateCommand(file, flags, ctx.io()) };
        }
        // commander sets skipExisting to true when --no-skip-existing is absent; only an explicit "no" counts.
        if (flags.skipExisting === true) delete flags.skipExisting;
        const { sendCommand } = await import('./commands/send.js');
        return sendCommand(file, flags, ctx.io());
      }),
    );

  sendingOptions(readingOptions(program.command('revoke').description('Remove the people the file lists from the Brevo account: revoke an active user, cancel a pending invitation (never the owner). Access is removed at once.').argument('<file>', 'a CSV file with an email column (other columns are carried into the results)'), { roles: false }))
    .option('--dry-run', 'check the file offline only (valid, distinct emails); needs no key')
    .action(
      ctx.batch(async (file, flags) => {
        if (flags.dryRun === true) {
          const { validateCommand } = await import('./commands/validate.js');
          return { report: await validateCommand(file, flags, ctx.io(), 'remove') };
        }
        const { sendCommand } = await import('./commands/send.js');
        return sendCommand(file, flags, ctx.io(), { command: 'revoke' });
      }),
    );

  sendingOptions(readingOptions(rosterOptions(program.command('plan').description('What send (or, with --revoke, revoke) would do: validates, makes the one list call, writes every row\'s planned action to <name>.plan.csv (or -o), and sends nothing else.').argument('<file>', 'the CSV file')), { output: 'plan file (default: <name>.plan.csv beside the input)' }), { asks: false })
    .option('--revoke', 'plan a revoke of the people the file lists, instead of a send')
    .option('--results <file>', 'the results file of earlier runs, read with --resume (default: <file>.results.csv beside the input)')
    .action(
      ctx.batch(async (file, flags) => {
        if (flags.skipExisting === true) delete flags.skipExisting;
        if (flags.revoke === true) refuseRosterOptions(flags);
        const { sendCommand } = await import('./commands/send.js');
        return sendCommand(file, flags, ctx.io(), { command: flags.revoke === true ? 'revoke' : 'send', planOnly: true });
      }),
    );
}

export function defineToolCommands(program: Command, ctx: CommandContext): void {
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
      ctx.exit(await simulatorCommand(flags, ctx.io()));
    });

  program
    .command('template')
    .description('Write a starter users.csv and roles.json (never overwrites a file).')
    .argument('[dir]', 'folder to write them in (default: here)')
    .action(async (dir: string | undefined) => {
      const { templateCommand } = await import('./commands/template.js');
      ctx.exit(templateCommand(dir, ctx.io()));
    });

  program
    .command('demo')
    .description('Send the bundled sample to a local simulator and show the results (what npm start runs).')
    .action(async () => {
      const { demoCommand } = await import('./commands/demo.js');
      ctx.finish(await demoCommand(ctx.io()));
    });

  program
    .command('features')
    .description('List the features and permissions that can be granted.')
    .option('--json', 'print as JSON')
    .action((flags: RawFlags) => {
      ctx.io().stdout.write(flags.json === true ? featuresJson() : featuresText());
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
}
