/**
 * The command line: commander for commands, flags and help; every value is then checked by the
 * options module. Returns an exit code; only main.ts exits the process. Commands are loaded when
 * they run, so a dry run does not pay for the HTTP client or the progress bar.
 */
import { createRequire } from 'node:module';
import { Command, CommanderError, Option } from 'commander';
import { describeError, isAppError, isSystemError, type ErrorCode } from '../errors.js';
import { EXIT } from '../run/report.js';
import { featuresJson, featuresText } from './commands/features.js';
import { loadEnv } from './env.js';
import type { CliIo } from './io.js';
import { DEFAULTS, ENV_NAMES, LOG_LEVELS, type RawFlags } from './options.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const EXIT_FOR: Record<ErrorCode, number> = {
  usage: EXIT.usage,
  config: EXIT.usage,
  input: EXIT.usage,
  results: EXIT.usage,
  cancelled: EXIT.usage,
  locked: EXIT.deferred,
};

/** Exit code for an error that is not one of ours: a bug, or the system refusing (a full disk). */
export const EXIT_INTERNAL = 70;

/** What the person reads about an error that is not one of ours (exit 70): one sentence, then what to do. */
export function failureMessage(err: unknown): string {
  const after = 'Rows that had finished are in the results file';
  // The disk or the system refused (no space left, no permission, ...): not a bug of ours.
  if (isSystemError(err)) return `brevo-invite: ${describeError(err)}. ${after}; fix this, then run again (with --resume after a send).\n`;
  return `brevo-invite: unexpected error: ${describeError(err)}\nThis is a bug; please report it with the command you ran. ${after}.\n`;
}

const env = (name: keyof typeof ENV_NAMES) => ` (env ${ENV_NAMES[name]})`;

function readingOptions(cmd: Command): Command {
  return cmd
    .option('-o, --output <file>', 'results file (default: <file>.results.csv beside the input)')
    .option('--roles <file>', `roles file: {"name": "feature:permission; ..."}${env('roles')}`)
    .option('--delimiter <char>', `, ; tab or | (default: detected from the header)${env('delimiter')}`)
    .option('--encoding <name>', `utf-8, utf-16le, utf-16be or windows-1252 (default: detected)${env('encoding')}`)
    .option('--max-record-size <size>', `longest row accepted (default 64KiB)${env('maxRecordSize')}`)
    .option('--log-level <level>', `${LOG_LEVELS.join(', ')} (default: info for JSON logs, warn at a terminal)${env('logLevel')}`)
    .option('--log-format <format>', `json or pretty (default: pretty on a terminal, json otherwise)${env('logFormat')}`)
    .option('--summary-json <file>', `also write the summary as JSON${env('summaryJson')}`);
}

export async function runCli(argv: readonly string[], processIo: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  let io = processIo;
  const program = new Command('brevo-invite')
    .description('Invite people to a Brevo account in bulk from a CSV file.')
    .version(version, '-V, --version')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });

  readingOptions(
    program
      .command('validate')
      .description('Dry run: check every row and write the results file. Sends nothing; needs no key or network.')
      .argument('<file>', 'the CSV file: a header row, then one row per person'),
  ).action(async (file: string, flags: RawFlags) => {
    const { validateCommand } = await import('./commands/validate.js');
    exitCode = await validateCommand(file, flags, io);
  });

  readingOptions(
    program
      .command('send')
      .description('Validate every row, then send the invitations to Brevo. The key comes from BREVO_API_KEY or --api-key-file.')
      .argument('<file>', 'the CSV file: a header row, then one row per person'),
  )
    .option('--dry-run', 'validate only, like the validate command')
    .option('--concurrency <n>', `requests at once (default ${DEFAULTS.concurrency})${env('concurrency')}`)
    .option('--rate <n>', `at most n requests per second, a client-side ceiling (default: none)${env('rate')}`)
    .option('--max-retries <n>', `retries of a 5xx or network error (default ${DEFAULTS.maxRetries})${env('maxRetries')}`)
    .option('--timeout <ms>', `per request (default ${DEFAULTS.timeoutMs})${env('timeout')}`)
    .option('--max-wait <duration>', `longest wait for a rate-limit window before stopping with the rest deferred (default 1h)${env('maxWait')}`)
    .option('--limit <n>', `invite at most n rows this run${env('limit')}`)
    .option('--resume', `continue from the results file: keep finished rows, send the rest${env('resume')}`)
    .option('--no-skip-existing', `do not look up existing users first${env('skipExisting')}`)
    .option('-y, --yes', 'do not ask before sending')
    .option('--base-url <url>', `API base URL (default ${DEFAULTS.baseUrl})${env('baseUrl')}`)
    .option('--api-key-file <file>', `read the API key from this file${env('apiKeyFile')}`)
    .addOption(new Option('--api-key <key>').hideHelp())
    .action(async (file: string, flags: RawFlags & { skipExisting?: boolean; apiKey?: unknown }) => {
      if (flags.dryRun === true) {
        const { validateCommand } = await import('./commands/validate.js');
        exitCode = await validateCommand(file, flags, io);
        return;
      }
      // commander sets skipExisting to true when --no-skip-existing is absent; only an explicit "no" counts.
      if (flags.skipExisting === true) delete flags.skipExisting;
      const { sendCommand } = await import('./commands/send.js');
      exitCode = await sendCommand(file, flags, io);
    });

  program
    .command('simulator')
    .description('Run a local stand-in for Brevo (127.0.0.1) to rehearse a batch: same API, rate limits and faults.')
    .option('--port <n>', 'port to listen on (default: any free port)')
    .option('--rate-limit <n/window>', 'requests per window, e.g. 100/1h, 10/2s, or off (default 100/1h)')
    .option('--latency <ms>', 'delay before each answer (default 0)')
    .option('--fail-rate <fraction>', 'share of invitations that meet a fault, 0 to 1 (default 0)')
    .option('--faults <list>', 'which faults: http_500, http_503, reset_before, reset_after, slow (default all)')
    .option('--slow <ms>', 'how late a slow answer is (default 5000)')
    .option('--seed <n>', 'seed of the fault schedule (default 1)')
    .option('--existing <emails>', 'users already in the account: a@x.com,b@x.com:pending')
    .option('--accept-key-file <file>', 'accept only the key in this file (default: any key)')
    .option('--plan-lacks <features>', 'features the simulated plan does not include, e.g. sales_platform,phone')
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
      exitCode = await demoCommand(io);
    });

  program
    .command('features')
    .description('List the features and permissions that can be granted.')
    .option('--json', 'print as JSON')
    .action((flags: RawFlags) => {
      io.stdout.write(flags.json === true ? featuresJson() : featuresText());
    });

  try {
    io = { ...processIo, env: loadEnv(processIo.cwd, processIo.env) };
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help'
        ? EXIT.ok
        : EXIT.usage;
    }
    if (isAppError(err)) {
      io.stderr.write(`brevo-invite: ${err.message}\n`);
      return EXIT_FOR[err.code];
    }
    io.stderr.write(failureMessage(err));
    return EXIT_INTERNAL;
  }
}
