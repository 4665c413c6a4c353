/**
 * A lock beside the results file (`<results>.lock`), so two runs never write the same results at
 * once (cron starting while a long run is still going). A lock left by a process that no longer
 * exists is taken over.
 */
import { hostname } from 'node:os';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { AppError } from '../errors.js';

export const lockPath = (resultsPath: string) => `${resultsPath}.lock`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface Lock {
  release(): void;
}

export function acquireLock(resultsPath: string): Lock {
  const path = lockPath(resultsPath);
  const me = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, JSON.stringify(me), { flag: 'wx' });
      return { release: () => rmSync(path, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder: { pid?: number; host?: string; started?: string } = {};
    try {
      holder = JSON.parse(readFileSync(path, 'utf8')) as typeof holder;
    } catch {
      // Unreadable: treat as held, unless it is ours to judge below.
    }
    const stale = holder.host === me.host && typeof holder.pid === 'number' && !alive(holder.pid);
    if (!stale) {
      throw new AppError(
        'locked',
        `another run (pid ${holder.pid ?? '?'} on ${holder.host ?? '?'}, started ${holder.started ?? '?'}) is writing ${resultsPath}; ` +
          `wait for it to finish. If no other run is going on, delete ${path}`,
      );
    }
    rmSync(path, { force: true });
  }
  throw new AppError('locked', `cannot take the lock ${path}`);
}
