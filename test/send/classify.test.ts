import { describe, expect, test } from '@jest/globals';
import { ACTIONS } from '../../src/send/actions.js';
import { classify } from '../../src/send/classify.js';
import type { Answer } from '../../src/send/client.js';

const response = (status: number, body: unknown): Answer => ({ kind: 'response', status, rate: {}, body });
const classifyInvite = (answer: Answer) => classify(answer, ACTIONS.invite.already);

describe('classification of answers', () => {
  test('2xx is done, with or without an invoice_id; credit notes are joined', () => {
    expect(classifyInvite(response(200, { status: 'OK', invoice_id: 'INV-1' }))).toEqual({ type: 'done', status: 200, invoiceId: 'INV-1', creditNotes: undefined });
    expect(classifyInvite(response(200, { status: 'OK', invoice_id: null }))).toEqual({ type: 'done', status: 200, invoiceId: undefined, creditNotes: undefined });
    expect(classifyInvite(response(200, { status: 'OK' }))).toEqual({ type: 'done', status: 200, invoiceId: undefined, creditNotes: undefined });
    expect(classifyInvite(response(201, undefined))).toMatchObject({ type: 'done' });
    expect(classify(response(200, { status: 'OK', credit_notes: ['CN-1', 'CN-2'] }))).toMatchObject({ type: 'done', creditNotes: 'CN-1; CN-2' });
  });

  test.each([
    { code: 'invalid_parameter', message: 'User already exists in the organization' },
    { code: 'invalid_parameter', message: 'This user has already been invited' },
    { code: 'duplicate_parameter', message: 'email' },
    { code: 'invalid_parameter', message: 'Invitation already sent to this email' },
    { code: 'invalid_parameter', message: 'The user is already pending' },
    { code: 'invalid_parameter', message: 'Email address is already in the organization' },
    { code: 'already_invited', message: 'x' },
    { code: 'conflict', message: 'User already invited', status: 409 },
  ])('a 400 (or 409) that says the user is already there is "already": %j', ({ status, ...body }) => {
    expect(classifyInvite(response(status ?? 400, body)).type).toBe('already');
  });

  test.each([
    'You have already reached the maximum number of users allowed by your plan',
    'Invalid email address',
    'Feature not available on your plan',
  ])('a 400 that refuses for another reason is a failure, even with the word "already": %j', (message) => {
    expect(classifyInvite(response(400, { code: 'invalid_parameter', message })).type).toBe('rejected');
  });

  test('other answers', () => {
    expect(classifyInvite(response(400, { code: 'invalid_parameter', message: 'Invalid feature' }))).toEqual({ type: 'rejected', status: 400, code: 'invalid_parameter', message: 'Invalid feature' });
    expect(classifyInvite(response(401, { code: 'unauthorized', message: 'Key not found' })).type).toBe('auth');
    expect(classifyInvite(response(403, { code: 'permission_denied', message: 'no' })).type).toBe('forbidden');
    expect(classifyInvite(response(429, {})).type).toBe('rate_limited');
    expect(classifyInvite(response(503, '<html>busy</html>'))).toEqual({ type: 'server', status: 503, code: 'http_503', message: 'an HTML page (from a proxy or gateway, not from Brevo)' });
    expect(classifyInvite(response(502, '<html><head><title>502 Bad Gateway</title></head><body>...</body></html>'))).toMatchObject({ type: 'server', message: 'an HTML page: "502 Bad Gateway"' });
    expect(classifyInvite(response(404, undefined))).toEqual({ type: 'rejected', status: 404, code: 'http_404', message: 'Brevo answered HTTP 404' });
  });

  test("a 4xx that is a page, not Brevo's JSON, is unclear (as a 5xx is), with a code --resume tries again", () => {
    expect(classifyInvite(response(404, '<html><head><title>404 Not Found</title></head></html>'))).toEqual({
      type: 'server',
      status: 404,
      code: 'gateway_404',
      message: 'HTTP 404 with an HTML page: "404 Not Found" instead of Brevo\'s answer',
    });
    expect(classifyInvite(response(400, 'Bad Request'))).toMatchObject({ type: 'server', code: 'gateway_400' });
    // A firewall's 403 page is not Brevo refusing the key; Brevo's own 403 (JSON) is.
    expect(classifyInvite(response(403, '<html><title>Access denied</title></html>'))).toMatchObject({ type: 'server', code: 'gateway_403' });
    expect(classifyInvite(response(403, { code: 'permission_denied', message: 'no' })).type).toBe('forbidden');
    expect(classifyInvite(response(404, { code: 'document_not_found', message: 'User not found' })).type).toBe('rejected');
  });

  test('network errors: before sending is retryable, otherwise the outcome is unknown', () => {
    expect(classifyInvite({ kind: 'error', phase: 'before-send', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' })).toMatchObject({ type: 'network', code: 'network' });
    expect(classifyInvite({ kind: 'error', phase: 'unknown', code: 'timeout', message: 'Headers Timeout Error' })).toMatchObject({ type: 'unknown', code: 'timeout' });
    expect(classifyInvite({ kind: 'error', phase: 'unknown', code: 'ECONNRESET', message: 'other side closed' })).toMatchObject({ type: 'unknown', code: 'network' });
  });
});

describe('"already so", per action', () => {
  test.each([
    [404, { code: 'document_not_found', message: 'User not found' }],
    [400, { code: 'invalid_parameter', message: 'The user does not exist' }],
    [400, { code: 'invalid_parameter', message: 'Invitation already cancelled' }],
  ])('removing someone who is not there (%s %j) is "already"', (status, body) => {
    expect(classify(response(status, body), ACTIONS.revoke.already).type).toBe('already');
    expect(classify(response(status, body), ACTIONS.cancel.already).type).toBe('already');
  });

  test('a refusal to remove for another reason is not', () => {
    expect(classify(response(400, { code: 'invalid_parameter', message: 'The invitation is still pending: cancel it instead' }), ACTIONS.revoke.already).type).toBe('rejected');
  });

  test('an update has no "already": a 400 is a refusal', () => {
    expect(classify(response(400, { code: 'invalid_parameter', message: 'User already exists' }), ACTIONS.update.already).type).toBe('rejected');
  });

  test('a 2xx that is a page of text (a proxy\'s login page) is not done: its outcome is unknown', () => {
    expect(classifyInvite(response(200, '<html><head><title>Session expired</title></head></html>'))).toMatchObject({ type: 'unknown', code: 'unclear_answer', message: expect.stringContaining('Session expired') });
  });
});
