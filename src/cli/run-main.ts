/**
 * The program's entry point, loaded by main.ts once the Node version is known to be new enough:
 * the only place that exits the process (besides main.ts refusing an old Node).
 */
import { removeOpenTemps } from '../write/temp-files.js';
import { EXIT_INTERNAL, failureMessage, runCli } from './program.js';

// A last line of defence: whatever escapes, the person sees one sentence, not a stack trace.
const crash = (err: unknown) => {
  removeOpenTemps();
  const message = failureMessage(err);
  // Without a terminal, stderr carries JSON lines only: the last one too.
  process.stderr.write(process.stderr.isTTY ? `brevo-invite: ${message}\n` : `${JSON.stringify({ level: 60, time: new Date().toISOString(), exit_code: EXIT_INTERNAL, stopped_for: 'internal', msg: message })}\n`);
  process.exit(EXIT_INTERNAL);
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);
// The reader of stdout went away (`brevo-invite --help | head -1`): what is left to print has
// nobody to read it; that is no error of the run, whose exit code stands.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') crash(err);
});

/** What a person reads when a signal arrives: no jargon for Ctrl+C. */
const SAID: Record<'SIGINT' | 'SIGTERM', string> = { SIGINT: 'Ctrl+C', SIGTERM: 'Asked to stop (SIGTERM)' };
const CODE = { SIGINT: 130, SIGTERM: 143 } as const;

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  args: process.argv.slice(2),
  onInterrupt: ({ stop, flushNow, notice, flushedNotice, exitAtOnce, say }) => {
    let count = 0;
    const handler = (signal: 'SIGINT' | 'SIGTERM') => {
      count++;
      if (count === 1 && exitAtOnce !== true) {
        stop(signal); // first, so that a progress bar is put away before the notice is printed
        const text = typeof notice === 'function' ? notice() : (notice ?? 'stopping');
        if (text === undefined) return;
        if (say !== undefined) say(`${SAID[signal]}: ${text}`);
        else process.stderr.write(`\n${SAID[signal]}: ${text}\n`);
        return;
      }
      flushNow();
      removeOpenTemps();
      if (flushedNotice !== undefined) (say ?? ((text: string) => process.stderr.write(`${text}\n`)))(flushedNotice);
      process.exit(CODE[signal]);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    return () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    };
  },
});
process.exitCode = code;
// Everything is closed by now; should a stray handle remain, it must not keep a finished run alive.
setTimeout(() => process.exit(code), 2000).unref();
