/**
 * The roles file (`--roles roles.json`): named bundles of privileges written in the same grammar as
 * the privileges column, e.g. `{"marketing": "email_campaigns:*; contacts:view"}`.
 */
import { readFile } from 'node:fs/promises';
import * as z from 'zod';
import { configError } from '../errors.js';
import { fileProblem, plainReason } from '../read/file-check.js';
import { dropInvisible } from '../invisible.js';
import { parseAccess, type AccessSpec } from './privileges.js';
import { quote, wordList } from './quote.js';
import { parseRolesJson } from './roles-json.js';

/** Role name (lower case, trimmed) -> what it grants. */
export type Roles = ReadonlyMap<string, AccessSpec>;

export const NO_ROLES: Roles = new Map();

const rolesSchema = z.record(z.string(), z.unknown());
const roleValueSchema = z.union([z.string(), z.array(z.string())], {
  error: 'each role must be a privileges text such as "contacts:view; templates:*" (or a list of them)',
});

/** What separates role names in a row's role cell: a name holding one of them can never be used. */
export const ROLE_SEPARATORS = /[;,]/;

export const normalizeRoleName = (name: string): string => dropInvisible(name).trim().toLowerCase();

/** Checks a parsed roles object; every problem of every role is reported at once. */
export function parseRoles(data: unknown, source = 'roles file'): Roles {
  const parsed = rolesSchema.safeParse(data);
  if (!parsed.success) {
    throw configError(`${source}: expected an object of role names to privileges, such as {"marketing": "email_campaigns:*; contacts:view"}`);
  }
  const roles = new Map<string, AccessSpec>();
  const problems: string[] = [];
  const spellings = new Map<string, string[]>();
  for (const [name, value] of Object.entries(parsed.data)) {
    const key = normalizeRoleName(name);
    const nameProblem = roleNameProblem(name, key);
    if (nameProblem !== undefined) problems.push(nameProblem);
    else spellings.set(key, [...(spellings.get(key) ?? []), name]);
    const checked = roleValueSchema.safeParse(value);
    if (!checked.success) {
      problems.push(`role ${quote(name)}: ${checked.error.issues[0]?.message ?? 'not a privileges text'}`);
      continue;
    }
    const spec = parseAccess(Array.isArray(checked.data) ? checked.data.join(';') : checked.data);
    problems.push(...accessProblems(name, spec));
    roles.set(key, spec);
  }
  for (const names of spellings.values()) {
    if (names.length > 1) problems.push(`roles ${wordList(names.map(quote), 'and')} are the same name once case is ignored: rename or merge them`);
  }
  if (problems.length > 0) throw configError(`${source}: ${problems.join('; ')}`);
  return roles;
}

/** Why a role name can never be used in a row's role cell. */
function roleNameProblem(name: string, key: string): string | undefined {
  if (key === '') return `role ${quote(name)}: a role name is empty (or only invisible characters): give it a name`;
  if (ROLE_SEPARATORS.test(key)) {
    const renamed = name.trim().replace(/\s*[;,]\s*/g, '_');
    return `role ${quote(name)}: a role name cannot contain ";" or "," (they separate roles in the role column): rename it, e.g. ${quote(renamed)}`;
  }
  return undefined;
}

function accessProblems(name: string, spec: AccessSpec): string[] {
  const problems = spec.problems.map((p) => `role ${quote(name)}: ${p.message}`);
  if (!spec.all && spec.grants.size === 0 && spec.problems.length === 0) problems.push(`role ${quote(name)} grants nothing`);
  if (spec.all && spec.grants.size > 0) problems.push(`role ${quote(name)} says "all" and also lists privileges: pick one`);
  return problems;
}

export async function loadRoles(path: string, from = '--roles'): Promise<Roles> {
  const problem = await fileProblem(path, { noun: 'roles file', content: 'the roles', flag: from });
  if (problem !== undefined) throw configError(problem);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw configError(`cannot read the roles file ${path}: ${plainReason(err)}`, err);
  }
  return parseRoles(parseRolesJson(text, path), path);
}
