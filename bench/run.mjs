// `npm run bench`: measures brevo-invite against the limits and the alternatives, in one run, on
// this machine, and reports ratios (absolute times drift on shared machines). Writes a table to
// stdout and the numbers to bench/results/latest.json. Not part of `npm test`.
//
//   npm run bench              the full run (several minutes: the send section is bound by latency)
//   npm run bench -- --quick   smaller sizes, for a sanity check
//   npm run bench -- --only=dryRun,sendMemory   some sections again (the others keep their numbers)
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './generate.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');
const DATA = join(ROOT, 'bench/.data');
const PROBE = join(ROOT, 'bench/rss-probe.cjs');
const quick = process.argv.includes('--quick');
const work = mkdtempSync(join(tmpdir(), 'brevo-invite-bench-'));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** Runs a process to its end; returns wall time, exit code, output and the probe's numbers. */
function run(cmd, args, { env = {}, probe = false } = {}) {
  return new Promise((resolve, reject) => {
    const probeOut = join(work, `probe-${Math.random().toString(36).slice(2)}.json`);
    const nodeOptions = probe ? `--require ${PROBE}` : '';
    const started = performance.now();
    const child = spawn(cmd, args, {
      env: { ...process.env, ...env, NODE_OPTIONS: nodeOptions, BENCH_PROBE_OUT: probeOut, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      let probed;
      try {
        probed = JSON.parse(readFileSync(probeOut, 'utf8'));
      } catch {
        probed = undefined;
      }
      resolve({ code, wallMs, stdout, stderr, probe: probed });
    });
  });
}

/** Starts the simulator as its own process (so it does not share the client's event loop). */
function startSimulator(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'simulator', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let text = '';
    child.stderr.on('data', (d) => {
      text += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/v3)/.exec(text);
      if (m) resolve({ url: m[1], stop: () => new Promise((r) => (child.on('close', r), child.kill('SIGINT'))) });
    });
    child.on('error', reject);
    child.on('close', (code) => reject(new Error(`simulator exited (${code}): ${text}`)));
  });
}

async function simulatorState(url) {
  const res = await fetch(`${url.replace(/\/v3$/, '')}/__simulator/state`);
  return res.json();
}

function emailsOf(csvPath) {
  return readFileSync(csvPath, 'utf8').split('\n').slice(1).filter(Boolean).map((l) => l.split(',')[0]);
}

// ---------------------------------------------------------------------------------------------
async function dryRunVsParser() {
  const sizes = quick ? [100_000, 300_000] : [100_000, 1_000_000];
  const rows = [];
  for (const n of sizes) {
    const file = await generate(n, DATA);
    const runs = n >= 1_000_000 ? 3 : 5;
    const bare = [];
    const ours = [];
    for (let i = 0; i < runs; i++) {
      // interleaved, so that a noisy neighbour hurts both alike
      bare.push(await run(process.execPath, [join(ROOT, 'bench/bare-parse.mjs'), file], { probe: true }));
      ours.push(await run(process.execPath, [CLI, 'validate', file, '-o', join(work, 'dry.csv'), '--log-level', 'silent'], { probe: true }));
    }
    if (ours.some((r) => r.code !== 0)) throw new Error(`validate failed: ${ours[0].stderr}`);
    const b = median(bare.map((r) => r.wallMs));
    const o = median(ours.map((r) => r.wallMs));
    rows.push({
      rows: n,
      bareMs: round(b, 0),
      oursMs: round(o, 0),
      ratio: round(o / b),
      bareRowsPerSec: round(n / (b / 1000), 0),
      oursRowsPerSec: round(n / (o / 1000), 0),
      barePeakRssMb: round(Math.max(...bare.map((r) => r.probe.maxRssKb)) / 1024, 0),
      oursPeakRssMb: round(Math.max(...ours.map((r) => r.probe.maxRssKb)) / 1024, 0),
      runs,
    });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
async function sendThroughput() {
  const n = quick ? 500 : 2000;
  const latencyMs = 50;
  const file = await generate(n, DATA);
  const bodiesFile = join(work, `bodies-${n}.json`);
  writeFileSync(
    bodiesFile,
    JSON.stringify(emailsOf(file).map((email) => ({ email, all_features_access: false, privileges: [{ feature: 'contacts', permissions: ['view'] }] }))),
  );
  const rows = [];
  for (const concurrency of [1, 8, 32]) {
    // The short runs are the noisy ones: at 8 and 32, the median of three, ours and bare interleaved.
    const runs = concurrency === 1 ? 1 : 3;
    const oursRuns = [];
    const bareRuns = [];
    let maxOpen = 0;
    for (let i = 0; i < runs; i++) {
      let sim = await startSimulator(['--rate-limit', 'off', '--latency', String(latencyMs)]);
      const summary = join(work, `send-${concurrency}-${i}.json`);
      const ours = await run(
        process.execPath,
        [CLI, 'send', file, '-o', join(work, `send-${concurrency}-${i}.csv`), '--concurrency', String(concurrency), '--yes', '--log-level', 'silent', '--summary-json', summary],
        { env: { BREVO_API_KEY: 'bench', BREVO_BASE_URL: sim.url }, probe: true },
      );
      maxOpen = Math.max(maxOpen, (await simulatorState(sim.url)).maxConcurrent);
      await sim.stop();
      if (ours.code !== 0) throw new Error(`send failed: ${ours.stderr}`);
      oursRuns.push({ elapsedMs: JSON.parse(readFileSync(summary, 'utf8')).work_ms, cpuMs: (ours.probe.userUs + ours.probe.systemUs) / 1000 });

      sim = await startSimulator(['--rate-limit', 'off', '--latency', String(latencyMs)]);
      const bare = await run(process.execPath, [join(ROOT, 'bench/bare-send.mjs'), sim.url, bodiesFile, String(concurrency)]);
      await sim.stop();
      bareRuns.push(JSON.parse(bare.stdout).elapsedMs);
    }
    const bareMs = median(bareRuns);
    const oursMs = median(oursRuns.map((r) => r.elapsedMs));
    const cpuMs = median(oursRuns.map((r) => r.cpuMs));
    const idealMs = (n * latencyMs) / concurrency;
    rows.push({
      concurrency,
      rows: n,
      idealMs: round(idealMs, 0),
      bareMs: round(bareMs, 0),
      oursMs,
      oursVsBare: round(oursMs / bareMs),
      bareVsIdeal: round(idealMs / bareMs),
      oursVsIdeal: round(idealMs / oursMs),
      cpuMsPerRow: round(cpuMs / n, 3),
      maxOpenAtServer: maxOpen,
      runs,
    });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
async function budgetEfficiency() {
  const n = 300;
  const limit = 50;
  const windowMs = 5000;
  const file = await generate(n, DATA);
  const sim = await startSimulator(['--rate-limit', `${limit}/5s`, '--latency', '20']);
  const summary = join(work, 'budget.json');
  const ours = await run(process.execPath, [CLI, 'send', file, '-o', join(work, 'budget.csv'), '--yes', '--log-level', 'silent', '--summary-json', summary], {
    env: { BREVO_API_KEY: 'bench', BREVO_BASE_URL: sim.url },
  });
  const state = await simulatorState(sim.url);
  await sim.stop();
  const report = JSON.parse(readFileSync(summary, 'utf8'));
  const posts = state.requests.filter((r) => r.method === 'POST').length;
  const lists = state.requests.filter((r) => r.method === 'GET').length;
  const windows = Math.ceil((n + 1) / limit);
  const floorMs = (windows - 1) * windowMs;
  return {
    rows: n,
    window: `${limit} per ${windowMs / 1000}s`,
    exitCode: ours.code,
    invited: report.counts.invited,
    invitationRequests: posts,
    listCalls: lists,
    requestsPerInvitation: round((posts + lists) / report.counts.invited, 3),
    rateLimited: report.rate_limited,
    elapsedMs: report.elapsed_ms,
    floorMs,
    vsFloor: round(report.elapsed_ms / floorMs),
  };
}

// ---------------------------------------------------------------------------------------------
// A send holds every row until its results file is rewritten in input order at the end: what it
// keeps per row must stay small even when the input carries hundreds of columns (each row's
// carried cells are kept as one flat string). Peak RSS of a whole send (100k rows, 500 carried
// columns) against the simulator in its own process, next to validate of the same file; and
// whether the send fits in a 512 MB heap (V8 lets garbage grow when memory is plentiful, so the
// peak RSS alone overstates what the run needs).
async function sendMemory() {
  const n = quick ? 20_000 : 100_000;
  const columns = 500;
  const file = await generateWide(n, columns, DATA);
  const out = [];
  const measure = async (name, args, heapMb) => {
    const sim = await startSimulator(['--rate-limit', 'off']);
    const nodeArgs = heapMb === undefined ? [] : [`--max-old-space-size=${heapMb}`];
    const r = await run(process.execPath, [...nodeArgs, CLI, ...args(join(work, 'mem.csv')), '--log-level', 'silent'], { env: { BREVO_API_KEY: 'bench', BREVO_BASE_URL: sim.url }, probe: true });
    await sim.stop();
    rmSync(join(work, 'mem.csv'), { force: true });
    out.push({ run: name, rows: n, carriedColumns: columns, exitCode: r.code, wallMs: round(r.wallMs, 0), peakRssMb: r.probe === undefined ? null : round(r.probe.maxRssKb / 1024, 0) });
  };
  await measure('validate', (o) => ['validate', file, '-o', o]);
  await measure('send --concurrency 32', (o) => ['send', file, '-o', o, '--concurrency', '32', '--yes']);
  await measure('send --concurrency 32, heap capped at 512 MB', (o) => ['send', file, '-o', o, '--concurrency', '32', '--yes'], 512);
  return out;
}

async function generateWide(rows, columns, dir) {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `wide-${rows}x${columns}.csv`);
  if (existsSync(path)) return path;
  const head = ['email', 'privileges', ...Array.from({ length: columns }, (_, i) => `extra_${i}`)].join(',');
  writeFileSync(`${path}.tmp`, `${head}\n`);
  for (let from = 0; from < rows; from += 1000) {
    const lines = [];
    for (let i = from; i < Math.min(rows, from + 1000); i++) lines.push(`wide${i}@example.com,contacts:view,${Array.from({ length: columns }, (_, j) => `v${(i + j) % 97}`).join(',')}`);
    appendFileSync(`${path}.tmp`, `${lines.join('\n')}\n`);
  }
  renameSync(`${path}.tmp`, path);
  return path;
}

// newman is only for this comparison, so it is not a devDependency (it made every `npm ci` much
// heavier): it is installed on first use into bench/.data (ignored by git), pinned so that runs
// stay comparable, and run from there, so its wall time does not include npx's registry check.
const NEWMAN_VERSION = '6.2.2';
const NEWMAN_DIR = join(DATA, `newman-${NEWMAN_VERSION}`);
const NEWMAN = join(NEWMAN_DIR, 'node_modules/.bin/newman');

async function ensureNewman() {
  if (existsSync(NEWMAN)) return NEWMAN;
  console.log(`installing newman@${NEWMAN_VERSION} into ${NEWMAN_DIR} (once) ...`);
  mkdirSync(NEWMAN_DIR, { recursive: true });
  writeFileSync(join(NEWMAN_DIR, 'package.json'), '{"private": true}\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = await run(npm, ['install', `newman@${NEWMAN_VERSION}`, '--no-audit', '--no-fund', '--no-save', '--prefix', NEWMAN_DIR]);
  if (r.code !== 0 || !existsSync(NEWMAN)) throw new Error(`could not install newman@${NEWMAN_VERSION} (npm exit ${r.code}):\n${r.stderr}`);
  return NEWMAN;
}

// ---------------------------------------------------------------------------------------------
async function alternatives() {
  const newman = await ensureNewman();
  const n = 500;
  const file = await generate(n, DATA);
  const emails = emailsOf(file);
  const dataFile = join(work, 'newman-data.csv');
  writeFileSync(dataFile, `email\n${emails.join('\n')}\n`);
  const emailList = join(work, 'emails.txt');
  writeFileSync(emailList, `${emails.join('\n')}\n`);
  const out = [];
  const measure = async (name, fn, lacks) => {
    const sim = await startSimulator(['--rate-limit', 'off', '--latency', '50']);
    const r = await fn(sim.url);
    const state = await simulatorState(sim.url);
    await sim.stop();
    const accepted = state.requests.filter((q) => q.accepted).length;
    out.push({ tool: name, wallMs: round(r.wallMs, 0), accepted, exitCode: r.code, lacks });
  };
  await measure(
    'brevo-invite send --concurrency 8',
    (url) => run(process.execPath, [CLI, 'send', file, '-o', join(work, 'alt.csv'), '--concurrency', '8', '--yes', '--log-level', 'silent'], { env: { BREVO_API_KEY: 'bench', BREVO_BASE_URL: url } }),
    'has all of: validation, results CSV in input order, retries, resume, header-driven throttling',
  );
  await measure(
    'newman run (data file)',
    (url) => run(newman, ['run', join(ROOT, 'bench/collection.json'), '-d', dataFile, '--env-var', `baseUrl=${url}`, '--silent']),
    'sequential; no validation, no results file, no retries, no rate-limit awareness, no resume',
  );
  await measure(
    'xargs -P 8 curl',
    (url) =>
      run('bash', [
        '-c',
        `xargs -P 8 -I{} curl -s -o /dev/null -X POST -H 'api-key: bench' -H 'content-type: application/json' ` +
          `-d '{"email":"{}","all_features_access":false,"privileges":[{"feature":"contacts","permissions":["view"]}]}' ` +
          `'${url}/organization/user/invitation/send' < ${emailList}`,
      ]),
    'no validation, no results file, no retries, no rate-limit awareness, no resume; errors are silent',
  );
  return out;
}

// ---------------------------------------------------------------------------------------------
function table(title, rows) {
  console.log(`\n${title}`);
  console.table(rows);
}

const machine = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, memoryGb: round(totalmem() / 2 ** 30, 1), quick, date: new Date().toISOString() };
console.log('brevo-invite benchmark', machine);
try {
  // `--only dryRun,sendMemory` reruns some sections and keeps the others' last numbers.
  const onlyArg = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const only = onlyArg === undefined ? undefined : new Set(onlyArg.split(','));
  const latest = join(ROOT, 'bench/results/latest.json');
  const results = only === undefined || !existsSync(latest) ? { machine } : { ...JSON.parse(readFileSync(latest, 'utf8')), machine };
  const sections = [
    ['dryRun', dryRunVsParser, '1. Dry run (validate) vs a bare csv-parse pass (median wall time, peak RSS)'],
    ['send', sendThroughput, '2. Send throughput, simulator at 50 ms latency, no rate limit (ours: send phase from the summary, process start excluded)'],
    ['sendMemory', sendMemory, '2b. Memory of a send that carries 500 columns (peak RSS; the simulator runs in its own process)'],
    ['budget', budgetEfficiency, '3. Budget under a window of 50 requests per 5 s, 300 rows'],
    ['alternatives', alternatives, '4. The alternatives on the same 500 rows, simulator at 50 ms (wall time, process start included)'],
  ];
  for (const [name, fn, title] of sections) {
    if (only !== undefined && !only.has(name)) continue;
    results[name] = await fn();
    table(title, Array.isArray(results[name]) ? results[name] : [results[name]]);
  }
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(latest, JSON.stringify(results, null, 2) + '\n');
  console.log('\nWritten: bench/results/latest.json');
} finally {
  rmSync(work, { recursive: true, force: true });
}
