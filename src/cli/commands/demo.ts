/**
 * `brevo-invite demo` (what `npm start` runs): starts the simulator on a free port, sends the
 * bundled sample to it, prints the summary and stops it. No key, no account, nothing real is sent.
 */
import { fileURLToPath } from 'node:url';
import { startSimulator } from '../../simulator/server.js';
import type { RunReport } from '../../run/report.js';
import type { CliIo } from '../io.js';
import { sendCommand } from './send.js';

const asset = (name: string) => fileURLToPath(new URL(`../../../fixtures/${name}`, import.meta.url));

export async function demoCommand(io: CliIo): Promise<{ report: RunReport; baseUrl: string }> {
  const sim = await startSimulator({
    rateLimit: { limit: 100, windowMs: 60 * 60_000 },
    latencyMs: 40,
    existing: [{ email: 'owner@example.com', status: 'active', isOwner: true }],
  });
  io.stdout.write(`Demo: sending ${asset('sample.csv')} to a local Brevo simulator at ${sim.url} (nothing real is sent).\n`);
  try {
    return await sendCommand(
      asset('sample.csv'),
      { output: 'sample.results.csv', roles: asset('roles.json'), yes: true },
      { ...io, env: { ...io.env, BREVO_API_KEY: 'demo-key', BREVO_BASE_URL: sim.url }, args: ['send', 'fixtures/sample.csv', '--roles', 'fixtures/roles.json'] },
      { command: 'send', replaceResults: true },
    );
  } finally {
    await sim.close();
  }
}
