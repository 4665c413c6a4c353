/**
 * A local stand-in for Brevo's organization endpoints, on 127.0.0.1, with the same contract: the
 * api-key check, bodies checked against the catalog, the users list, invite, update, resend,
 * cancel and revoke (account.ts), `x-sib-ratelimit-*` headers on every answer with a real fixed
 * window, 429 past it, 404 outside `/v3` (as Brevo answers), and injectable faults. It records
 * every request, so tests (and people rehearsing a batch) can see exactly what reached it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Account, type Removal, type Reply, type SimUser } from './account.js';
import { DEFAULT_FAULTS, faultPicker, type Fault } from './faults.js';
import { seededRandom } from './random.js';
import { FixedWindow, type RateLimit } from './window.js';

export { checkInvitation } from './account.js';

/** The account's owner when `existing` names none. */
export const DEFAULT_OWNER = 'account-owner@simulator.example';

export type SimAction = 'invite' | 'update' | 'resend' | 'cancel' | 'revoke';

export interface SimulatorOptions {
  port?: number;
  /** null or undefined: no limit (headers still sent). */
  rateLimit?: RateLimit | null | undefined;
  /** How the reset header is rounded to whole seconds. */
  resetRounding?: 'ceil' | 'floor';
  /** The reset header runs late: it announces the reset this many ms before the window really resets. */
  resetRunsLateMs?: number;
  latencyMs?: number;
  failRate?: number;
  faults?: readonly Fault[];
  /** How late a `slow` answer comes (and how long `late_record` holds a request). */
  slowMs?: number;
  seed?: number;
  /** The only key accepted; when undefined, any non-empty key is. */
  apiKey?: string | undefined;
  /** People already in the account. */
  existing?: ReadonlyArray<Partial<SimUser> & { email: string; status: 'active' | 'pending' }>;
  /** Overrides the random faults: the fault of the n-th request that changes the account (1-based). */
  faultPlan?: (n: number, email: string, action: SimAction) => Fault | undefined;
  /** Also inject faults into the users list call. */
  faultsOnList?: boolean;
  /** Features the account's plan does not include: requests asking for them are refused (400). */
  planLacks?: readonly string[];
  /** Accept an invitation for someone already in the account (and count it): to count double invitations. */
  acceptDuplicates?: boolean;
  onRequest?: (record: RequestRecord) => void;
}

export interface RequestRecord {
  n: number;
  method: string;
  path: string;
  at: number;
  action?: SimAction | 'list' | undefined;
  email?: string | undefined;
  status?: number | undefined;
  fault?: Fault | undefined;
  /** True when an invitation was recorded (a user was added), whatever the client saw. */
  accepted?: boolean;
}

export interface Simulator {
  url: string;
  port: number;
  /** Every request, in arrival order. */
  requests: RequestRecord[];
  users: Map<string, SimUser>;
  removals: Removal[];
  /** How many invitations each address received (more than 1 = invited twice). */
  invitations(): Map<string, number>;
  maxConcurrent(): number;
  /** Another client with the same key spends `n` requests of the current window (the budget is shared). */
  spend(n: number): void;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Which endpoint a request is for, with the email of a path like `/invitation/revoke/{email}`. */
function route(method: string, path: string): { action: SimAction | 'list'; email?: string } | undefined {
  if (method === 'GET' && path === '/organization/invited/users') return { action: 'list' };
  if (method === 'POST' && path === '/organization/user/invitation/send') return { action: 'invite' };
  if (method === 'POST' && path === '/organization/user/update/permissions') return { action: 'update' };
  const m = /^\/organization\/user\/invitation\/(resend|cancel|revoke)\/([^/]+)$/.exec(path);
  if (method === 'PUT' && m !== null) return { action: m[1] as SimAction, email: decodeURIComponent(m[2]!) };
  return undefined;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const window = new FixedWindow(options.rateLimit ?? null, options.resetRounding, options.resetRunsLateMs);
  const random = seededRandom(options.seed ?? 1);
  const pickFault = faultPicker(options.failRate ?? 0, options.faults ?? DEFAULT_FAULTS, random);
  const account = new Account({ planLacks: options.planLacks, acceptDuplicates: options.acceptDuplicates });
  for (const u of options.existing ?? []) account.add({ isOwner: false, allFeaturesAccess: false, privileges: [], ...u });
  // Every Brevo account has an owner, and the users list always shows it.
  if (![...account.users.values()].some((u) => u.isOwner)) account.add({ email: DEFAULT_OWNER, status: 'active', isOwner: true, allFeaturesAccess: true, privileges: [] });
  const requests: RequestRecord[] = [];
  const sockets = new Set<Socket>();
  let open = 0;
  let maxOpen = 0;
  let changes = 0;

  /** Does what the request asks of the account. */
  function apply(action: SimAction, email: string | undefined, body: unknown, record: RequestRecord): Reply {
    if (action === 'invite') {
      const r = account.invite(body);
      record.accepted = r.accepted;
      return r;
    }
    if (action === 'update') return account.update(body);
    return account.change(action, email ?? '', Date.now());
  }

  /** Processes the request and answers, but the users list shows the change only --slow later. */
  function answerFirst(action: SimAction, email: string | undefined, body: unknown, record: RequestRecord, res: ServerResponse, headers: Record<string, string>): void {
    const key = record.email ?? '';
    const put = (user: SimUser | undefined) => (user === undefined ? account.users.delete(key) : account.users.set(key, user));
    const before = account.users.get(key);
    const reply = apply(action, email, body, record);
    const after = account.users.get(key);
    put(before);
    setTimeout(() => put(after), options.slowMs ?? 5000).unref();
    send(res, reply.status, headers, reply.body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, record: RequestRecord): Promise<void> {
    const url = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'GET' && url === '/__simulator/state') {
      return send(res, 200, {}, { requests, users: [...account.users.values()], removals: account.removals, invitations: Object.fromEntries(invitationCounts()), maxConcurrent: maxOpen });
    }
    const text = await readBody(req);
    if ((options.latencyMs ?? 0) > 0) await sleep(options.latencyMs!);
    const key = req.headers['api-key'];
    const keyOk = typeof key === 'string' && key !== '' && (options.apiKey === undefined || key === options.apiKey);
    const verdict = window.admit(Date.now());
    const path = url.startsWith('/v3/') ? url.slice(3) : undefined;
    const found = path === undefined ? undefined : route(req.method ?? '', path);
    if (found === undefined) return send(res, 404, verdict.headers, { code: 'not_found', message: `No route ${req.method} ${url}` });
    if (!keyOk) return send(res, 401, verdict.headers, { code: 'unauthorized', message: 'Key not found' });
    if (!verdict.allowed) return send(res, 429, verdict.headers, { code: 'too_many_requests', message: 'The expected rate limit is reached' });
    record.action = found.action;

    if (found.action === 'list') {
      const fault = options.faultsOnList === true ? pickFault() : undefined;
      record.fault = fault;
      if (fault === 'http_500' || fault === 'http_503') return send(res, fault === 'http_500' ? 500 : 503, verdict.headers, { code: 'internal_error', message: 'Simulated server error' });
      if (fault === 'reset_before' || fault === 'reset_after') return void req.socket.destroy();
      if (fault === 'empty_list') return send(res, 200, verdict.headers, { users: [] });
      const list = account.list();
      return send(res, list.status, verdict.headers, list.body);
    }

    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      return send(res, 400, verdict.headers, { code: 'bad_request', message: 'Body is not valid JSON' });
    }
    const email = found.email ?? (typeof (body as { email?: unknown })?.email === 'string' ? (body as { email: string }).email : undefined);
    record.email = email?.toLowerCase();
    const n = ++changes;
    const fault = options.faultPlan !== undefined ? options.faultPlan(n, record.email ?? '', found.action) : pickFault();
    record.fault = fault;
    if (fault === 'http_500' || fault === 'http_503') return send(res, fault === 'http_500' ? 500 : 503, verdict.headers, { code: 'internal_error', message: 'Simulated server error' });
    if (fault === 'reset_before') return void req.socket.destroy();
    if (fault === 'hang') return void (await new Promise((resolve) => req.socket.once('close', resolve)));
    if (fault === 'echo_key') return send(res, 400, verdict.headers, { code: 'invalid_parameter', message: `Request refused: headers were api-key=${String(key)}` });
    if (fault === 'echo_key_escaped') {
      res.writeHead(400, { 'content-type': 'application/json', ...verdict.headers });
      return void res.end(`{"code":"invalid_parameter","message":"key \\u00${String(key).charCodeAt(0).toString(16)}${String(key).slice(1)} may not do this"}`);
    }
    if (fault === 'html_404' || fault === 'html_200') {
      res.writeHead(fault === 'html_404' ? 404 : 200, { 'content-type': 'text/html' });
      return void res.end(`<html><head><title>${fault === 'html_404' ? '404 Not Found' : 'Session expired'}</title></head><body></body></html>`);
    }
    if (fault === 'answer_first') return answerFirst(found.action, found.email, body, record, res, verdict.headers);
    if (fault === 'late_record') await sleep(options.slowMs ?? 5000);
    const reply = apply(found.action, found.email, body, record);
    if (fault === 'reset_after') return void req.socket.destroy();
    if (fault === 'done_404') return send(res, 404, verdict.headers, { code: 'document_not_found', message: 'User not found' });
    if (fault === 'gateway_502') {
      res.writeHead(502, { 'content-type': 'text/html' });
      return void res.end('<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>');
    }
    if (fault === 'slow') await sleep(options.slowMs ?? 5000);
    return send(res, reply.status, verdict.headers, reply.body);
  }

  function invitationCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of requests) if (r.accepted === true && r.email !== undefined) counts.set(r.email, (counts.get(r.email) ?? 0) + 1);
    return counts;
  }

  const server = createServer((req, res) => {
    const record: RequestRecord = { n: requests.length + 1, method: req.method ?? '', path: req.url ?? '', at: Date.now() };
    if (record.path !== '/__simulator/state') requests.push(record);
    open++;
    maxOpen = Math.max(maxOpen, open);
    let counted = true;
    const done = () => {
      if (counted) open--;
      counted = false;
    };
    res.on('close', done);
    res.on('finish', () => {
      record.status = res.statusCode;
      options.onRequest?.(record);
    });
    handle(req, res, record).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, {}, { code: 'internal_error', message: String(err) });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v3`,
    port,
    requests,
    users: account.users,
    removals: account.removals,
    invitations: invitationCounts,
    maxConcurrent: () => maxOpen,
    spend: (n) => window.spend(Date.now(), n),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
