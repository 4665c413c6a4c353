/**
 * The command line: commander parses the commands of commands.ts; every value is then checked by
 * the options module. Returns an exit code; only run-main.ts exits the process. Every outcome, an
 * error included, ends in finish.ts (the summary JSON, the human summary, one sentence).
 */
import { randomUUID } from 'node:crypto';
import { Command, CommanderError } from 'commander';
import { usageError } from '../errors.js';
import { EXIT, type RunReport } from '../run/report.js';
import { defineBatchCommands, defineToolCommands, type CommandContext } from './commands.js';
import { loadEnv } from './env.js';
import { failureMessage, finishRun, finishWithError, sayError, VERSION, type Session } from './finish.js';
import type { CliIo } from './io.js';
import { ENV_NAMES, type RawFlags } from './options.js';
import { resultsPathAsGiven } from './paths.js';

export { failureMessage };

/** Exit code for an error that is not one of ours: a bug, or the system refusing (a full disk). */
export const EXIT_INTERNAL = EXIT.internal;

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
    session.input = file;
    // Known before anything can go wrong: a summary of a run that could not start still names them.
    session.results = resultsPathAsGiven(file, flags.output as string | undefined, io.cwd, session.command === 'plan' ? 'plan' : 'results');
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
        else if (s.trim() !== '' && !s.startsWith('(add --help')) {
          sayError(io, s.trim().replace(/^error: /, '').replace(/\s*\n\s*/g, ' '), s.startsWith('error: ') ? { exit_code: EXIT.usage, stopped_for: 'usage' } : {});
        }
      },
    });

  const ctx: CommandContext = {
    io: () => io,
    batch,
    finish: ({ report, baseUrl }) => {
      session.baseUrl = baseUrl;
      exitCode = finishRun(io, session, report);
    },
    exit: (code) => (exitCode = code),
  };
  defineBatchCommands(program, ctx);
  defineToolCommands(program, ctx);

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
