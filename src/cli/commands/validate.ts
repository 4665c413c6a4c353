/** `brevo-invite validate <file>` (and `send --dry-run`): a dry run that needs no key and no network. */
import { createLogger } from '../../log.js';
import { dryRun } from '../../run/dry-run.js';
import { logSettings, type CliIo } from '../io.js';
import { resolveValidateOptions, type RawFlags } from '../options.js';
import { finishRun, planInputs } from './common.js';

export async function validateCommand(file: string, flags: RawFlags, io: CliIo): Promise<number> {
  const options = resolveValidateOptions(flags, io.env);
  const log = await createLogger({ ...logSettings(io, options), destination: io.stderr });
  const inputs = await planInputs(file, flags.output as string | undefined, options, io);
  log.debug({ file: inputs.file, resultsPath: inputs.resultsPath }, 'dry run started');
  const report = await dryRun(inputs);
  log.info({ counts: report.counts, resultsPath: inputs.resultsPath, exitCode: report.exitCode }, 'dry run finished');
  return finishRun(io, options, { ...report, input: file });
}
