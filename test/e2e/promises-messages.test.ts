/**
 * Issue 10: the key never shows (7), output safe in a spreadsheet (8), set-up mistakes said as
 * such (10), and messages a person can act on (19-21, 24). The real CLI as a child process,
 * against the simulator or a tiny hostile server on 127.0.0.1.
 */
import { afterAll, afterEach, describe, expect, test } from '@jest/globals';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expectNoStackTrace, jsonLines, oneError, runCli, said } from '../helpers/cli.js';
import { cleanTempDirs, readHeader, readResults, tempDir } from '../helpers/files.js';
import { closeSimulators, invitationRequests, KEY, sendEnv, simulator, usersCsv } from '../helpers/sim.js';

const servers: Server[] = [];
afterEach(async () => {
  await closeSimulators();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});
afterAll(cleanTempDirs);

/** A server that answers every request with `answer(method, api-key header)`; returns its base URL. */
async function hostile(answer: (method: string, key: string) => { status: number; body: string; type?: string }): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const { status, body, type } = answer(req.method ?? '', String(req.headers['api-key']));
      res.writeHead(status, { 'content-type': type ?? 'application/json', 'x-sib-ratelimit-limit': '100', 'x-sib-ratelimit-remaining': '90', 'x-sib-ratelimit-reset': '600' });
      res.end(body);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3`;
}

/** A port on 127.0.0.1 on which nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('7. the key never shows, even when the server echoes it', () => {
  test('invitations refused with the key in the message: not in the results, the summary, --summary-json or trace logs', async () => {
    const sim = await simulator({ faultPlan: (n) => (n % 2 === 0 ? 'echo_key' : undefined) });
    const dir = tempDir();
    const summary = join(dir, 'summary.json');
    const results = join(dir, 'users.results.csv');
    const run = await runCli(['send', usersCsv(dir, 6), '--log-level', 'trace', '--summary-json', summary], { env: sendEnv(sim) });
    expect(run.code).toBe(1);
    const rows = readResults(results);
    expect(rows.filter((r) => r.status === 'failed')).toHaveLength(3);
    expect(rows.filter((r) => r.status === 'failed').every((r) => r.error_message === 'Request refused: headers were api-key=[redacted]')).toBe(true);
    expect(said(run)).toContain('api-key=[redacted]'); // the echo reached the summary and the logs: scrubbed
    const doc = readFileSync(summary, 'utf8');
    expect(JSON.parse(doc).first_rows).toHaveLength(3);
    for (const text of [run.stdout, run.stderr, readFileSync(results, 'utf8'), doc]) expect(text).not.toContain(KEY);
  });

  test.each([
    ['a JSON error', { status: 503, body: (key: string) => JSON.stringify({ code: 'internal_error', message: `upstream refused api-key: ${key}` }) }, 'HTTP 503: upstream refused api-key: [redacted]'],
    ['a proxy page', { status: 502, type: 'text/html', body: (key: string) => `<html><head><title>Bad Gateway (api-key: ${key})</title></head><body>${key}</body></html>` }, 'HTTP 502: an HTML page: "Bad Gateway (api-key: [redacted])"'],
  ])('a list call answered with %s that echoes the key: not in stop_detail, next_step, the summary or trace logs', async (_, answer, detail) => {
    const url = await hostile((_method, key) => ({ ...answer, body: answer.body(key) }));
    const dir = tempDir();
    const summary = join(dir, 'summary.json');
    const results = join(dir, 'users.results.csv');
    const run = await runCli(['send', usersCsv(dir, 3), '--max-retries', '1', '--log-level', 'trace', '--summary-json', summary], { env: { BREVO_API_KEY: KEY, BREVO_BASE_URL: url } });
    expect(run.code).toBe(75);
    const doc = JSON.parse(readFileSync(summary, 'utf8')) as { stop_detail: string; next_step: string };
    expect(doc.stop_detail).toBe(detail);
    expect(doc.next_step).toContain(detail);
    expect(said(run)).toContain(detail);
    for (const text of [run.stdout, run.stderr, readFileSync(results, 'utf8'), readFileSync(summary, 'utf8')]) expect(text).not.toContain(KEY);
  });
});

describe('8. input column names that look like formulas', () => {
  test('are escaped in the results header, by validate and by send, and read back by --resume', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const input = join(dir, 'team.csv');
    writeFileSync(input, 'email,privileges,"=HYPERLINK(""http://x"",""y"")",@SUM(A1),-2+3,+1\nann@example.com,contacts:view,a,b,c,d\n');
    const dry = join(dir, 'dry.csv');
    expect((await runCli(['validate', input, '-o', dry])).code).toBe(0);
    const escaped = [`'=HYPERLINK("http://x","y")`, "'@SUM(A1)", "'-2+3", "'+1"];
    expect(readHeader(dry).slice(13)).toEqual(escaped);
    expect((await runCli(['send', input], { env: sendEnv(sim) })).code).toBe(0);
    const results = join(dir, 'team.results.csv');
    expect(readHeader(results).slice(13)).toEqual(escaped);
    expect((await runCli(['send', input, '--resume'], { env: sendEnv(sim) })).code).toBe(0);
    expect(readHeader(results).slice(13)).toEqual(escaped);
    expect(readResults(results)[0]).toMatchObject({ status: 'invited', "'@SUM(A1)": 'b' });
  });
});

describe('10. a set-up mistake is exit 2, one sentence, nothing sent', () => {
  /** The one error line of a run that stopped on a set-up mistake (info and warning lines may come before it). */
  const theError = (stderr: string) => {
    const errors = jsonLines(stderr).filter((l) => (l.level as number) >= 50);
    expect(errors).toHaveLength(1);
    return String(errors[0]!.msg);
  };
  const noOpenSsl = (text: string) => expect(text).not.toMatch(/SSL routines|wrong version number|ERR_SSL|openssl|EPROTO|ECONNREFUSED/i);

  test('a connection refused (nothing listens at --base-url)', async () => {
    const dir = tempDir();
    const port = await closedPort();
    const run = await runCli(['send', usersCsv(dir, 2), '--base-url', `http://127.0.0.1:${port}/v3`], { env: { BREVO_API_KEY: KEY } });
    expect(run.code).toBe(2);
    expect(theError(run.stderr)).toBe(`cannot connect to http://127.0.0.1:${port}: the connection was refused, so nothing listens there. Check --base-url (or BREVO_BASE_URL); nothing was sent`);
    noOpenSsl(run.stderr);
  });

  test('Brevo refusing the list call with its own JSON error (a 400): exit 2 with its message, not "try again later"; a proxy\'s HTML 400 stays unclear (75)', async () => {
    const dir = tempDir();
    const refusing = await hostile(() => ({ status: 400, body: JSON.stringify({ code: 'invalid_parameter', message: 'Organization not found for this key' }) }));
    const run = await runCli(['send', usersCsv(dir, 2), '--base-url', refusing], { env: { BREVO_API_KEY: KEY } });
    expect(run.code).toBe(2);
    expect(theError(run.stderr)).toBe('Brevo refused the list of users (HTTP 400: Organization not found for this key): check the key\'s account and --base-url; nothing was sent');
    const proxy = await hostile(() => ({ status: 400, body: '<html><body>Bad Request</body></html>', type: 'text/html' }));
    const again = await runCli(['send', usersCsv(tempDir(), 2), '--base-url', proxy], { env: { BREVO_API_KEY: KEY } });
    expect(again.code).toBe(75);
  });

  test('--base-url without /v3: a warning that it has no /v3, then the 404 said as a wrong URL', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const bare = sim.url.replace(/\/v3$/, '');
    const run = await runCli(['send', usersCsv(dir, 2), '--base-url', bare], { env: { BREVO_API_KEY: KEY } });
    expect(run.code).toBe(2);
    const warnings = jsonLines(run.stderr).filter((l) => l.level === 40);
    expect(warnings.map((l) => l.msg)).toEqual([`--base-url ${bare} does not end in /v3, as Brevo's does (https://api.brevo.com/v3): requests will likely answer 404`]);
    expect(theError(run.stderr)).toBe(`${bare}/organization/invited/users answered 404 (not found): --base-url is not Brevo's API (Brevo's ends in /v3: https://api.brevo.com/v3); nothing was sent`);
    expect(sim.requests.map((r) => [r.method, r.status])).toEqual([['GET', 404]]); // outside /v3: no list was served

  });

  test('https spoken to a plain-http port: a TLS mistake in words, no OpenSSL text', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const run = await runCli(['send', usersCsv(dir, 2), '--base-url', `https://127.0.0.1:${sim.port}/v3`], { env: { BREVO_API_KEY: KEY } });
    expect(run.code).toBe(2);
    expect(theError(run.stderr)).toBe(`cannot speak HTTPS with https://127.0.0.1:${sim.port}: the server there does not answer in TLS (is it a plain http:// port?). Check --base-url; nothing was sent`);
    noOpenSsl(run.stderr + run.stdout);
    expect(invitationRequests(sim)).toHaveLength(0);
  });

  test('a key file with two lines', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const keyFile = join(dir, 'key.txt');
    writeFileSync(keyFile, `${KEY}\nsecond-key-for-the-other-account\n`);
    const run = await runCli(['send', usersCsv(dir, 2), '--api-key-file', keyFile], { env: { BREVO_BASE_URL: sim.url } });
    expect(run.code).toBe(2);
    expect(oneError(run)).toBe(`the API key file ${keyFile} has more than one line: it must hold the key alone, on one line`);
    expect(run.stderr + run.stdout).not.toContain(KEY);
    expect(sim.requests).toHaveLength(0);
  });

  test('a run that sent nothing (the list failing with 503s: exit 75, rows deferred) does not block the corrected run', async () => {
    const broken = await simulator({ faultsOnList: true, failRate: 1, faults: ['http_503'] });
    const sim = await simulator();
    const dir = tempDir();
    const input = usersCsv(dir, 3);
    const results = join(dir, 'users.results.csv');
    const first = await runCli(['send', input, '--max-retries', '1'], { env: sendEnv(broken) });
    expect(first.code).toBe(75);
    expect(readResults(results).map((r) => r.status)).toEqual(['deferred', 'deferred', 'deferred']);
    const fixed = await runCli(['send', input], { env: sendEnv(sim) });
    expectNoStackTrace(fixed.stderr);
    expect(fixed.code).toBe(0);
    expect(readResults(results).map((r) => r.status)).toEqual(['invited', 'invited', 'invited']);
  });
});

describe('19-21, 24. messages a person can act on', () => {
  test('--limit: stopped_for "limit", and the next step names --limit, not the budget', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const summary = join(dir, 'summary.json');
    const run = await runCli(['send', usersCsv(dir, 5), '--limit', '2', '--summary-json', summary], { env: sendEnv(sim) });
    expect(run.code).toBe(75);
    const doc = JSON.parse(readFileSync(summary, 'utf8')) as { stopped_for: string; next_step: string };
    expect(doc.stopped_for).toBe('limit');
    expect(doc.next_step).toContain('--limit was reached');
    for (const text of [doc.next_step, said(run)]) expect(text).not.toMatch(/budget ran out/);
    expect(said(run)).toContain('3 rows were deferred because --limit was reached for this run');
  });

  test('a row failed for a reason that can pass says --resume tries it again, after "1 attempt" (not "1 attempts")', async () => {
    let down = true;
    const sim = await simulator({ faultPlan: (_n, email) => (down && email === 'user2@example.com' ? 'http_503' : undefined) });
    const dir = tempDir();
    const summary = join(dir, 'summary.json');
    const run = await runCli(['send', usersCsv(dir, 3), '--max-retries', '0', '--timeout', '500', '--settle-grace', '0s', '--summary-json', summary], { env: sendEnv(sim) });
    expect(run.code).toBe(1);
    const failed = readResults(join(dir, 'users.results.csv'))[1]!;
    expect(failed).toMatchObject({ status: 'failed', error_code: 'http_503', http_status: '503', attempts: '1' });
    expect(failed.error_message).toBe('Brevo answered HTTP 503, and did not process it (gave up after 1 attempt; brevo-invite --resume tries it again)');
    expect(said(run)).toMatch(/can pass .* are tried again by: brevo-invite send \S+ .*--resume/);
    expect(run.stdout + run.stderr + readFileSync(summary, 'utf8')).not.toContain('1 attempts');
    expect(JSON.parse(readFileSync(summary, 'utf8')).resume_command).toMatch(/--resume$/);
    // and it does: the next --resume sends it again (the 503 has passed)
    down = false;
    const again = await runCli(['send', join(dir, 'users.csv'), '--resume'], { env: sendEnv(sim) });
    expect(again.code).toBe(0);
    expect(invitationRequests(sim).map((r) => r.email)).toEqual(['user1@example.com', 'user2@example.com', 'user3@example.com', 'user2@example.com']);
  });

  test.each([
    ['missing', (dir: string) => join(dir, 'nope.txt'), 'there is no such file'],
    ['a folder', (dir: string) => (mkdirSync(join(dir, 'keys')), join(dir, 'keys')), 'it is a folder, not a file'],
  ])('--api-key-file %s: a plain sentence, no ENOENT/EISDIR', async (_, path, words) => {
    const sim = await simulator();
    const dir = tempDir();
    const keyFile = path(dir);
    const run = await runCli(['send', usersCsv(dir, 1), '--api-key-file', keyFile], { env: { BREVO_BASE_URL: sim.url } });
    expect(run.code).toBe(2);
    expect(oneError(run)).toBe(`cannot read the API key file ${keyFile}: ${words}`);
    expect(run.stderr).not.toMatch(/ENOENT|EISDIR|errno|syscall/);
    expect(sim.requests).toHaveLength(0);
  });

  test.each([
    ['missing', (dir: string) => join(dir, 'nope.json'), (path: string) => `cannot find the file ${path} given to --roles: check the path`],
    ['a folder', (dir: string) => dir, (path: string) => `${path} is a folder, not a roles file: give the path of the file itself`],
  ])('--roles %s: a plain sentence, no ENOENT/EISDIR', async (_, path, message) => {
    const dir = tempDir();
    const roles = path(dir);
    const run = await runCli(['validate', usersCsv(dir, 1), '--roles', roles]);
    expect(run.code).toBe(2);
    expect(oneError(run)).toBe(message(roles));
    expect(run.stderr).not.toMatch(/ENOENT|EISDIR|errno|syscall/);
  });

  test('brevo-invite with no arguments: the help on stderr, exit 1', async () => {
    const run = await runCli([]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('Usage: brevo-invite');
    expect(run.stderr).toContain('send [options] <file>');
  });
});
