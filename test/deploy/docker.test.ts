/**
 * deploy/docker/Dockerfile, linted (no Docker engine runs on the development machines): every file
 * it copies exists and is let through by its .dockerignore, the build stage has all `npm pack`
 * needs, the image runs as a non-root user, and no key is baked in. Built for real where an engine
 * answers.
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { copyOf, envOf, readDockerfile } from './dockerfile.js';

const DOCKERFILE = join(ROOT, 'deploy/docker/Dockerfile');
const stages = readDockerfile(DOCKERFILE);
const final = stages.at(-1)!;
const copies = (stage = final) => stage.instructions.filter((i) => i.op === 'COPY').map(copyOf);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[]; engines: { node: string } };

/** The paths Dockerfile.dockerignore lets through ("**" first, then "!path" or "!dir/**"). */
const allowed = readFileSync(`${DOCKERFILE}.dockerignore`, 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l.startsWith('!'))
  .map((l) => l.slice(1).replace(/\/\*\*$/, ''));

describe('Dockerfile', () => {
  test('two stages from an official Node image at least as new as engines', () => {
    expect(stages.length).toBe(2);
    const major = Number(/>=(\d+)/.exec(pkg.engines.node)![1]);
    for (const s of stages) {
      const m = /^node:(\d+)(-[a-z]+)?$/.exec(s.from);
      expect([s.from, m !== null && Number(m[1]) >= major]).toEqual([s.from, true]);
    }
  });

  test('every file copied from the context exists and is let through by Dockerfile.dockerignore', () => {
    const sources = stages.flatMap((s) => copies(s)).filter((c) => c.from === undefined).flatMap((c) => c.sources);
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) {
      expect([source, existsSync(join(ROOT, source))]).toEqual([source, true]);
      expect([source, allowed.includes(source)]).toEqual([source, true]);
    }
  });

  test('the build stage has everything npm pack needs (sources, build config, what package.json ships)', () => {
    const copied = new Set(copies(stages[0]).flatMap((c) => c.sources));
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { extends?: string };
    const needed = ['package.json', 'package-lock.json', 'tsconfig.build.json', 'src', 'README.md', 'LICENSE', ...pkg.files.filter((f) => f !== 'dist')];
    if (build.extends !== undefined) needed.push(build.extends.replace(/^\.\//, ''));
    expect(needed.filter((f) => !copied.has(f))).toEqual([]);
    expect(stages[0]!.instructions.some((i) => i.op === 'RUN' && /npm pack\b/.test(i.args))).toBe(true);
  });

  test('the final image installs the packed tarball from the build stage, not the sources', () => {
    const fromBuild = copies().filter((c) => c.from !== undefined);
    expect(fromBuild.map((c) => c.from)).toEqual([stages[0]!.name]);
    expect(fromBuild[0]!.sources[0]).toMatch(/\.tgz$/);
    expect(final.instructions.some((i) => i.op === 'RUN' && i.args.includes('npm install --global') && i.args.includes('.tgz'))).toBe(true);
    expect(copies().flatMap((c) => c.sources).filter((s) => s.startsWith('src'))).toEqual([]);
  });

  test('runs as a non-root user, given by number so that Kubernetes can check it', () => {
    const users = final.instructions.filter((i) => i.op === 'USER');
    expect(users.length).toBeGreaterThan(0);
    const uid = users.at(-1)!.args.split(':')[0]!;
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
  });

  test('no key in the image: not in ENV or ARG, no .env copied, only a path to a mounted file', () => {
    const text = readFileSync(DOCKERFILE, 'utf8');
    for (const stage of stages) {
      expect(Object.keys(envOf(stage))).not.toContain('BREVO_API_KEY');
      expect(stage.instructions.filter((i) => i.op === 'ARG' && /API_KEY|SECRET|TOKEN/i.test(i.args))).toEqual([]);
    }
    expect(text).not.toMatch(/xkeysib-/);
    const sources = stages.flatMap((s) => copies(s)).flatMap((c) => c.sources);
    expect(sources.filter((s) => /(^|\/)\.env$|^\.$/.test(s))).toEqual([]);
    expect(envOf(final).BREVO_API_KEY_FILE).toMatch(/^\/run\/secrets\//);
  });

  test('the default command is installed in the image, executable, and the wrapper it runs keeps logs on stdout/stderr', () => {
    const cmd = final.instructions.filter((i) => i.op === 'CMD').at(-1)!;
    const program = (JSON.parse(cmd.args) as string[])[0]!;
    const copy = copies().find((c) => c.destination.endsWith(`/${program}`));
    expect(copy).toBeDefined();
    const source = join(ROOT, copy!.sources[0]!);
    expect(statSync(source).mode & 0o111).toBe(0o111);
    expect(readFileSync(DOCKERFILE, 'utf8')).toContain(`COPY --chmod=0755 ${copy!.sources[0]}`); // whatever the checkout's modes
    expect(envOf(final).BREVO_INVITE_LOG).toBe('-');
    expect(envOf(final).BREVO_INVITE_DIR).toBe(final.instructions.filter((i) => i.op === 'WORKDIR').at(-1)!.args);
  });
});

describe('docker build', () => {
  const engine = spawnSync('docker', ['info'], { encoding: 'utf8', timeout: 20_000 }).status === 0;
  if (!engine) process.stdout.write('docker build skipped: no Docker engine answers on this machine (the Dockerfile is linted above)\n');
  (engine ? test : test.skip)(
    'the image builds and runs brevo-invite --help as its non-root user',
    () => {
      const tag = `brevo-invite-test:${process.pid}`;
      const build = spawnSync('docker', ['build', '-f', DOCKERFILE, '-t', tag, ROOT], { encoding: 'utf8', timeout: 10 * 60_000 });
      expect(build.status).toBe(0);
      try {
        const run = spawnSync('docker', ['run', '--rm', tag, 'sh', '-c', 'id -u && brevo-invite --help'], { encoding: 'utf8', timeout: 60_000 });
        expect(run.status).toBe(0);
        expect(run.stdout).toMatch(/^1000\n/);
        expect(run.stdout).toContain('Usage: brevo-invite');
      } finally {
        spawnSync('docker', ['rmi', '-f', tag], { timeout: 60_000 });
      }
    },
    12 * 60_000,
  );
});
