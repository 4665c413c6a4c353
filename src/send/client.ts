/**
 * The Brevo API client, on undici: the users list, and the requests of the action table
 * (actions.ts). The dispatcher comes in from outside (a keep-alive Pool sized to the concurrency
 * in production, MockAgent in unit tests). Every call returns an Answer and never throws: what an
 * answer means is decided by classify.ts.
 *
 * Whatever the server sends back is scrubbed of the API key before anything else sees it: a
 * server or a proxy that echoes the request (headers and all) into an error page must not put
 * the key into the results file, the summary or a log.
 */
import { Pool, request, type Dispatcher } from 'undici';
import type { Invitation } from '../types.js';
import { scrub } from '../redact.js';

export interface RateHeaders {
  limit?: number | undefined;
  remaining?: number | undefined;
  /** Seconds until the window resets (relative, as Brevo sends it). */
  resetSeconds?: number | undefined;
  /** A standard `Retry-After` (seconds, or an HTTP date made relative): Brevo does not send it, a proxy may. */
  retryAfterSeconds?: number | undefined;
}

export type Answer =
  | { kind: 'response'; status: number; rate: RateHeaders; body: unknown; durationMs?: number | undefined }
  | {
      kind: 'error';
      /** `before-send`: the request provably never reached the server (e.g. connection refused). */
      phase: 'before-send' | 'unknown';
      code: string;
      message: string;
      durationMs?: number | undefined;
    };

/** One request of the action table: method, path under the base URL, and JSON body. */
export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body?: unknown;
}

export interface ClientOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  dispatcher: Dispatcher;
}

/** Errors raised before any byte of the request left: safe to send again. */
const BEFORE_SEND = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'UND_ERR_ABORTED', 'ABORT_ERR']);

function header(headers: Record<string, string | string[] | undefined>, name: string): number | undefined {
  const raw = headers[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function retryAfter(headers: Record<string, string | string[] | undefined>, now: number): number | undefined {
  const seconds = header(headers, 'retry-after');
  if (seconds !== undefined) return Math.max(0, seconds);
  const raw = headers['retry-after'];
  const date = Date.parse(Array.isArray(raw) ? (raw[0] ?? '') : (raw ?? ''));
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

/** Longer than any rate-limit window of Brevo's: a reset announced further away is not believed. */
export const LONGEST_RESET_S = 86_400;

/**
 * Seconds until the window resets. Brevo sends seconds from now; some gateways send the moment
 * itself (a Unix time in seconds or milliseconds), read as such when it lies within a day ahead.
 * Anything else that far off (or negative) is not believed: one bad header must not stop every
 * later run until a date decades away.
 */
function resetSeconds(value: number | undefined, now: number): number | undefined {
  if (value === undefined || value < 0) return undefined;
  if (value <= LONGEST_RESET_S) return value;
  const at = value >= 1e12 ? value : value >= 1e9 ? value * 1000 : NaN;
  const seconds = (at - now) / 1000;
  return seconds >= 0 && seconds <= LONGEST_RESET_S ? seconds : undefined;
}

export function rateHeaders(headers: Record<string, string | string[] | undefined>, now: number = Date.now()): RateHeaders {
  const retry = retryAfter(headers, now);
  return {
    limit: header(headers, 'x-sib-ratelimit-limit'),
    remaining: header(headers, 'x-sib-ratelimit-remaining'),
    resetSeconds: resetSeconds(header(headers, 'x-sib-ratelimit-reset'), now),
    retryAfterSeconds: retry !== undefined && retry <= LONGEST_RESET_S ? retry : undefined,
  };
}

/** The request body, exactly as the OpenAPI `inviteuser` schema wants it. */
export function invitationBody(invitation: Invitation) {
  return {
    email: invitation.email,
    all_features_access: invitation.allFeaturesAccess,
    privileges: invitation.allFeaturesAccess ? [] : invitation.privileges.map((p) => ({ feature: p.feature, permissions: [...p.permissions] })),
  };
}

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
}

/**
 * The error's code, looking through undici's wrappers to the socket error underneath. Duck-typed:
 * errors from Node's internals (the DOMException of an aborted signal) may come from another realm.
 */
function errorCode(err: unknown): string {
  const top = (err ?? {}) as ErrorLike;
  if (top.name === 'TimeoutError' || top.name === 'AbortError') return 'timeout';
  let e: ErrorLike | undefined = top;
  for (let depth = 0; depth < 4 && e !== undefined; depth++) {
    if (typeof e.code === 'string' && e.code !== 'UND_ERR_SOCKET') return e.code;
    e = typeof e.cause === 'object' && e.cause !== null ? (e.cause as ErrorLike) : undefined;
  }
  return typeof top.code === 'string' ? top.code : 'network';
}

export class BrevoClient {
  readonly #options: ClientOptions;
  readonly #base: string;

  constructor(options: ClientOptions) {
    this.#options = options;
    this.#base = options.baseUrl.replace(/\/+$/, '');
  }

  listUsers(): Promise<Answer> {
    return this.call({ method: 'GET', path: '/organization/invited/users' });
  }

  /** Removes the key from a text that came from outside. */
  #scrub(text: string): string {
    return scrub(text, [this.#options.apiKey]);
  }

  /** Removes the key from every string of a decoded JSON answer. */
  #scrubDeep(value: unknown): unknown {
    if (typeof value === 'string') return this.#scrub(value);
    if (Array.isArray(value)) return value.map((v) => this.#scrubDeep(v));
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.#scrub(k), this.#scrubDeep(v)]));
    return value;
  }

  async call({ method, path, body }: ApiRequest): Promise<Answer> {
    const { apiKey, timeoutMs, dispatcher } = this.#options;
    const started = performance.now();
    try {
      const res = await request(`${this.#base}${path}`, {
        method,
        dispatcher,
        headers: {
          accept: 'application/json',
          'api-key': apiKey,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        // undici's own timeouts tick in whole seconds; the signal keeps --timeout exact.
        signal: AbortSignal.timeout(timeoutMs),
      });
      const raw = await res.body.text();
      let parsed: unknown;
      try {
        // Scrubbed once decoded: a key echoed JSON-escaped (\u0078keysib-...) shows only then.
        parsed = raw === '' ? undefined : this.#scrubDeep(JSON.parse(raw));
      } catch {
        // Not JSON (a proxy's HTML error page, say): the text, scrubbed, for the message.
        parsed = this.#scrub(raw);
      }
      return { kind: 'response', status: res.statusCode, rate: rateHeaders(res.headers), body: parsed, durationMs: performance.now() - started };
    } catch (err) {
      const code = errorCode(err);
      return {
        kind: 'error',
        phase: BEFORE_SEND.has(code) ? 'before-send' : 'unknown',
        code: TIMEOUTS.has(code) ? 'timeout' : code,
        message: this.#scrub(typeof (err as ErrorLike)?.message === 'string' ? ((err as ErrorLike).message as string) : String(err)),
        durationMs: performance.now() - started,
      };
    }
  }
}

/** The production dispatcher: one keep-alive pool to Brevo, as many connections as senders. */
export function createPool(baseUrl: string, connections: number, timeoutMs: number): Pool {
  return new Pool(new URL(baseUrl).origin, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 10_000,
    connectTimeout: Math.min(timeoutMs, 10_000),
    headersTimeout: timeoutMs + 1000,
    bodyTimeout: timeoutMs + 1000,
  });
}
