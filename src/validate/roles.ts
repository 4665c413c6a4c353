/**
 * The roles file (`--roles roles.json`): named bundles of privileges written in the same grammar as
 * the privileges column, e.g. `{"marketing": "email_campaigns:*; contacts:view"}`.
 */
import { readFile } from 'node:fs/promises';
import * as z from 'zod';
import { configError, describeError } from '../errors.js';
import { dropInvisible } from '../invisible.js';
import { parseAccess, type AccessSpec } from './privileges.js';

/** Role name (lower case, trimmed) -> what it grants. */
export type Roles = ReadonlyMap<string, AccessSpec>;

export const NO_ROLES: Roles = new Map();

const rolesSchema = z.record(
  z.string().trim().min(1, 'a role name is empty'),
  z.union([z.string(), z.array(z.string())], {
    error: 'each role must be a privileges text such as "contacts:view; templates:*" (or a list of them)',
  }),
);

export const normalizeRoleName = (name: string): string => dropInvisible(name).trim().toLowerCase();

/** Checks a parsed roles object; every problem of every role is reported at once. */
export function parseRoles(data: unknown, source = 'roles file'): Roles {
  const parsed = rolesSchema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => (i.path.length > 0 ? `role "${i.path.join('.')}": ` : '') + i.message);
    throw configError(`${source}: expected an object of role names to privileges; ${issues.join('; ')}`);
  }
  const roles = new Map<string, AccessSpec>();
  const problems: string[] = [];
  for (const [name, value] of Object.entries(parsed.data)) {
    const text = Array.isArray(value) ? value.join(';') : value;
    const spec = parseAccess(text);
    for (const p of spec.problems) problems.push(`role "${name}": ${p.message}`);
    if (!spec.all && spec.grants.size === 0 && spec.problems.length === 0) problems.push(`role "${name}" grants nothing`);
    if (spec.all && spec.grants.size > 0) problems.push(`role "${name}" says "all" and also lists privileges: pick one`);
    roles.set(normalizeRoleName(name), spec);
  }
  if (problems.length > 0) throw configError(`${source}: ${problems.join('; ')}`);
  return roles;
}

export async function loadRoles(path: string): Promise<Roles> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw configError(`cannot read the roles file ${path}: ${describeError(err)}`, err);
  }
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw configError(`the roles file ${path} is not valid JSON (${describeError(err)}); expected e.g. {"marketing": "email_campaigns:*; contacts:view"}`, err);
  }
  return parseRoles(data, path);
}
