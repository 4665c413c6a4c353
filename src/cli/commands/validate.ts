/** `brevo-invite validate <file>` (and `send --dry-run`): a dry run that needs no key and no network. */
import { createLogger } from '../../log.js';
import { dryRun } from '../../run/dry-run.js';
import type { RunReport } from '../../run/report.js';
import { releaseHeldLocks } from '../../write/lock.js';
import { removeOpenTemps } from '../../write/temp-files.js';
import { logSettings, type CliIo } from '../io.js';
import { resolveValidateOptions, type RawFlags } from '../options.js';
import { emailMasker, interruptsFor, planInputs } from './common.js';

export async function validateCommand(file: string, flags: RawFlags, io: CliIo, purpose: 'grant' | 'remove' = 'grant'): Promise<RunReport> {
  const options = resolveValidateOptions(flags, io.env);
  io.maskEmails = emailMasker(options.logEmails);
  const log = await createLogger({ ...logSettings(io, options), destination: io.stderr, runId: io.runId, mask: io.maskEmails });
  const inputs = await planInputs(file, flags.output as string | undefined, options, io);
  // Nothing to finish gently: a signal removes the half-written results and the lock, and ends the run at once.
  const flushNow = () => {
    removeOpenTemps();
    releaseHeldLocks();
  };
  const stopListening = interruptsFor(io, log)({ exitAtOnce: true, stop: () => {}, flushNow, flushedNotice: 'Stopped; nothing was sent, and the results file is as it was.' });
  try {
    log.debug({ file: inputs.file, resultsPath: inputs.resultsPath }, 'dry run started');
    const report = await dryRun({ ...inputs, purpose, runId: io.runId ?? '', log });
    log.info({ counts: report.counts, resultsPath: inputs.resultsPath, exitCode: report.exitCode }, 'dry run finished');
    return { ...report, input: file };
  } finally {
    stopListening();
  }
}
