/**
 * Contract: every request the tool makes (each entry of the action table, and the users list)
 * matches an operation of Brevo's OpenAPI description: method, path (with its parameters, the
 * email URL-encoded) and request body schema. fixtures/openapi/organization.json is extracted
 * from Brevo's file by scripts/openapi-fixture.mjs.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { CATALOG, FEATURES } from '../../src/catalog/catalog.js';
import { ACTIONS } from '../../src/send/actions.js';
import type { ApiRequest } from '../../src/send/client.js';
import { ACTION_NAMES } from '../../src/types.js';
import { NO_ROLES } from '../../src/validate/roles.js';
import { createRowValidator } from '../../src/validate/row.js';
import { fixture } from '../helpers/cli.js';

interface Operation {
  operationId: string;
  method: string;
  path: string;
  parameters: Array<{ name: string; in: string; required: boolean; schema: { enum?: string[]; type?: string } }>;
  requestBody: { required: boolean; schema: object } | null;
}

const { operations } = JSON.parse(readFileSync(fixture('openapi/organization.json'), 'utf8')) as { operations: Operation[] };
const ajv = new Ajv({ strict: false, allErrors: true });
// ajv-formats is CommonJS with a default export; require keeps both tsc and Jest's ESM mode happy.
(createRequire(import.meta.url)('ajv-formats') as (a: Ajv) => void)(ajv);

/** The operation a request is for, with its path parameters; throws when none matches. */
function operationOf(request: ApiRequest): { op: Operation; params: Record<string, string> } {
  for (const op of operations) {
    if (op.method !== request.method) continue;
    const names: string[] = [];
    const pattern = new RegExp(`^${op.path.replace(/\{(\w+)\}/g, (_, name: string) => (names.push(name), '([^/]+)'))}$`);
    const m = pattern.exec(request.path);
    if (m === null) continue;
    const params = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
    const fits = op.parameters.filter((p) => p.in === 'path').every((p) => p.schema.enum === undefined || p.schema.enum.includes(params[p.name]!));
    if (fits) return { op, params };
  }
  throw new Error(`no operation of Brevo's description is ${request.method} ${request.path}`);
}

function check(request: ApiRequest) {
  const { op, params } = operationOf(request);
  if (op.requestBody === null) {
    expect(request.body).toBeUndefined();
  } else {
    const validate = ajv.compile(op.requestBody.schema);
    expect(validate(request.body) ? [] : validate.errors).toEqual([]);
  }
  return { op, params };
}

const grant = (email: string) => ({ email, invitation: { email, allFeaturesAccess: false, privileges: [{ feature: 'contacts' as const, permissions: ['view' as const] }] } });

describe('contract with Brevo\'s OpenAPI description', () => {
  test.each(ACTION_NAMES.map((a) => [a]))('%s: method, path and body are an operation of the description', (action) => {
    for (const email of ['ann@example.com', 'ann+test@example.com', "o'neil.x@example.co.uk"]) {
      const { op, params } = check(ACTIONS[action].request(grant(email)));
      if ('email' in params) expect(params.email).toBe(email); // the email travels whole, URL-encoded
      expect(op.operationId).toBe({ invite: 'inviteuser', update: 'EditUserPermission', resend: 'putresendcancelinvitation', cancel: 'putresendcancelinvitation', revoke: 'putRevokeUserPermission' }[action]);
    }
  });

  test('the users list is getInvitedUsersList', () => {
    expect(check({ method: 'GET', path: '/organization/invited/users' }).op.operationId).toBe('getInvitedUsersList');
  });

  test('an email with a slash or a question mark cannot break out of its path segment', () => {
    const request = ACTIONS.revoke.request({ email: 'a/b?c@example.com' });
    expect(request.path).toBe('/organization/user/invitation/revoke/a%2Fb%3Fc%40example.com');
    expect(operationOf(request).params.email).toBe('a/b?c@example.com');
  });

  const validateRow = createRowValidator(NO_ROLES);
  const cellArb = fc.oneof(
    fc.constant('*'),
    fc
      .array(
        fc.constantFrom(...FEATURES).chain((f) => fc.subarray([...CATALOG[f], '*'], { minLength: 1 }).map((p) => `${f}:${p.join('|')}`)),
        { minLength: 1, maxLength: 6 },
      )
      .map((items) => items.join('; ')),
    fc.constant('companies:manage_other_companies'),
  );

  test.each([['invite'], ['update']] as const)('%s bodies built from any valid row pass the schema', (action) => {
    fc.assert(
      fc.property(cellArb, fc.constantFrom('', 'yes', 'no'), (privileges, all) => {
        const row = validateRow({ email: 'someone@example.com', privileges: all === 'yes' ? '' : privileges, allFeaturesAccess: all });
        if (!row.ok) return; // only valid rows are ever sent
        check(ACTIONS[action].request({ email: row.invitation.email, invitation: row.invitation }));
      }),
      { numRuns: 300 },
    );
  });

  test('the schema is not a rubber stamp: it refuses the prose spelling and a missing field', () => {
    const schema = operations.find((o) => o.operationId === 'inviteuser')!.requestBody!.schema;
    const validate = ajv.compile(schema);
    expect(validate({ email: 'a@example.com', all_features_access: false, privileges: [{ feature: 'companies', permissions: ['manage_other_companies'] }] })).toBe(false);
    expect(validate({ email: 'a@example.com', all_features_access: false })).toBe(false);
    expect(() => operationOf({ method: 'PUT', path: '/organization/user/invitation/delete/a%40b.co' })).toThrow(/no operation/);
  });
});
