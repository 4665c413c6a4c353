/**
 * The program's entry point, loaded by main.ts once the Node version is known to be new enough:
 * the only place that exits the process (besides main.ts refusing an old Node).
 */
import { EXIT_INTERNAL, failureMessage, runCli } from './program.js';

// A last line of defence: whatever escapes, the person sees one sentence, not a stack trace.
const crash = (err: unknown) => {
  process.stderr.write(failureMessage(err));
  process.exit(EXIT_INTERNAL);
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  args: process.argv.slice(2),
  onInterrupt: ({ stop, flushNow, notice, flushedNotice }) => {
    let count = 0;
    const handler = (signal: NodeJS.Signals) => {
      count++;
      if (count === 1) {
        stop(); // first, so that a progress bar is put away before the notice is printed
        process.stderr.write(`\n${signal}: ${notice ?? 'stopping'}\n`);
        return;
      }
      flushNow();
      if (flushedNotice !== undefined) process.stderr.write(`${flushedNotice}\n`);
      process.exit(130);
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
