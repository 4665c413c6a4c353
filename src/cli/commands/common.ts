/** What validate and send share: where the input and results are, how to read the input, and the end of a run. */
import { rename, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { PlanOptions } from '../../run/plan.js';
import type { RunReport } from '../../run/report.js';
import { NO_ROLES, loadRoles } from '../../validate/roles.js';
import type { CliIo } from '../io.js';
import type { CommonOptions } from '../options.js';
import { resultsPathFor, summaryPathFor } from '../paths.js';
import { renderSummary, resumeCommand, sendCommandFor, summaryJson } from '../summary.js';

/** The input's absolute path, the results path, and how to read and validate the input. */
export async function planInputs(file: string, output: string | undefined, options: CommonOptions, io: CliIo) {
  const plan: PlanOptions = {
    roles: options.rolesFile === undefined ? NO_ROLES : await loadRoles(resolve(io.cwd, options.rolesFile)),
    encoding: options.encoding,
    delimiter: options.delimiter,
    maxRecordBytes: options.maxRecordBytes,
  };
  summaryPathFor(options.summaryJson, io.cwd);
  return { file: resolve(io.cwd, file), resultsPath: resultsPathFor(file, output, io.cwd), ...plan };
}

/** Writes --summary-json, prints the summary, returns the exit code. */
export async function finishRun(io: CliIo, options: CommonOptions, report: RunReport): Promise<number> {
  if (options.summaryJson !== undefined) {
    // Through a temporary file and a rename: a monitor reading it never sees half a document.
    const path = summaryPathFor(options.summaryJson, io.cwd)!;
    const tmp = `${path}.tmp-${process.pid}`;
    await writeFile(tmp, JSON.stringify(summaryJson(report), null, 2) + '\n');
    await rename(tmp, path);
  }
  io.stderr.write(renderSummary(report, { resume: resumeCommand(io.args), send: sendCommandFor(io.args) }));
  return report.exitCode;
}
