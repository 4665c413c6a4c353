/** The tool refuses an old Node with one sentence and exit 2, before any of the program is loaded. */
import { afterAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ROOT, baseEnv, expectNoStackTrace } from '../helpers/cli.js';
import { cleanTempDirs, tempDir } from '../helpers/files.js';
import { MIN_NODE, isSupported, nodeVersionProblem } from '../../src/cli/node-version.js';

afterAll(cleanTempDirs);

describe('isSupported', () => {
  test.each([
    ['20.18.1', true],
    ['v20.18.1', true],
    ['20.18.2', true],
    ['20.19.0', true],
    ['22.0.0', true],
    ['24.1.0-nightly20250101', true],
    ['20.18.0', false],
    ['20.17.9', false],
    ['18.20.4', false],
    ['16.0.0', false],
    ['v12.22.12', false],
  ])('%s -> %s', (version, expected) => {
    expect(isSupported(version)).toBe(expected);
  });

  test('the minimum is the one package.json declares in engines', () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`>=${MIN_NODE}`);
  });

  test('the message is one sentence on one line, naming both versions', () => {
    expect(nodeVersionProblem('20.20.0')).toBeNull();
    const message = nodeVersionProblem('18.19.0') ?? '';
    expect(message).toContain('Node.js 20.18.1 or later');
    expect(message).toContain('Node.js 18.19.0');
    expect(message.trimEnd().split('\n')).toHaveLength(1);
  });
});

/** Runs the built CLI with process.versions.node faked by a module preloaded with --import. */
function runWithNode(fakeVersion: string, args: string[]) {
  const fake = `Object.defineProperty(process,"versions",{value:{...process.versions,node:${JSON.stringify(fakeVersion)}}})`;
  return spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(fake)}`, CLI, ...args], {
    cwd: ROOT,
    env: baseEnv(),
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('the built command on an old Node', () => {
  test('refuses with one sentence on stderr and exit 2; nothing else runs', () => {
    const run = runWithNode('18.19.0', ['--help']);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe(''); // --help was never reached: the program was not loaded
    expect(run.stderr).toBe(nodeVersionProblem('18.19.0'));
    expectNoStackTrace(run.stderr);
  });

  test('the exact minimum starts normally', () => {
    const run = runWithNode(MIN_NODE, ['--help']);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('Usage: brevo-invite');
    expect(run.status).toBe(0);
  });
});

describe('the built command, installed without its dependencies', () => {
  test('says in one sentence that it could not start, exit 70, no stack trace', () => {
    const dir = tempDir('brevo-invite-broken-');
    cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    const run = spawnSync(process.execPath, [join(dir, 'dist/cli/main.js'), '--help'], { cwd: dir, env: baseEnv(), encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(70);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^brevo-invite could not start: Cannot find package '[^']+'.*\(reinstall it, or run npm ci in a clone\)\.\n$/);
    expectNoStackTrace(run.stderr);
  });
});
