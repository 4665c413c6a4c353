/**
 * The package as a stranger gets it: packed from a clean copy of the project (no dist/, as a fresh
 * clone), installed from the tarball into an empty folder, and run from there. The install uses the
 * npm registry for the dependencies (--prefer-offline: the machine's npm cache first).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT, expectNoStackTrace } from '../helpers/cli.js';
import { cleanTempDirs, readResults, tempDir } from '../helpers/files.js';
import { describeRun, exec, npmFreeEnv, type ExecResult } from './exec.js';

const INSTALL_TIMEOUT_MS = 4 * 60_000;
const RUN_TIMEOUT_MS = 60_000;

/** The files a fresh clone would have (tracked, plus new files not ignored), copied to dir. */
function copyProject(dir: string): void {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  for (const file of listed.split('\0')) {
    if (file === '' || !existsSync(join(ROOT, file))) continue; // deleted in the work tree, not yet committed
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(ROOT, file), join(dir, file));
  }
  // The build tools come from this project's install (as after `npm ci` in the clone).
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
}

let project: string;
let app: string;
let tarball: string;
let packRun: ExecResult;
let installRun: ExecResult;
const bin = () => join(app, 'node_modules', '.bin', 'brevo-invite');
const run = (args: string[]) => exec(bin(), args, { cwd: app, env: npmFreeEnv(), timeoutMs: RUN_TIMEOUT_MS });

beforeAll(async () => {
  project = tempDir('brevo-invite-pack-src-');
  copyProject(project);
  expect(existsSync(join(project, 'dist'))).toBe(false);
  const packDir = tempDir('brevo-invite-pack-out-');
  packRun = await exec('npm', ['pack', '--pack-destination', packDir], { cwd: project, env: npmFreeEnv(), timeoutMs: INSTALL_TIMEOUT_MS });
  if (packRun.code !== 0) throw new Error(describeRun('npm pack', packRun));
  const made = readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
  expect(made).toHaveLength(1);
  tarball = join(packDir, made[0]!);

  app = tempDir('brevo-invite-pack-app-');
  writeFileSync(join(app, 'package.json'), '{"name": "pack-test", "private": true}\n');
  installRun = await exec('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline'], { cwd: app, env: npmFreeEnv(), timeoutMs: INSTALL_TIMEOUT_MS });
  if (installRun.code !== 0) throw new Error(describeRun('npm install <tarball>', installRun));
}, 2 * INSTALL_TIMEOUT_MS + 30_000);

afterAll(() => {
  // How long it took, for whoever wonders why the suite is slower than it was.
  process.stdout.write(`pack test: npm pack ${packRun?.ms} ms, npm install ${installRun?.ms} ms\n`);
  cleanTempDirs();
});

describe('npm pack', () => {
  test('ships dist (built by prepack), the demo fixtures, .env.example, README and LICENSE: nothing else', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
      .split('\n')
      .filter((f) => f !== '' && !f.endsWith('/'))
      .map((f) => f.replace(/^package\//, ''));
    const other = files.filter((f) => !/^dist\/.+\.js$/.test(f)).sort();
    expect(other).toEqual(['.env.example', 'LICENSE', 'README.md', 'fixtures/roles.json', 'fixtures/sample.csv', 'package.json']);
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('dist/cli/run-main.js');
    expect(files).toContain('dist/simulator/server.js'); // demo needs it
    expect(files.some((f) => f.endsWith('.map'))).toBe(false); // no source maps without their sources
  });

  test('LICENSE is the MIT licence package.json declares', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license: string };
    expect(pkg.license).toBe('MIT');
    const text = readFileSync(join(app, 'node_modules', 'brevo-invite', 'LICENSE'), 'utf8');
    expect(text).toMatch(/^MIT License/);
    expect(text).toContain('Copyright (c) 2026 brevo-invite contributors');
  });
});

describe('the installed package, run from an empty folder', () => {
  test('brevo-invite --help and --version', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: brevo-invite');
    for (const command of ['validate', 'send', 'features', 'simulator', 'template', 'demo']) expect(help.stdout).toContain(command);
    const version = await run(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  });

  test('brevo-invite demo sends the bundled sample to its own simulator', async () => {
    const demo = await run(['demo']);
    expectNoStackTrace(demo.stdout + demo.stderr);
    expect(demo.code).toBe(0);
    const rows = readResults(join(app, 'sample.results.csv'));
    expect(rows.map((r) => r.status).sort()).toEqual([...Array(10).fill('invited'), 'skipped']);
  });

  test('brevo-invite validate a small file: exit 1, one results row per input row', async () => {
    const input = join(app, 'hires.csv');
    writeFileSync(input, 'email,privileges\nana@example.com,contacts:view\nnot-an-address,contacts:view\n');
    const validate = await run(['validate', 'hires.csv']);
    expectNoStackTrace(validate.stdout + validate.stderr);
    expect(validate.code).toBe(1);
    const rows = readResults(join(app, 'hires.results.csv'));
    expect(rows.map((r) => [r.line, r.email, r.status])).toEqual([
      ['2', 'ana@example.com', 'valid'],
      ['3', 'not-an-address', 'invalid'],
    ]);
  });
});
