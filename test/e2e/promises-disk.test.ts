/**
 * Issue 10, item 6: a full disk, and the temporary files of a rewrite. The disk fills for real: a
 * tmpfs of 80 KiB mounted in a private mount namespace (`unshare -m`, root here and in CI); the
 * simulator runs in this process and is reachable from there, since the network is shared.
 */
import { afterAll, afterEach, describe, expect, test } from '@jest/globals';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { baseEnv, CLI, jsonLines, runCli } from '../helpers/cli.js';
import { cleanTempDirs, readResults, tempDir } from '../helpers/files.js';
import { closeSimulators, invitationRequests, invitedTwice, KEY, listRequests, simulator } from '../helpers/sim.js';

afterEach(closeSimulators);
afterAll(cleanTempDirs);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether this machine lets us mount a tmpfs in a private mount namespace (root, unshare). */
const canUnshare = (() => {
  if (process.platform !== 'linux') return false;
  const probe = spawnSync('unshare', ['-m', 'sh', '-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=16k tmpfs "$d" && umount "$d" && rmdir "$d"'], { stdio: 'ignore' });
  return probe.status === 0;
})();
if (!canUnshare) console.warn('full-disk test skipped: `unshare -m` with a tmpfs mount is not available here (it needs Linux and root)');

describe('6. a full disk', () => {
  (canUnshare ? test : test.skip)('exit 70 with one sentence naming the journal and --resume; the file parses; after space is freed --resume invites everyone once', async () => {
    const sim = await simulator({ acceptDuplicates: true, latencyMs: 20 });
    const dir = tempDir();
    const mnt = join(dir, 'mnt');
    const out = join(dir, 'out');
    // 60 rows with a 400-byte note: the input and the first snapshot fit in 80 KiB, the appended rows do not.
    const lines = ['email,privileges,note', ...Array.from({ length: 60 }, (_, i) => `user${i + 1}@example.com,contacts:view,${'x'.repeat(400)}`)];
    writeFileSync(join(dir, 'users.csv'), lines.join('\n') + '\n');
    const send = (args: string, step: string) =>
      `node ${CLI} send "$M/users.csv" ${args} >"$O/${step}.out" 2>"$O/${step}.err"; echo $? >"$O/${step}.rc"`;
    const script = [
      'set -e',
      `M='${mnt}'; O='${out}'`,
      'mkdir -p "$M" "$O"',
      'mount -t tmpfs -o size=80k tmpfs "$M"',
      `cp '${join(dir, 'users.csv')}' "$M/"`,
      'set +e',
      send('--concurrency 2', 'full'),
      'cp "$M/users.results.csv" "$O/after-full.csv"; ls -A "$M" >"$O/after-full.ls"',
      'mount -o remount,size=16m "$M"',
      send('--resume --timeout 1000 --settle-grace 0s', 'freed'),
      'cp "$M/users.results.csv" "$O/final.csv"; ls -A "$M" >"$O/final.ls"',
    ].join('\n');
    await promisify(execFile)('unshare', ['-m', 'sh', '-c', script], { env: baseEnv({ BREVO_API_KEY: KEY, BREVO_BASE_URL: sim.url }), timeout: 60_000 });
    const read = (name: string) => readFileSync(join(out, name), 'utf8');

    expect(read('full.rc').trim()).toBe('70');
    const errors = jsonLines(read('full.err')).filter((l) => (l.level as number) >= 50);
    expect(errors).toHaveLength(1);
    const message = String(errors[0]!.msg);
    expect(message).toContain('users.results.csv.journal');
    expect(message).toContain('--resume');
    expect(message).toMatch(/free some space/);
    // What the full disk left is a CSV --resume can read: every row, no half row, no temporary file.
    const left = readResults(join(out, 'after-full.csv'));
    expect(new Set(left.map((r) => r.line)).size).toBe(60);
    expect(read('after-full.ls').split('\n').filter((n) => n.includes('.tmp-'))).toEqual([]);
    expect(read('after-full.ls')).toContain('users.results.csv.journal');
    const sentBefore = invitationRequests(sim).length;
    expect(sentBefore).toBeGreaterThan(left.filter((r) => r.status === 'invited').length); // some invited people are recorded only in the journal

    expect(read('freed.rc').trim()).toBe('0');
    const final = readResults(join(out, 'final.csv'));
    expect(final.map((r) => r.status)).toEqual(Array(60).fill('invited'));
    // A person Brevo invited (and billed) whose row the full disk kept out is confirmed from the
    // list, which has no invoice id: the first run's error said it, so no receipt is lost.
    const confirmed = final.filter((r) => r.invoice_id === '');
    expect(confirmed.length).toBeGreaterThan(0);
    for (const r of confirmed) expect(message).toContain(`${r.email} invited ${sim.users.get(r.email!)!.invoiceId}`);
    expect(invitedTwice(sim)).toEqual([]);
    expect(invitationRequests(sim)).toHaveLength(60);
    expect(listRequests(sim)).toHaveLength(2);
    expect(read('final.ls').trim().split('\n').sort()).toEqual(['users.csv', 'users.results.csv']);
  });
});

describe('6. temporary files of a rewrite', () => {
  test('a validate of 400k rows stopped by SIGINT exits 130 and leaves no temporary file beside the results', async () => {
    const dir = tempDir();
    const input = join(dir, 'big.csv');
    const rows = Array.from({ length: 400_000 }, (_, i) => `person${i}@example.com,contacts:view,Person ${i}`);
    writeFileSync(input, `email,privileges,name\n${rows.join('\n')}\n`);
    const child = spawn(process.execPath, [CLI, 'validate', input], { env: baseEnv(), stdio: 'ignore' });
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const temp = () => readdirSync(dir).filter((n) => n.includes('.tmp-'));
    for (const end = Date.now() + 20_000; temp().length === 0; await sleep(10)) if (Date.now() > end) throw new Error('the dry run never started writing');
    child.kill('SIGINT');
    expect(await closed).toBe(130);
    expect(temp()).toEqual([]);
    expect(existsSync(join(dir, 'big.results.csv'))).toBe(false);
    expect(existsSync(join(dir, 'big.results.csv.lock'))).toBe(false);
  }, 40_000);

  test('a <results>.tmp-<pid> left by a SIGKILLed process is removed by the next run', async () => {
    const dir = tempDir();
    const input = join(dir, 'users.csv');
    writeFileSync(input, 'email,privileges\nann@example.com,contacts:view\n');
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.on('close', resolve));
    const leftover = join(dir, `users.results.csv.tmp-${dead.pid}`);
    writeFileSync(leftover, 'half a rewrite');
    const run = await runCli(['validate', input]);
    expect(run.code).toBe(0);
    expect(existsSync(leftover)).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['users.csv', 'users.results.csv']);
  });
});
