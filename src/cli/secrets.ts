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
      throw configError(`cannot read the API key file ${keyFile}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
    const key = text.trim();
    if (key === '') throw configError(`the API key file ${keyFile} is empty`);
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
