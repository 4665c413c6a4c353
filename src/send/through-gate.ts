/**
 * One request through the gate (acquire, call, release, count), and the invited-users list call,
 * which is also how a run proves its key and finds a set-up mistake before it sends anything.
 */
import { describeError } from '../errors.js';
import type { ActionName } from '../types.js';
import type { Clock } from '../clock.js';
import type { Answer, RateHeaders } from './client.js';
import { errorFields } from './classify.js';
import type { RunControl } from './control.js';
import { GateClosed, WindowTooFar, type Gate } from './gate.js';
import { backoffMs, type RetryPolicy } from './retry.js';
import { parseUsers, type UserState } from './users.js';

/** A request in short, for the debug log: one line per request, with its duration. */
export interface RequestInfo {
  action: ActionName | 'list';
  email?: string | undefined;
  status?: number | undefined;
  error?: string | undefined;
  durationMs?: number | undefined;
}

interface GateDeps {
  api: { listUsers(): Promise<Answer> };
  gate: Gate;
  clock: Clock;
  random: () => number;
  policy: RetryPolicy;
  onRequest?: ((info: RequestInfo) => void) | undefined;
  /** Told before the users list is asked for again, with why (for a warn line). */
  onListRetry?: ((why: string, delayMs: number) => void) | undefined;
}

/**
 * One request through the gate. Returns undefined when the gate will not let it start (the run is
 * stopping, or the window is too far: the run is then stopped). If `call` throws before it sends
 * (the journal could not be written), nothing was sent: the gate is released and the error goes on.
 */
export async function throughGate(deps: GateDeps, control: RunControl, what: Omit<RequestInfo, 'status' | 'error' | 'durationMs'>, call: () => Promise<Answer>): Promise<Answer | undefined> {
  try {
    await deps.gate.acquire();
  } catch (err) {
    if (err instanceof WindowTooFar) control.stop('budget', { resetAt: err.resetAt });
    else if (!(err instanceof GateClosed)) throw err;
    return undefined;
  }
  let pending: Promise<Answer>;
  try {
    pending = call();
  } catch (err) {
    // Nothing was sent (the journal could not be written): the run stops before it sends blind.
    deps.gate.release(undefined, undefined);
    control.stop('disk', { detail: `the journal could not be written, so no request was sent without it: ${describeError(err)}` });
    return undefined;
  }
  control.totals.requests++;
  const answer = await pending;
  const status = answer.kind === 'response' ? answer.status : undefined;
  const rate: RateHeaders | undefined = answer.kind === 'response' ? answer.rate : undefined;
  deps.gate.release(rate, status);
  if (status === 429) control.totals.rateLimited++;
  deps.onRequest?.({ ...what, status, error: answer.kind === 'error' ? answer.code : undefined, durationMs: answer.durationMs });
  return answer;
}

/** A mistake in the set-up, found by the first list call: exit 2, not "try again later". */
export type SetupProblem = 'refused' | 'no_such_host' | 'not_found' | 'tls' | 'certificate' | 'not_a_list' | 'list_refused';

export type ListResult =
  | { ok: true; users: Map<string, UserState> }
  /** The run stopped (a refused key, a signal, the budget): `control.stoppedFor` says why. */
  | { ok: false; problem: 'stopped' }
  | { ok: false; problem: 'setup'; setup: SetupProblem; detail: string }
  | { ok: false; problem: 'unavailable'; detail: string };

const TLS_CODE = /^(ERR_SSL_|ERR_TLS_|EPROTO$)/;
const CERT_CODE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;

/** A connection error that will not go away by waiting: the URL or the server is wrong. */
function setupError(answer: Answer & { kind: 'error' }): SetupProblem | undefined {
  if (answer.code === 'ECONNREFUSED') return 'refused';
  if (answer.code === 'ENOTFOUND') return 'no_such_host';
  if (CERT_CODE.test(answer.code)) return 'certificate';
  if (TLS_CODE.test(answer.code) || /wrong version number|SSL routines|packet length too long/i.test(answer.message)) return 'tls';
  return undefined;
}

/**
 * The invited-users list, with retries (a GET is safe to repeat). Stops the run on 401/403. The
 * first call of a run (`firstCall`) also tells set-up mistakes from an outage: a refused
 * connection, an unknown host, a 404, TLS spoken to a plain-http port.
 */
export async function fetchUsers(deps: GateDeps, control: RunControl, { firstCall }: { firstCall: boolean }): Promise<ListResult> {
  for (let retries = 0; ; ) {
    const answer = await throughGate(deps, control, { action: 'list' }, () => deps.api.listUsers());
    if (answer === undefined) return { ok: false, problem: 'stopped' };
    let detail: string;
    if (answer.kind === 'response') {
      const { status, body } = answer;
      if (status === 401) return (control.stop('auth', { detail: `HTTP 401: ${errorFields(body, status).message}` }), { ok: false, problem: 'stopped' });
      if (status === 403) return (control.stop('permission', { detail: `HTTP 403: ${errorFields(body, status).message}` }), { ok: false, problem: 'stopped' });
      if (status === 429) continue;
      if (status >= 200 && status < 300) {
        // A 2xx that is not a users list (a wrong base URL, a proxy page) will not improve by asking again.
        const users = parseUsers(body);
        if (users === undefined) {
          const why = `HTTP ${status}, but the answer is not a list of users`;
          return firstCall ? { ok: false, problem: 'setup', setup: 'not_a_list', detail: why } : { ok: false, problem: 'unavailable', detail: why };
        }
        // Every account lists at least its owner: an empty list is a glitch (or not Brevo), and
        // believing it would invite everyone again. It is asked again, like a 5xx.
        if (users.size > 0) return { ok: true, users };
        detail = 'the users list came back empty, though every Brevo account lists at least its owner: not trusted';
      } else {
        detail = `HTTP ${status}: ${errorFields(body, status).message}`;
        if (status === 404 && firstCall) return { ok: false, problem: 'setup', setup: 'not_found', detail };
        // Brevo's own refusal (a JSON error) of the list will not pass by waiting; a proxy's page might.
        const brevos = typeof body === 'object' && body !== null && !Array.isArray(body);
        if (status < 500 && brevos && firstCall) return { ok: false, problem: 'setup', setup: 'list_refused', detail };
        if (status < 500) return { ok: false, problem: 'unavailable', detail };
      }
    } else {
      const setup = firstCall ? setupError(answer) : undefined;
      if (setup !== undefined) return { ok: false, problem: 'setup', setup, detail: `${answer.message} (${answer.code})` };
      detail = answer.code === 'timeout' ? 'no answer within --timeout' : `${answer.message} (${answer.code})`;
    }
    if (retries >= deps.policy.maxRetries) return { ok: false, problem: 'unavailable', detail };
    const delayMs = backoffMs(retries++, deps.policy, deps.random);
    deps.onListRetry?.(detail, delayMs);
    await deps.clock.sleep(delayMs, control.signal);
    if (control.stoppedFor !== undefined) return { ok: false, problem: 'stopped' };
  }
}
