/** The environment the options read from: the process environment over a `.env` file in the working directory. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { configError, describeError } from '../errors.js';
import type { Env } from './options.js';

export function loadEnv(cwd: string, processEnv: Env): Env {
  let text: string;
  try {
    text = readFileSync(join(cwd, '.env'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ...processEnv };
    throw configError(`cannot read .env: ${describeError(err)}`, err);
  }
  return { ...(parseEnv(text) as Env), ...processEnv };
}
