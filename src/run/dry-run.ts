/** `validate` (and `send --dry-run`): read -> validate -> write, streaming, nothing sent. */
import type { Logger } from 'pino';
import type { RowResult } from '../types.js';
import { checkReplaceable } from '../write/existing.js';
import { acquireLock, hardLinksWarning, lockPath } from '../write/lock.js';
import { writeResults } from '../write/results-file.js';
import { removeLeftoverTemps } from '../write/temp-files.js';
import { openPlan, type PlanOptions } from './plan.js';
import { countActions, countStatuses, exitCodeFor, Problems, type RunReport } from './report.js';

export interface DryRunOptions extends PlanOptions {
  file: string;
  resultsPath: string;
  runId: string;
  log: Logger;
  now?: () => number;
}

export async function dryRun(options: DryRunOptions): Promise<RunReport> {
  const now = options.now ?? Date.now;
  const started = now();
  // A dry run writes the same default file as a send: it must not replace one a send is writing.
  const lock = await acquireLock(options.resultsPath, {
    runId: options.runId,
    onTakeover: (why) => options.log.warn({ lock: lockPath(options.resultsPath), why }, `took over a stale lock: ${why}`),
    onHardLinks: (names) => options.log.warn({ results: options.resultsPath, names }, hardLinksWarning(options.resultsPath, names)),
  });
  try {
    removeLeftoverTemps(options.resultsPath);
    await checkReplaceable(options.resultsPath, 'validate');
    const plan = await openPlan(options.file, options);
    const counts = countStatuses([]);
    const actions = countActions([]);
    const problems = new Problems();
    let total = 0;
    async function* results(): AsyncGenerator<RowResult[]> {
      for await (const batch of plan.batches) {
        const rows = batch.map((p) => p.result);
        for (const r of rows) {
          counts[r.status]++;
          if (r.action !== undefined) actions[r.action]++;
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
      actions,
      total,
      leftInput: 0,
      blankRows: plan.source.blankRows,
      requests: 0,
      rateLimited: 0,
      startedAt: started,
      elapsedMs: now() - started,
      exitCode: exitCodeFor(counts),
      problems,
      notices: plan.source.notice === undefined ? [] : [plan.source.notice],
    };
  } finally {
    lock.release();
  }
}
