/** What the batch commands share: where the input and results are, and how to read the input. */
import { resolve } from 'node:path';
import { createHash } from 'node:crypto';
import type { Logger } from '../../log.js';
import type { PlanOptions } from '../../run/plan.js';
import { NO_ROLES, loadRoles } from '../../validate/roles.js';
import type { CliIo } from '../io.js';
import type { CommonOptions, LogEmails } from '../options.js';
import { resultsPathFor, summaryPathFor } from '../paths.js';

/** The input's absolute path, the results path (symlinks resolved), and how to read and validate the input. */
export async function planInputs(file: string, output: string | undefined, options: CommonOptions, io: CliIo, suffix = 'results') {
  const plan: PlanOptions = {
    roles: options.rolesFile === undefined ? NO_ROLES : await loadRoles(resolve(io.cwd, options.rolesFile), options.rolesFrom),
    encoding: options.encoding,
    delimiter: options.delimiter,
    maxRecordBytes: options.maxRecordBytes,
  };
  summaryPathFor(options.summaryJson, io.cwd);
  return { file: resolve(io.cwd, file), resultsPath: resultsPathFor(file, output, io.cwd, suffix), ...plan };
}

/**
 * Signal notices ("finishing the requests in flight...") as the person reads them: plain lines at a
 * terminal; without one, warn lines of the log (with the run_id), since stderr is JSON lines only.
 */
export function interruptsFor(io: CliIo, log: Logger): CliIo['onInterrupt'] {
  if (io.stderr.isTTY === true) return io.onInterrupt;
  return (handlers) => io.onInterrupt({ ...handlers, say: (text) => log.warn(text) });
}

/**
 * How an email appears in the logs. Emails are personal data: `--log-emails no` keeps them out,
 * `hash` writes a short, stable hash instead (the same address gives the same hash within and
 * across runs, so its lines can still be followed).
 */
export function emailLogger(mode: LogEmails): ((email: string) => Record<string, string>) | undefined {
  if (mode === 'yes') return undefined;
  if (mode === 'no') return () => ({});
  return (email) => ({ email_hash: emailHash(email) });
}

const emailHash = (email: string) => createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 12);

/** Anything with an @ (or %40, &#64;) between other characters: an address, or what was meant as one (`bad@@corp`). */
const EMAIL_LIKE = /[^\s"'\\<>()[\]{},;:=`]*(?:@|%40|&#0*64;|&#x0*40;)[^\s"'\\<>()[\]{},;:=`]*/gi;

/**
 * The last line of defence of --log-emails: every address left in a log line's text (a refusal
 * that lists the people a prune would remove, a row quoted in a message) becomes `(email)`, or
 * `(email <hash>)`. Undefined when addresses may be logged.
 */
export function emailMasker(mode: LogEmails): ((text: string) => string) | undefined {
  if (mode === 'yes') return undefined;
  const hide = (found: string) => {
    if (/^(?:@|%40|&#0*64;|&#x0*40;)*$/i.test(found)) return found;
    // A full stop after an address ends the sentence: it stays.
    const [, address, stop] = /^(.*?)(\.*)$/.exec(found)!;
    return `${mode === 'no' ? '(email)' : `(email ${emailHash(address!.replace(/%40|&#0*64;|&#x0*40;/gi, '@'))})`}${stop}`;
  };
  return (text) => (/@|%40|&#/i.test(text) ? text.replace(EMAIL_LIKE, hide) : text);
}
