/** `validate` (and `send --dry-run`): read -> validate -> write, streaming, nothing sent. */
import type { RowResult } from '../types.js';
import { checkReplaceable } from '../write/existing.js';
import { writeResults } from '../write/results-file.js';
import { openPlan, type PlanOptions } from './plan.js';
import { countStatuses, exitCodeFor, Problems, type RunReport } from './report.js';

export interface DryRunOptions extends PlanOptions {
  file: string;
  resultsPath: string;
  now?: () => number;
}

export async function dryRun(options: DryRunOptions): Promise<RunReport> {
  const now = options.now ?? Date.now;
  const started = now();
  await checkReplaceable(options.resultsPath, 'validate');
  const plan = await openPlan(options.file, options);
  const counts = countStatuses([]);
  const problems = new Problems();
  let total = 0;
  async function* results(): AsyncGenerator<RowResult[]> {
    for await (const batch of plan.batches) {
      const rows = batch.map((p) => p.result);
      for (const r of rows) {
        counts[r.status]++;
        problems.add(r);
      }
      total += rows.length;
      yield rows;
    }
  }
  await writeResults(options.resultsPath, plan.carriedNames, results());
  return {
    command: 'validate',
    input: options.file,
    resultsPath: options.resultsPath,
    counts,
    total,
    blankRows: plan.source.blankRows,
    requests: 0,
    rateLimited: 0,
    elapsedMs: now() - started,
    exitCode: exitCodeFor(counts),
    problems,
    notices: plan.source.notice === undefined ? [] : [plan.source.notice],
  };
}
