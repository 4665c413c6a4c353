/**
 * deploy/systemd: the units parse, carry what the README promises (oneshot, 1 and 75 as success,
 * the key through LoadCredential, owner-only files, a dedicated user, hardening), pass
 * `systemd-analyze verify` where it exists, and the service's ExecStart really runs the tool.
 */
import { afterAll, afterEach, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ROOT } from '../helpers/cli.js';
import { cleanTempDirs, readResults, tempDir } from '../helpers/files.js';
import { closeSimulators, invitationRequests, KEY, simulator, usersCsv } from '../helpers/sim.js';
import { describeRun, exec } from '../package/exec.js';

const DIR = join(ROOT, 'deploy/systemd');
const SERVICE = join(DIR, 'brevo-invite.service');
const TIMER = join(DIR, 'brevo-invite.timer');

afterEach(closeSimulators);
afterAll(cleanTempDirs);

type Unit = Record<string, Record<string, string[]>>;

/** systemd's INI dialect: [Section], Key=Value (a key may repeat), # and ; comments, \ continuations. */
function parseUnit(path: string): Unit {
  const unit: Unit = {};
  let section: Record<string, string[]> | undefined;
  const text = readFileSync(path, 'utf8').replace(/\\\n/g, ' ');
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header) {
      section = unit[header[1]!] ??= {};
      return;
    }
    const kv = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(line);
    if (!kv || section === undefined) throw new Error(`${path}:${i + 1}: not a unit file line: ${line}`);
    (section[kv[1]!] ??= []).push(kv[2]!.trim());
  });
  return unit;
}

const one = (unit: Unit, section: string, key: string): string => {
  const values = unit[section]?.[key] ?? [];
  if (values.length !== 1) throw new Error(`[${section}] ${key}: expected one value, got ${JSON.stringify(values)}`);
  return values[0]!;
};

describe('brevo-invite.service', () => {
  const unit = parseUnit(SERVICE);

  test('a oneshot whose normal nights (exit 1 and 75) are successes', () => {
    expect(Object.keys(unit).sort()).toEqual(['Service', 'Unit']);
    expect(one(unit, 'Service', 'Type')).toBe('oneshot');
    expect(one(unit, 'Service', 'SuccessExitStatus').split(/\s+/).sort()).toEqual(['1', '75']);
  });

  test('the key comes through LoadCredential and --api-key-file, never the environment', () => {
    const [name, source] = one(unit, 'Service', 'LoadCredential').split(':');
    expect(source).toMatch(/^\/etc\//);
    const execStart = one(unit, 'Service', 'ExecStart');
    expect(execStart).toContain(`--api-key-file \${CREDENTIALS_DIRECTORY}/${name}`);
    expect(execStart).toMatch(/ send roster\.csv --resume --max-wait \S+ --summary-json \S+/);
    const environment = (unit.Service?.Environment ?? []).join(' ');
    expect(environment).not.toMatch(/BREVO_API_KEY=/);
  });

  test('owner-only files, a dedicated user, its own state folder as working folder', () => {
    expect(one(unit, 'Service', 'UMask')).toBe('0077');
    const dynamic = unit.Service?.DynamicUser?.[0] === 'yes';
    expect(dynamic || /^[a-z][a-z0-9-]*$/.test(one(unit, 'Service', 'User'))).toBe(true);
    expect(one(unit, 'Service', 'User')).not.toBe('root');
    const state = one(unit, 'Service', 'StateDirectory');
    expect(one(unit, 'Service', 'WorkingDirectory')).toBe(`/var/lib/${state}`);
  });

  test('hardening, without what breaks Node (its JIT needs writable executable memory)', () => {
    expect(one(unit, 'Service', 'ProtectSystem')).toBe('strict');
    expect(['yes', 'read-only', 'tmpfs']).toContain(one(unit, 'Service', 'ProtectHome'));
    expect(one(unit, 'Service', 'NoNewPrivileges')).toBe('yes');
    expect(one(unit, 'Service', 'PrivateTmp')).toBe('yes');
    expect(unit.Service?.MemoryDenyWriteExecute).toBeUndefined();
    expect(one(unit, 'Service', 'RestrictAddressFamilies')).toContain('AF_INET');
  });

  test('ExecStart, run as systemd would (in the state folder, the credential in its folder), sends', async () => {
    const sim = await simulator();
    const state = tempDir('brevo-invite-state-');
    const credentials = tempDir('brevo-invite-creds-');
    const [name] = one(unit, 'Service', 'LoadCredential').split(':');
    writeFileSync(join(credentials, name!), `${KEY}\n`, { mode: 0o400 });
    usersCsv(state, 3, 'roster.csv');
    const [binary, ...args] = one(unit, 'Service', 'ExecStart')
      .replace('${CREDENTIALS_DIRECTORY}', credentials)
      .split(/\s+/);
    expect(binary).toMatch(/\/brevo-invite$/);
    const run = await exec(process.execPath, [CLI, ...args], {
      cwd: state,
      timeoutMs: 60_000,
      env: { PATH: process.env.PATH ?? '', HOME: state, CREDENTIALS_DIRECTORY: credentials, BREVO_BASE_URL: sim.url, NO_COLOR: '1' },
    });
    if (run.code !== 0) throw new Error(describeRun('ExecStart', run));
    expect(invitationRequests(sim)).toHaveLength(3);
    expect(readResults(join(state, 'roster.results.csv')).map((r) => r.status)).toEqual(['invited', 'invited', 'invited']);
    expect(JSON.stringify(JSON.parse(readFileSync(join(state, 'last-run.json'), 'utf8')))).toContain('"invited":3');
  });
});

describe('brevo-invite.timer', () => {
  const unit = parseUnit(TIMER);

  test('nightly, catching up a missed night, enabled through timers.target', () => {
    expect(one(unit, 'Timer', 'OnCalendar')).toMatch(/^\*-\*-\* \d\d:\d\d:\d\d$/);
    expect(one(unit, 'Timer', 'Persistent')).toBe('true');
    expect(one(unit, 'Install', 'WantedBy')).toBe('timers.target');
    expect(unit.Timer?.Unit).toBeUndefined(); // so it starts brevo-invite.service, its namesake
  });
});

describe('systemd-analyze verify', () => {
  const found = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  const available = found.status === 0;
  if (!available) process.stdout.write('systemd-analyze verify skipped: systemd-analyze is not on this machine\n');
  const verifyTest = available ? test : test.skip;
  verifyTest('both units verify, without a single warning', () => {
    // verify insists that ExecStart's program exists: point it at one that does on this machine.
    const dir = tempDir('brevo-invite-units-');
    const service = readFileSync(SERVICE, 'utf8').replace(/^ExecStart=\S+/m, `ExecStart=${process.execPath}`);
    writeFileSync(join(dir, 'brevo-invite.service'), service);
    writeFileSync(join(dir, 'brevo-invite.timer'), readFileSync(TIMER, 'utf8'));
    const run = spawnSync('systemd-analyze', ['verify', '--man=no', 'brevo-invite.service', 'brevo-invite.timer'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    // verify exits 0 even for an unknown key or a bad value: any message about the units fails.
    expect(run.stderr.split('\n').filter((l) => l.includes('brevo-invite'))).toEqual([]);
    expect(run.status).toBe(0);
  });
  verifyTest('the check that runs here would catch a typo', () => {
    const dir = tempDir('brevo-invite-units-');
    writeFileSync(join(dir, 'bad.service'), '[Service]\nType=oneshot\nSuccesExitStatus=1 75\nExecStart=/bin/true\n');
    const run = spawnSync('systemd-analyze', ['verify', '--man=no', 'bad.service'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toContain("Unknown key 'SuccesExitStatus'");
  });
});

