/** Runs the built CLI as a child process, as a user would. */
import { expect } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = `${ROOT}dist/cli/main.js`;
export const fixture = (name: string) => `${ROOT}fixtures/${name}`;

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
  /** Called once the process has started (to send it signals). */
  onSpawn?: (child: ChildProcess) => void;
}

/** A clean environment: nothing from the developer's shell leaks into a test. */
export function baseEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1' };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? ROOT,
      env: baseEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
    options.onSpawn?.(child);
  });
}

/** No output a user sees may look like a stack trace. */
export function expectNoStackTrace(text: string): void {
  if (/\n\s+at .+\(.*:\d+:\d+\)|\n\s+at .+:\d+:\d+/.test(text)) {
    throw new Error(`output contains a stack trace:\n${text}`);
  }
}

/**
 * Everything the person is told: stdout (the summary), and stderr's lines, with a JSON log line
 * read as its message (without a terminal, stderr carries JSON lines only).
 */
export function said(run: Pick<CliRun, 'stdout' | 'stderr'>): string {
  const lines = run.stderr.split('\n').map((line) => {
    if (!line.startsWith('{')) return line;
    try {
      const entry = JSON.parse(line) as { msg?: unknown };
      return typeof entry.msg === 'string' ? entry.msg : line;
    } catch {
      return line;
    }
  });
  return `${run.stdout}\n${lines.join('\n')}`;
}

/** Every line of stderr parses as JSON (what a log shipper reads); returns them. */
export function jsonLines(stderr: string): Array<Record<string, unknown>> {
  return stderr
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new Error(`stderr has a line that is not JSON: ${l}`);
      }
    });
}

/** A run that stopped before it could work says so in exactly one line (JSON without a terminal): its message. */
export function oneError(run: Pick<CliRun, 'stderr'>): string {
  const lines = jsonLines(run.stderr);
  if (lines.length !== 1) throw new Error(`expected one line on stderr, got ${lines.length}:\n${run.stderr}`);
  expect(lines[0]).toMatchObject({ level: 50 });
  return String(lines[0]!.msg);
}

/** A run that stopped on an error after it had started: its last line is the error (JSON without a terminal): its message. */
export function lastError(run: Pick<CliRun, 'stderr'>): string {
  const last = jsonLines(run.stderr).at(-1);
  expect(last).toMatchObject({ level: 50 });
  return String(last!.msg);
}
