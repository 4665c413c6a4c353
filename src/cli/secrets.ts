/** The API key and the base URL: where they may come from, and what is refused before any network. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { configError, usageError } from '../errors.js';
import { API_KEY_ENV, type Env } from './options.js';

export function loadApiKey(keyFile: string | undefined, env: Env, cwd: string): string {
  if (keyFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(resolve(cwd, keyFile), 'utf8');
    } catch (err) {
      throw configError(`cannot read the API key file ${keyFile}: ${fileProblem(err)}`);
    }
    const key = text.replace(/^\uFEFF/, '').trim();
    if (key === '') throw configError(`the API key file ${keyFile} is empty: put the key in it, on one line`);
    // A key is one line: a second one is a mistake (two keys, a note), and sending it would fail or leak it.
    if (/[\r\n]/.test(key)) throw configError(`the API key file ${keyFile} has more than one line: it must hold the key alone, on one line`);
    return key;
  }
  const key = env[API_KEY_ENV]?.trim();
  if (key === undefined || key === '') {
    throw usageError(
      `no API key: set ${API_KEY_ENV} (in the environment, or in a .env file in this folder), or pass --api-key-file FILE. To try the tool without a key, run: brevo-invite demo`,
    );
  }
  return key;
}

/** A file that cannot be read, in words (not ENOENT / EISDIR). */
function fileProblem(err: unknown): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'there is no such file';
    case 'EISDIR':
      return 'it is a folder, not a file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied (it must be readable by the user running the tool)';
    default:
      return (err as Error).message;
  }
}

/** Brevo's base URL ends in /v3: without it every call answers 404. */
export function baseUrlWarning(baseUrl: string): string | undefined {
  return /\/v3\/?$/.test(new URL(baseUrl).pathname) ? undefined : `--base-url ${baseUrl} does not end in /v3, as Brevo's does (https://api.brevo.com/v3): requests will likely answer 404`;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** The base URL must be https; plain http only to this machine (the simulator). */
export function checkBaseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw configError(`the base URL "${text}" is not a URL (expected e.g. https://api.brevo.com/v3)`);
  }
  if (url.protocol === 'https:') return url.toString().replace(/\/+$/, '');
  if (url.protocol === 'http:' && LOOPBACK.test(url.hostname)) return url.toString().replace(/\/+$/, '');
  if (url.protocol === 'http:') {
    throw configError(`refusing plain http to ${url.hostname}: the API key would cross the network unencrypted. Use https (http is allowed only for 127.0.0.1 / localhost)`);
  }
  throw configError(`the base URL must start with https:// (got ${url.protocol}//)`);
}
