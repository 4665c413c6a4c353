/**
 * A row's role cell: names from the roles file, separated by `;` or `,`. An unknown name is told
 * apart from the defined ones once per distinct name: a batch repeats the same typo on many rows,
 * and a roles file may define thousands of roles, so the message names the nearest few rather than
 * every role (listing them all made each message as big as the roles file).
 */
import type { Problem } from './privileges.js';
import { mergeGrants, type Grants } from './privileges.js';
import { ROLE_SEPARATORS, normalizeRoleName, type Roles } from './roles.js';
import { didYouMean } from './suggest.js';
import { quote } from './quote.js';

/** Up to this many roles, an unknown name's message lists them all. */
const LISTED_ROLES = 20;
const SUGGESTIONS = 3;
const CACHE_LIMIT = 10_000;

export interface RoleCell {
  all: boolean;
  grants: Grants;
  problems: Problem[];
}

export function createRoleReader(roles: Roles): (cell: string | undefined) => RoleCell {
  const names = [...roles.keys()];
  const unknown = new Map<string, string>();

  /** Why a name is not a role, without the name itself (the same for every spelling of it). */
  function whyUnknown(name: string): string {
    let why = unknown.get(name);
    if (why === undefined) {
      if (unknown.size >= CACHE_LIMIT) unknown.clear();
      if (names.length === 0) why = 'no roles file was given (--roles FILE)';
      else if (names.length <= LISTED_ROLES) why = `the roles file defines ${names.join(', ')}${didYouMean(name, names)}`;
      else {
        const near = didYouMean(name, names, SUGGESTIONS);
        why = `the roles file defines ${names.length} roles${near === '' ? ', none close to this name: check the spelling' : near}`;
      }
      unknown.set(name, why);
    }
    return why;
  }

  return function readRoles(cell) {
    const result: RoleCell = { all: false, grants: new Map(), problems: [] };
    for (const raw of (cell ?? '').split(ROLE_SEPARATORS)) {
      const name = normalizeRoleName(raw);
      if (name === '') continue;
      const role = roles.get(name);
      if (role === undefined) {
        result.problems.push({ code: 'unknown_role', message: `role ${quote(raw.trim())} is not defined: ${whyUnknown(name)}` });
        continue;
      }
      result.all ||= role.all;
      mergeGrants(result.grants, role.grants);
    }
    return result;
  };
}
