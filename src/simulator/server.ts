/**
 * A local stand-in for Brevo's organization endpoints, on 127.0.0.1, with the same contract:
 * the api-key check, the body checked against the catalog, 400 for an address already invited,
 * the invited-users list, `x-sib-ratelimit-*` headers on every answer with a real fixed window,
 * 429 past it, and injectable faults. It records every request, so tests (and people rehearsing
 * a batch) can see exactly what reached it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { isFeature, permissionsOf } from '../catalog/catalog.js';
import { faultPicker, FAULTS, type Fault } from './faults.js';
import { seededRandom } from './random.js';
import { FixedWindow, type RateLimit } from './window.js';

export interface SimulatorOptions {
  port?: number;
  /** null or undefined: no limit (headers still sent). */
  rateLimit?: RateLimit | null | undefined;
  /** How the reset header is rounded to whole seconds. */
  resetRounding?: 'ceil' | 'floor';
  latencyMs?: number;
  failRate?: number;
  faults?: readonly Fault[];
  /** How late a `slow` answer comes. */
  slowMs?: number;
  seed?: number;
  /** The only key accepted; when undefined, any non-empty key is. */
  apiKey?: string | undefined;
  /** Users already in the account. */
  existing?: ReadonlyArray<{ email: string; status: 'active' | 'pending' }>;
  /** Overrides the random faults: the fault for the n-th invitation request (1-based). */
  faultPlan?: (n: number, email: string) => Fault | undefined;
  /** Also inject faults into the users list call. */
  faultsOnList?: boolean;
  /** Features the account's plan does not include: invitations asking for them are refused (400). */
  planLacks?: readonly string[];
  onRequest?: (record: RequestRecord) => void;
}

export interface RequestRecord {
  n: number;
  method: string;
  path: string;
  at: number;
  email?: string | undefined;
  status?: number | undefined;
  fault?: Fault | undefined;
  /** True when the invitation was accepted (a user was added), whatever the client saw. */
  accepted?: boolean;
}

interface User {
  email: string;
  status: 'active' | 'pending';
  isOwner: boolean;
  invoiceId?: string;
}

export interface Simulator {
  url: string;
  port: number;
  /** Every request, in arrival order. */
  requests: RequestRecord[];
  users: Map<string, User>;
  /** How many invitations each address received (more than 1 = invited twice). */
  invitations(): Map<string, number>;
  maxConcurrent(): number;
  close(): Promise<void>;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Checks an invitation body the way Brevo's schema and catalog do; returns the problem, if any. */
export function checkInvitation(body: unknown): { code: string; message: string } | undefined {
  if (typeof body !== 'object' || body === null) return { code: 'bad_request', message: 'Body must be a JSON object' };
  const b = body as Record<string, unknown>;
  for (const field of ['email', 'all_features_access', 'privileges']) {
    if (!(field in b)) return { code: 'missing_parameter', message: `${field} is missing` };
  }
  if (typeof b.email !== 'string' || !EMAIL.test(b.email)) return { code: 'invalid_parameter', message: 'email is not valid' };
  if (typeof b.all_features_access !== 'boolean') return { code: 'invalid_parameter', message: 'all_features_access must be a boolean' };
  if (!Array.isArray(b.privileges)) return { code: 'invalid_parameter', message: 'privileges must be an array' };
  for (const p of b.privileges as unknown[]) {
    const { feature, permissions } = (p ?? {}) as { feature?: unknown; permissions?: unknown };
    if (typeof feature !== 'string' || !isFeature(feature)) return { code: 'invalid_parameter', message: `Invalid feature: ${String(feature)}` };
    if (!Array.isArray(permissions) || permissions.length === 0) return { code: 'invalid_parameter', message: `permissions of ${feature} must be a non-empty array` };
    for (const perm of permissions) {
      if (!(permissionsOf(feature) as readonly unknown[]).includes(perm)) return { code: 'invalid_parameter', message: `Invalid permission ${String(perm)} for feature ${feature}` };
    }
  }
  if (b.all_features_access === false && b.privileges.length === 0) return { code: 'missing_parameter', message: 'privileges are required when all_features_access is false' };
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const window = new FixedWindow(options.rateLimit ?? null, options.resetRounding);
  const random = seededRandom(options.seed ?? 1);
  const pickFault = faultPicker(options.failRate ?? 0, options.faults ?? FAULTS, random);
  const users = new Map<string, User>();
  const requests: RequestRecord[] = [];
  const sockets = new Set<Socket>();
  let open = 0;
  let maxOpen = 0;
  let invites = 0;
  let invoices = 0;
  for (const u of options.existing ?? []) users.set(u.email.toLowerCase(), { email: u.email.toLowerCase(), status: u.status, isOwner: false });

  async function handle(req: IncomingMessage, res: ServerResponse, record: RequestRecord): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!.replace(/^\/v3(?=\/)/, '');
    if (req.method === 'GET' && path === '/__simulator/state') {
      return send(res, 200, {}, { requests, users: [...users.values()], invitations: Object.fromEntries(invitationCounts()), maxConcurrent: maxOpen });
    }
    const text = await readBody(req);
    if ((options.latencyMs ?? 0) > 0) await sleep(options.latencyMs!);

    const key = req.headers['api-key'];
    const keyOk = typeof key === 'string' && key !== '' && (options.apiKey === undefined || key === options.apiKey);
    const verdict = window.admit(Date.now());
    if (!keyOk) return send(res, 401, verdict.headers, { code: 'unauthorized', message: 'Key not found' });
    if (!verdict.allowed) return send(res, 429, verdict.headers, { code: 'too_many_requests', message: 'The expected rate limit is reached' });

    if (req.method === 'GET' && path === '/organization/invited/users') {
      const fault = options.faultsOnList === true ? pickFault() : undefined;
      record.fault = fault;
      if (fault === 'http_500' || fault === 'http_503') return send(res, fault === 'http_500' ? 500 : 503, verdict.headers, { code: 'internal_error', message: 'Simulated server error' });
      if (fault === 'reset_before' || fault === 'reset_after') return void req.socket.destroy();
      return send(res, 200, verdict.headers, {
        users: [...users.values()].map((u) => ({
          email: u.email,
          status: u.status,
          is_owner: u.isOwner,
          feature_access: { marketing: u.isOwner ? 'owner' : 'custom', conversations: 'none', crm: 'none' },
        })),
      });
    }

    if (req.method === 'POST' && path === '/organization/user/invitation/send') {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return send(res, 400, verdict.headers, { code: 'bad_request', message: 'Body is not valid JSON' });
      }
      const email = typeof (body as { email?: unknown }).email === 'string' ? ((body as { email: string }).email).toLowerCase() : undefined;
      record.email = email;
      const n = ++invites;
      const fault = options.faultPlan !== undefined ? options.faultPlan(n, email ?? '') : pickFault();
      record.fault = fault;
      if (fault === 'http_500' || fault === 'http_503') return send(res, fault === 'http_500' ? 500 : 503, verdict.headers, { code: 'internal_error', message: 'Simulated server error' });
      if (fault === 'reset_before') return void req.socket.destroy();

      const problem = checkInvitation(body);
      if (problem !== undefined) return send(res, 400, verdict.headers, problem);
      const lacking = ((body as { privileges: Array<{ feature: string }> }).privileges ?? []).find((p) => options.planLacks?.includes(p.feature));
      if (lacking !== undefined) {
        return send(res, 400, verdict.headers, { code: 'invalid_parameter', message: `The feature ${lacking.feature} is not available on your current plan` });
      }
      if (users.has(email!)) {
        return send(res, 400, verdict.headers, { code: 'invalid_parameter', message: 'User already exists in the organization' });
      }
      const invoiceId = `INV-${String(++invoices).padStart(6, '0')}`;
      users.set(email!, { email: email!, status: 'pending', isOwner: false, invoiceId });
      record.accepted = true;
      if (fault === 'reset_after') return void req.socket.destroy();
      if (fault === 'slow') await sleep(options.slowMs ?? 5000);
      return send(res, 200, verdict.headers, { status: 'OK', invoice_id: invoiceId });
    }
    return send(res, 404, verdict.headers, { code: 'not_found', message: `No route ${req.method} ${path}` });
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
    users,
    invitations: invitationCounts,
    maxConcurrent: () => maxOpen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
