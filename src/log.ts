/**
 * The logger: pino JSON lines on stderr when it is not a terminal (cron, CI), readable lines
 * through pino-pretty on a terminal. Secrets are redacted twice: by path (pino's `redact`) and, as
 * a last line of defence, by value in every line written.
 */
import { Writable } from 'node:stream';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogFormat, LogLevel } from './cli/options.js';
import { REDACTED, scrub } from './redact.js';

export type { Logger };

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Where lines go: stderr's fd (2) by default. */
  destination?: (DestinationStream & NodeJS.WritableStream) | undefined;
  /** Values that must never be written (the API key). */
  secrets?: () => readonly string[];
  colorize?: boolean;
  /** Carried by every line, so that the lines of one run can be told from another's. */
  runId?: string | undefined;
  /** Applied to every line written (--log-emails no or hash: the addresses in it). */
  mask?: ((line: string) => string) | undefined;
}

export { REDACTED, scrub };

const REDACT_PATHS = ['apiKey', '*.apiKey', 'key', '*.key', 'headers["api-key"]', '*.headers["api-key"]'];

/** Ends every line with a line break (pino-pretty leaves it out when it hides a line's fields). */
function wholeLines(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      const text = chunk.toString();
      out.write(text.endsWith('\n') ? text : `${text}\n`);
      done();
    },
  });
}

/** Async because pino-pretty is loaded only when it is used (it is not needed by cron runs). */
export async function createLogger(options: LoggerOptions): Promise<Logger> {
  const secrets = options.secrets ?? (() => []);
  const target: DestinationStream =
    options.format === 'pretty'
      ? (await import('pino-pretty')).default({
          destination: wholeLines(options.destination ?? process.stderr),
          sync: true,
          colorize: options.colorize ?? false,
          ignore: 'pid,hostname,run_id',
          translateTime: 'SYS:HH:MM:ss Z', // the local clock, with its zone (as the summary's times)
          singleLine: true,
          // A person reads the message; the fields behind it (in every JSON line) only when debugging.
          hideObject: options.level !== 'debug' && options.level !== 'trace',
        })
      : (options.destination ?? pino.destination({ dest: 2, sync: true }));
  const mask = options.mask ?? ((line: string) => line);
  const guarded: DestinationStream = { write: (line: string) => target.write(mask(scrub(line, secrets()))) };
  return pino(
    {
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      base: options.runId === undefined ? undefined : { run_id: options.runId },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    guarded,
  );
}
