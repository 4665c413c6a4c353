/**
 * The command line: commander for commands, flags and help; every value is then checked by the
 * options module. Returns an exit code; only main.ts exits the process. Commands are loaded when
 * they run, so a dry run does not pay for the HTTP client or the progress bar.
 */
import { createRequire } from 'node:module';
import { Command, CommanderError, Option } from 'commander';
import { describeError, isAppError, usageError, type ErrorCode } from '../errors.js';
import { EXIT } from '../run/report.js';
import { featuresJson, featuresText } from './commands/features.js';
import type { CliIo } from './io.js';
import { ENV_NAMES, LOG_LEVELS, type RawFlags } from './options.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const EXIT_FOR: Record<ErrorCode, number> = {
  usage: EXIT.usage,
  config: EXIT.usage,
  input: EXIT.usage,
  results: EXIT.usage,
  cancelled: EXIT.usage,
  locked: EXIT.deferred,
};

/** Exit code for an error that is not ours: a bug. */
export const EXIT_INTERNAL = 70;

const env = (name: keyof typeof ENV_NAMES) => ` (env ${ENV_NAMES[name]})`;

function readingOptions(cmd: Command): Command {
  return cmd
    .option('-o, --output <file>', 'results file (default: <file>.results.csv beside the input)')
    .option('--roles <file>', `roles file: {"name": "feature:permission; ..."}${env('roles')}`)
    .option('--delimiter <char>', `, ; tab or | (default: detected from the header)${env('delimiter')}`)
    .option('--encoding <name>', `utf-8, utf-16le, utf-16be or windows-1252 (default: detected)${env('encoding')}`)
    .option('--max-record-size <size>', `longest row accepted (default 64KiB)${env('maxRecordSize')}`)
    .addOption(new Option('--log-level <level>', `${LOG_LEVELS.join(', ')} (default info)${env('logLevel')}`))
    .option('--log-format <format>', `json or pretty (default: pretty on a terminal, json otherwise)${env('logFormat')}`)
    .option('--summary-json <file>', `also write the summary as JSON${env('summaryJson')}`);
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
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
      .description('Validate every row, then send the invitations to Brevo.')
      .argument('<file>', 'the CSV file: a header row, then one row per person'),
  )
    .option('--dry-run', 'validate only, like the validate command')
    .action(async (file: string, flags: RawFlags) => {
      if (flags.dryRun === true) {
        const { validateCommand } = await import('./commands/validate.js');
        exitCode = await validateCommand(file, flags, io);
        return;
      }
      throw usageError('sending is not available in this build yet; use --dry-run');
    });

  program
    .command('features')
    .description('List the features and permissions that can be granted.')
    .option('--json', 'print as JSON')
    .action((flags: RawFlags) => {
      io.stdout.write(flags.json === true ? featuresJson() : featuresText());
    });

  try {
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
    io.stderr.write(`brevo-invite: unexpected error: ${describeError(err)}\nThis is a bug; please report it with the command you ran.\n`);
    return EXIT_INTERNAL;
  }
}
