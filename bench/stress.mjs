// Stress run of issue 10's promises, by hand (not part of `npm test`): random SIGKILL / SIGINT
// cycles against a simulator that records late and answers 5xx after recording, in "accept every
// request" mode (a second request that reaches processing is a second invitation, and is counted).
// After the cycles, --resume runs to the end. It reports double invitations and lost rows (a
// person Brevo invited who is not `invited` in the results, or an input row missing from them).
//
//   npm run build && node bench/stress.mjs                   3 seeds x 15 cycles x 200 rows
//   node bench/stress.mjs --seeds 1,2 --cycles 5 --rows 50   smaller
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { startSimulator } from '../dist/simulator/server.js';
import { seededRandom } from '../dist/simulator/random.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
};
const SEEDS = arg('seeds', '1,2,3').split(',').map(Number);
const CYCLES = Number(arg('cycles', '15'));
const ROWS = Number(arg('rows', '200'));
const KEY = 'xkeysib-stress-0123456789';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs the CLI; `killAfterMs` sends `signal` then (for SIGINT, if it has not ended within 8 s) SIGKILL. */
function send(args, env, { killAfterMs, signal } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'send', ...args], { env: { PATH: process.env.PATH, NO_COLOR: '1', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timers = [];
    if (killAfterMs !== undefined) {
      timers.push(setTimeout(() => child.kill(signal), killAfterMs));
      if (signal === 'SIGINT') timers.push(setTimeout(() => child.kill('SIGKILL'), killAfterMs + 8000));
    }
    child.on('close', (code, sig) => {
      timers.forEach(clearTimeout);
      resolve({ code, signal: sig, stderr });
    });
  });
}

function readResults(path) {
  const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  return parse(text, { columns: true, relax_column_count: true });
}

async function stressSeed(seed) {
  const random = seededRandom(seed * 7919);
  const sim = await startSimulator({
    acceptDuplicates: true,
    seed,
    failRate: 0.3,
    // late_record: held, then recorded (a client that gave up finds it later); gateway_502 and
    // reset_after: recorded, then a 5xx page or a cut connection; slow: recorded, answered late.
    faults: ['late_record', 'gateway_502', 'reset_after', 'slow', 'http_503', 'reset_before'],
    slowMs: 1500,
    latencyMs: 80,
  });
  const dir = mkdtempSync(join(tmpdir(), 'brevo-invite-stress-'));
  const input = join(dir, 'users.csv');
  writeFileSync(input, ['email,privileges,name', ...Array.from({ length: ROWS }, (_, i) => `user${i + 1}@example.com,contacts:view,Person ${i + 1}`)].join('\n') + '\n');
  const results = join(dir, 'users.results.csv');
  const env = { BREVO_API_KEY: KEY, BREVO_BASE_URL: sim.url, BREVO_LOG_LEVEL: process.env.STRESS_LOG_LEVEL ?? 'warn' };
  const common = [input, '--resume', '--concurrency', '8', '--timeout', '800', '--settle-grace', '1s', '--max-retries', '8'];
  const exits = {};
  const signals = { SIGKILL: 0, SIGINT: 0 };
  let unreadable = 0;
  const timeline = [];
  const started = Date.now();

  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const signal = random() < 0.5 ? 'SIGKILL' : 'SIGINT';
    const killAfterMs = 150 + Math.floor(random() * 1350);
    const at = new Date().toISOString();
    const run = await send(common, env, { killAfterMs, signal });
    if (process.env.STRESS_KEEP) writeFileSync(join(dir, `run-${cycle}.log`), run.stderr);
    timeline.push(`${at} run ${cycle}: ${signal} after ${killAfterMs} ms -> ${run.signal ?? `exit ${run.code}`} at ${new Date().toISOString()}`);
    const how = run.signal ?? `exit ${run.code}`;
    exits[how] = (exits[how] ?? 0) + 1;
    if (run.signal !== null || run.code === 130) signals[signal]++;
    if (run.code === 75) console.error(`seed ${seed} cycle ${cycle}: exit 75: ${run.stderr.trim().split('\n').filter((l) => /"level":(40|50)/.test(l)).slice(-2).join('\n')}`);
    if (run.code === 2) {
      unreadable++;
      console.error(`seed ${seed} cycle ${cycle}: exit 2\n${run.stderr.slice(-600)}`);
    }
    // Sometimes the next run starts at once, sometimes after a while (Brevo records meanwhile).
    if (random() < 0.5) await sleep(Math.floor(random() * 1500));
  }
  let finals = 0;
  let last;
  do {
    last = await send(common, env);
    finals++;
  } while (last.code !== 0 && finals < 5);

  const rows = readResults(results);
  const invitations = sim.invitations();
  const doubles = [...invitations].filter(([, n]) => n > 1).map(([e]) => e);
  const inInput = new Set(Array.from({ length: ROWS }, (_, i) => `user${i + 1}@example.com`));
  const recorded = new Map(rows.map((r) => [r.email, r]));
  const lostRows = [...inInput].filter((e) => !recorded.has(e));
  const invitedButNotRecorded = [...invitations.keys()].filter((e) => recorded.get(e)?.status !== 'invited');
  const posts = sim.requests.filter((r) => r.method === 'POST');
  for (const email of invitedButNotRecorded.slice(0, 3)) {
    const row = recorded.get(email);
    console.error(`seed ${seed}: ${email} invited by Brevo, recorded as ${row?.status} ${row?.error_code} (${row?.error_message})`);
    for (const r of sim.requests.filter((q) => q.email === email)) console.error(`  ${new Date(r.at).toISOString()} POST fault=${r.fault ?? '-'} status=${r.status ?? '-'} accepted=${r.accepted ?? '-'}`);
    for (const t of timeline) console.error(`  ${t}`);
  }
  for (const email of doubles) {
    // What happened to it, for the report: each request, and each run's start and end.
    console.error(`seed ${seed}: ${email} invited twice`);
    for (const r of sim.requests.filter((q) => q.email === email || q.method === 'GET')) console.error(`  ${new Date(r.at).toISOString()} ${r.method} ${r.email ?? 'list'} fault=${r.fault ?? '-'} status=${r.status ?? '-'} accepted=${r.accepted ?? '-'}`);
    for (const t of timeline) console.error(`  ${t}`);
  }
  const figures = {
    seed,
    cycles: CYCLES,
    rows: ROWS,
    sigkill: signals.SIGKILL,
    sigint: signals.SIGINT,
    cycle_exits: exits,
    final_runs: finals,
    final_exit: last.code,
    requests: sim.requests.length,
    invitation_requests: posts.length,
    faults: posts.filter((r) => r.fault !== undefined).length,
    people_invited: invitations.size,
    double_invitations: doubles.length,
    result_rows: rows.length,
    invited_rows: rows.filter((r) => r.status === 'invited').length,
    lost_rows: lostRows.length,
    invited_but_not_recorded: invitedButNotRecorded.length,
    refused_results_file: unreadable,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  await sim.close();
  const bad = doubles.length + lostRows.length + invitedButNotRecorded.length + unreadable > 0;
  if (process.env.STRESS_KEEP && bad) console.error(`seed ${seed}: kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
  return figures;
}

const all = [];
for (const seed of SEEDS) {
  const f = await stressSeed(seed);
  all.push(f);
  console.log(JSON.stringify(f));
}
const total = (k) => all.reduce((n, f) => n + f[k], 0);
const ok = total('double_invitations') === 0 && total('lost_rows') === 0 && total('invited_but_not_recorded') === 0 && total('refused_results_file') === 0 && all.every((f) => f.final_exit === 0 && f.invited_rows === f.rows);
console.log(
  `${all.length} seeds, ${total('cycles')} cycles (${total('sigkill')} SIGKILL, ${total('sigint')} SIGINT), ${total('invitation_requests')} invitation requests, ${total('faults')} faults: ` +
    `${total('double_invitations')} double invitations, ${total('lost_rows')} lost rows, ${total('invited_but_not_recorded')} invited but not recorded -> ${ok ? 'OK' : 'FAILED'}`,
);
process.exit(ok ? 0 : 1);
