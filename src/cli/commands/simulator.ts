/** `brevo-invite simulator`: a local Brevo stand-in for rehearsals, demos and tests. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod';
import { parseDuration } from '../../duration.js';
import { configError, usageError } from '../../errors.js';
import { DEFAULT_FAULTS, FAULTS, parseFaults } from '../../simulator/faults.js';
import { parseAccess, toPrivileges } from '../../validate/privileges.js';
import { startSimulator, type SimulatorOptions } from '../../simulator/server.js';
import { parseRateLimit } from '../../simulator/window.js';
import type { CliIo } from '../io.js';

export interface SimulatorFlags {
  port?: string;
  rateLimit?: string;
  latency?: string;
  failRate?: string;
  faults?: string;
  slow?: string;
  seed?: string;
  existing?: string;
  acceptKeyFile?: string;
  planLacks?: string;
  acceptDuplicates?: boolean;
}

/**
 * `--existing`: entries separated by commas, each `email[:active|pending|owner][:access]`, the
 * access in the privileges grammar (`contacts:view|import; templates:*`, or `all`).
 */
export function parseExisting(text: string): NonNullable<SimulatorOptions['existing']> {
  return text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '')
    .map((entry) => {
      const [email, ...rest] = entry.split(':');
      const state = rest[0]?.trim().toLowerCase();
      const stated = state === 'active' || state === 'pending' || state === 'owner';
      const spec = parseAccess(stated ? rest.slice(1).join(':') : rest.join(':'));
      const privileges = toPrivileges(spec.grants).map((p) => ({ feature: p.feature, permissions: [...p.permissions] }));
      return {
        email: email!.trim(),
        status: state === 'pending' ? ('pending' as const) : ('active' as const),
        isOwner: state === 'owner',
        allFeaturesAccess: spec.all || state === 'owner',
        privileges,
      };
    });
}

const bad = (flag: string, expected: string, value: unknown) => usageError(`invalid --${flag}: expected ${expected}, got ${JSON.stringify(value)}`);

export function simulatorOptions(flags: SimulatorFlags, cwd: string): SimulatorOptions {
  const port = flags.port === undefined ? 0 : Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw bad('port', 'a port number (0 for any free port)', flags.port);
  const rateLimit = parseRateLimit(flags.rateLimit ?? '100/1h');
  if (rateLimit === undefined) throw bad('rate-limit', 'requests per window, such as 100/1h or 10/2s (or off)', flags.rateLimit);
  const latencyMs = flags.latency === undefined ? 0 : parseDuration(flags.latency, 1);
  if (latencyMs === undefined) throw bad('latency', 'milliseconds or a duration such as 50ms', flags.latency);
  const failRate = z.coerce.number().min(0).max(1).safeParse(flags.failRate ?? '0');
  if (!failRate.success) throw bad('fail-rate', 'a fraction from 0 to 1, such as 0.2', flags.failRate);
  const faults = flags.faults === undefined ? [...DEFAULT_FAULTS] : parseFaults(flags.faults);
  if (faults === undefined) throw bad('faults', `a comma-separated list of ${FAULTS.join(', ')}`, flags.faults);
  const slowMs = flags.slow === undefined ? 5000 : parseDuration(flags.slow, 1);
  if (slowMs === undefined) throw bad('slow', 'milliseconds or a duration such as 5s', flags.slow);
  const seed = flags.seed === undefined ? 1 : Number(flags.seed);
  if (!Number.isInteger(seed)) throw bad('seed', 'a whole number', flags.seed);
  const existing = parseExisting(flags.existing ?? '');
  let apiKey: string | undefined;
  if (flags.acceptKeyFile !== undefined) {
    try {
      apiKey = readFileSync(resolve(cwd, flags.acceptKeyFile), 'utf8').trim();
    } catch {
      throw configError(`cannot read --accept-key-file ${flags.acceptKeyFile}`);
    }
  }
  const planLacks = (flags.planLacks ?? '').split(',').map((f) => f.trim()).filter((f) => f !== '');
  return { port, rateLimit, latencyMs, failRate: failRate.data, faults, slowMs, seed, existing, apiKey, planLacks, acceptDuplicates: flags.acceptDuplicates === true };
}

export async function simulatorCommand(flags: SimulatorFlags, io: CliIo): Promise<number> {
  const options = simulatorOptions(flags, io.cwd);
  const sim = await startSimulator({
    ...options,
    onRequest: (r) =>
      io.stdout.write(`${new Date(r.at).toISOString()} ${r.method} ${r.path} ${r.status ?? '-'}${r.email ? ` ${r.email}` : ''}${r.fault ? ` fault=${r.fault}` : ''}\n`),
  });
  const limit = options.rateLimit === null || options.rateLimit === undefined ? 'no rate limit' : `${options.rateLimit.limit} requests per ${options.rateLimit.windowMs / 1000}s`;
  io.stderr.write(
    `Brevo simulator listening on ${sim.url} (${limit}${options.failRate ? `, faults on ${Math.round(options.failRate * 100)}% of invitations` : ''}).\n` +
      `Send a batch to it with:\n  ${flags.acceptKeyFile === undefined ? 'BREVO_API_KEY=any-key brevo-invite send users.csv' : `brevo-invite send users.csv --api-key-file ${flags.acceptKeyFile}`} --base-url ${sim.url}\n` +
      `What it received: ${sim.url.replace(/\/v3$/, '')}/__simulator/state   Stop it with Ctrl+C.\n`,
  );
  await new Promise<void>((resolveStop) => {
    io.onInterrupt({ notice: 'stopping the simulator', stop: () => resolveStop(), flushNow: () => resolveStop() });
  });
  await sim.close();
  return 0;
}
