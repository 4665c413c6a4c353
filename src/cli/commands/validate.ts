/** `brevo-invite validate <file>` (and `send --dry-run`): a dry run that needs no key and no network. */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { dryRun } from '../../run/dry-run.js';
import type { RunReport } from '../../run/report.js';
import { NO_ROLES, loadRoles } from '../../validate/roles.js';
import { createLogger } from '../../log.js';
import { logSettings, type CliIo } from '../io.js';
import { resolveValidateOptions, type CommonOptions, type RawFlags } from '../options.js';
import { resultsPathFor } from '../paths.js';
import { renderSummary, resumeCommand, sendCommandFor, summaryJson } from '../summary.js';

export async function writeSummaryJson(path: string | undefined, report: RunReport, cwd: string): Promise<void> {
  if (path !== undefined) await writeFile(resolve(cwd, path), JSON.stringify(summaryJson(report), null, 2) + '\n');
}

export async function finishRun(io: CliIo, options: CommonOptions, report: RunReport): Promise<number> {
  await writeSummaryJson(options.summaryJson, report, io.cwd);
  io.stderr.write(renderSummary(report, { resume: resumeCommand(io.args), send: sendCommandFor(io.args) }));
  return report.exitCode;
}

export async function validateCommand(file: string, flags: RawFlags, io: CliIo): Promise<number> {
  const options = resolveValidateOptions(flags, io.env);
  const log = await createLogger({ ...logSettings(io, options), destination: io.stderr });
  const resultsPath = resultsPathFor(file, flags.output as string | undefined, io.cwd);
  const roles = options.rolesFile === undefined ? NO_ROLES : await loadRoles(resolve(io.cwd, options.rolesFile));
  log.debug({ file, resultsPath }, 'dry run started');
  const report = await dryRun({
    file: resolve(io.cwd, file),
    resultsPath,
    roles,
    encoding: options.encoding,
    delimiter: options.delimiter,
    maxRecordBytes: options.maxRecordBytes,
  });
  log.info({ counts: report.counts, resultsPath, exitCode: report.exitCode }, 'dry run finished');
  return finishRun(io, options, { ...report, input: file });
}
