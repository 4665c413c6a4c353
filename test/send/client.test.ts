import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { Agent, MockAgent } from 'undici';
import { startSimulator } from '../../src/simulator/server.js';
import { ACTIONS } from '../../src/send/actions.js';
import { BrevoClient, invitationBody, rateHeaders } from '../../src/send/client.js';
import type { Invitation } from '../../src/types.js';

const BASE = 'https://api.brevo.com/v3';
let agent: MockAgent;

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
});
afterEach(async () => {
  await agent.close();
});

const invitation: Invitation = { email: 'ann@example.com', allFeaturesAccess: false, privileges: [{ feature: 'contacts', permissions: ['view', 'import'] }] };
const inviteRequest = ACTIONS.invite.request({ email: invitation.email, invitation });

describe('client', () => {
  test('posts the invitation with the api-key header and reads the rate-limit headers', async () => {
    let seen: { body?: unknown; headers?: Record<string, string> } = {};
    agent
      .get('https://api.brevo.com')
      .intercept({ path: '/v3/organization/user/invitation/send', method: 'POST' })
      .reply(200, (opts) => {
        seen = { body: JSON.parse(String(opts.body)), headers: opts.headers as Record<string, string> };
        return { status: 'OK', invoice_id: 'INV-1' };
      }, { headers: { 'x-sib-ratelimit-limit': '100', 'x-sib-ratelimit-remaining': '97', 'x-sib-ratelimit-reset': '1234' } });
    const client = new BrevoClient({ baseUrl: BASE, apiKey: 'k-123', timeoutMs: 1000, dispatcher: agent });
    const answer = await client.call(inviteRequest);
    expect(answer).toMatchObject({ kind: 'response', status: 200, rate: { limit: 100, remaining: 97, resetSeconds: 1234 }, body: { status: 'OK', invoice_id: 'INV-1' } });
    expect(seen.body).toEqual({ email: 'ann@example.com', all_features_access: false, privileges: [{ feature: 'contacts', permissions: ['view', 'import'] }] });
    expect(seen.headers?.['api-key']).toBe('k-123');
    expect(seen.headers?.['content-type']).toBe('application/json');
  });

  test('a Retry-After is read in seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-26T10:00:00Z');
    expect(rateHeaders({ 'retry-after': '12' }, now).retryAfterSeconds).toBe(12);
    expect(rateHeaders({ 'retry-after': 'Thu, 26 Nov 2026 10:00:30 GMT' }, now).retryAfterSeconds).toBe(30);
    expect(rateHeaders({ 'retry-after': 'soon' }, now).retryAfterSeconds).toBeUndefined();
    expect(rateHeaders({}, now)).toEqual({ limit: undefined, remaining: undefined, resetSeconds: undefined, retryAfterSeconds: undefined });
  });

  test('a reset sent as a moment (Unix seconds or milliseconds, as some gateways do) is read as such; one further away than a day, or negative, is not believed', () => {
    const now = Date.parse('2026-11-26T10:00:00Z');
    const reset = (value: string) => rateHeaders({ 'x-sib-ratelimit-reset': value }, now).resetSeconds;
    expect(reset('600')).toBe(600);
    expect(reset(String(now / 1000 + 900))).toBe(900);
    expect(reset(String(now + 120_000))).toBe(120);
    expect(reset('3596400000')).toBeUndefined(); // 2083, read as seconds from now or as a moment: both too far
    expect(reset(String(now / 1000 - 60))).toBeUndefined(); // a moment already past
    expect(reset('-5')).toBeUndefined();
    expect(rateHeaders({ 'retry-after': '9999999' }, now).retryAfterSeconds).toBeUndefined();
  });

  test('all_features_access sends an empty privileges list', () => {
    expect(invitationBody({ email: 'a@x.co', allFeaturesAccess: true, privileges: [{ feature: 'contacts', permissions: ['view'] }] })).toEqual({
      email: 'a@x.co',
      all_features_access: true,
      privileges: [],
    });
  });

  test('the key is removed from whatever the server sends back (an error page that echoes the request)', async () => {
    const key = 'xkeysib-0123456789abcdef';
    agent
      .get('https://api.brevo.com')
      .intercept({ path: '/v3/organization/user/invitation/send', method: 'POST' })
      .reply(400, { code: 'invalid_parameter', message: `bad request; headers: api-key: ${key}` });
    const client = new BrevoClient({ baseUrl: BASE, apiKey: key, timeoutMs: 1000, dispatcher: agent });
    const answer = await client.call(inviteRequest);
    expect(JSON.stringify(answer)).not.toContain(key);
    expect(answer).toMatchObject({ body: { message: 'bad request; headers: api-key: [redacted]' } });
  });

  test('a non-JSON error page is kept as text', async () => {
    agent.get('https://api.brevo.com').intercept({ path: '/v3/organization/invited/users', method: 'GET' }).reply(502, '<html>Bad gateway</html>');
    const client = new BrevoClient({ baseUrl: BASE, apiKey: 'k', timeoutMs: 1000, dispatcher: agent });
    expect(await client.listUsers()).toMatchObject({ kind: 'response', status: 502, body: '<html>Bad gateway</html>', rate: {} });
  });

  test('a refused connection is a before-send error; a reset is of unknown outcome', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const reset = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    const pool = agent.get('https://api.brevo.com');
    pool.intercept({ path: '/v3/organization/user/invitation/send', method: 'POST' }).replyWithError(refused);
    pool.intercept({ path: '/v3/organization/user/invitation/send', method: 'POST' }).replyWithError(reset);
    const client = new BrevoClient({ baseUrl: BASE, apiKey: 'k', timeoutMs: 1000, dispatcher: agent });
    expect(await client.call(inviteRequest)).toMatchObject({ kind: 'error', phase: 'before-send', code: 'ECONNREFUSED' });
    expect(await client.call(inviteRequest)).toMatchObject({ kind: 'error', phase: 'unknown' });
  });

  test('an answer slower than the timeout is a timeout of unknown outcome (real HTTP, the simulator)', async () => {
    const sim = await startSimulator({ faultPlan: () => 'slow', slowMs: 400 });
    try {
      const client = new BrevoClient({ baseUrl: sim.url, apiKey: 'k', timeoutMs: 100, dispatcher: new Agent() });
      expect(await client.call(inviteRequest)).toMatchObject({ kind: 'error', phase: 'unknown', code: 'timeout' });
      expect(sim.invitations().get('ann@example.com')).toBe(1); // it was processed all the same
    } finally {
      await sim.close();
    }
  });
});
