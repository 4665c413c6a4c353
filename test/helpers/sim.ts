/** Helpers for end-to-end tests against the simulator, in this process, over real HTTP on 127.0.0.1. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator, type SimAction, type Simulator, type SimulatorOptions } from '../../src/simulator/server.js';

const running: Simulator[] = [];

export async function simulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const sim = await startSimulator(options);
  running.push(sim);
  return sim;
}

export async function closeSimulators(): Promise<void> {
  await Promise.all(running.splice(0).map((s) => s.close()));
}

export const KEY = 'xkeysib-test-0123456789abcdef';

export function sendEnv(sim: Simulator, extra: Record<string, string> = {}): Record<string, string> {
  return { BREVO_API_KEY: KEY, BREVO_BASE_URL: sim.url, ...extra };
}

/** Writes a users CSV of n valid rows (user1@example.com ...) into dir. */
export function usersCsv(dir: string, n: number, name = 'users.csv'): string {
  const lines = ['email,privileges,name'];
  for (let i = 1; i <= n; i++) lines.push(`user${i}@example.com,contacts:view${i % 3 === 0 ? '|import' : ''},Person ${i}`);
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

export const invitationRequests = (sim: Simulator) => sim.requests.filter((r) => r.action === 'invite' || (r.action === undefined && r.method === 'POST' && r.path.endsWith('/invitation/send')));
export const listRequests = (sim: Simulator) => sim.requests.filter((r) => r.method === 'GET');
/** The requests for one action (update, resend, revoke, cancel, invite, list) that reached the simulator. */
export const requestsOf = (sim: Simulator, action: SimAction | 'list') => sim.requests.filter((r) => r.action === action);

/** Every address the simulator accepted more than once: must always be empty. */
export function invitedTwice(sim: Simulator): string[] {
  return [...sim.invitations()].filter(([, n]) => n > 1).map(([e]) => e);
}
