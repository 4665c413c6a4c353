/**
 * Validation of one row: pure, collects every problem of the row, never throws. Schemas and the
 * privileges cache are built once per validator (a batch usually repeats the same few privilege
 * texts, so each distinct text is parsed once).
 */
import * as z from 'zod';
import { dropInvisible } from '../invisible.js';
import type { Invitation, Privilege } from '../types.js';
import {
  formatGranted,
  mergeGrants,
  parseAccess,
  toPrivileges,
  type Grants,
  type Problem,
} from './privileges.js';
import type { Roles } from './roles.js';
import { createRoleReader } from './role-cell.js';
import { emailProblem, normalizeEmail } from './email.js';
import { quote } from './quote.js';

/** The cells of the known columns; undefined when the file has no such column. */
export interface RowCells {
  email?: string | undefined;
  allFeaturesAccess?: string | undefined;
  privileges?: string | undefined;
  role?: string | undefined;
}

export type RowCheck =
  | { ok: true; invitation: Invitation; granted: string }
  | { ok: false; email: string; problems: Problem[] };

const TRUE_WORDS = ['true', 'yes', 'y', '1', 'x'];
const FALSE_WORDS = ['false', 'no', 'n', '0', ''];

const booleanSchema = z
  .string()
  .transform((v) => dropInvisible(v).trim().toLowerCase())
  .pipe(z.enum([...TRUE_WORDS, ...FALSE_WORDS]))
  .transform((v) => TRUE_WORDS.includes(v));

const CACHE_LIMIT = 10_000;


/** The access part of a row: what it grants, or what is wrong with it. Shared by rows that read the same. */
interface AccessCheck {
  problems: Problem[];
  allFeaturesAccess: boolean;
  privileges: Privilege[];
  granted: string;
}

export function createRowValidator(roles: Roles): (cells: RowCells) => RowCheck {
  // A batch repeats the same few access texts: each distinct combination is worked out once.
  const cache = new Map<string, AccessCheck>();
  const readRoles = createRoleReader(roles);

  function checkAccess(cells: RowCells): AccessCheck {
    const problems: Problem[] = [];
    let explicitAll: boolean | undefined;
    if (cells.allFeaturesAccess !== undefined && cells.allFeaturesAccess.trim() !== '') {
      const parsed = booleanSchema.safeParse(cells.allFeaturesAccess);
      if (parsed.success) explicitAll = parsed.data;
      else {
        problems.push({
          code: 'invalid_all_features_access',
          message: `all_features_access ${quote(cells.allFeaturesAccess)} is not yes or no (use true/false, yes/no, y/n, 1/0, x, or leave it empty)`,
        });
      }
    }

    const own = parseAccess(cells.privileges ?? '');
    problems.push(...own.problems);
    const grants: Grants = new Map();
    mergeGrants(grants, own.grants);
    const cellAll = own.all;
    const cellListsItems = own.grants.size > 0;

    const fromRoles = readRoles(cells.role);
    problems.push(...fromRoles.problems);
    mergeGrants(grants, fromRoles.grants);
    const roleAll = fromRoles.all;

    const wantsAll = explicitAll === true || cellAll || roleAll;
    if (explicitAll === true && cellListsItems) {
      problems.push({
        code: 'conflicting_access',
        message: 'all_features_access is true but privileges are also listed: pick one (clear the privileges, or set all_features_access to false)',
      });
    } else if (cellAll && cellListsItems) {
      problems.push({
        code: 'conflicting_access',
        message: `privileges ${quote(cells.privileges ?? '')} says "all" and also lists features: pick one`,
      });
    } else if (explicitAll === false && (cellAll || roleAll)) {
      problems.push({
        code: 'conflicting_access',
        message: `all_features_access is false but ${cellAll ? 'the privileges say "all"' : 'a role grants all features'}: pick one`,
      });
    } else if (!wantsAll && grants.size === 0 && problems.length === 0) {
      problems.push({
        code: 'no_privileges',
        message: 'no access given: list privileges (e.g. contacts:view), name a role, or set all_features_access to true',
      });
    }
    // With every feature granted, Brevo wants an empty privileges list; roles' own lists are dropped.
    const privileges = wantsAll ? [] : toPrivileges(grants);
    return { problems, allFeaturesAccess: wantsAll, privileges, granted: formatGranted(wantsAll, privileges) };
  }

  function accessOf(cells: RowCells): AccessCheck {
    const key = `${cells.privileges ?? ''}\u0000${cells.allFeaturesAccess ?? ''}\u0000${cells.role ?? ''}`;
    let check = cache.get(key);
    if (check === undefined) {
      if (cache.size >= CACHE_LIMIT) cache.clear();
      check = checkAccess(cells);
      cache.set(key, check);
    }
    return check;
  }

  return function validateRow(cells: RowCells): RowCheck {
    const email = normalizeEmail(cells.email);
    const problem = emailProblem(email);
    const problems: Problem[] = problem === undefined ? [] : [problem];
    const access = accessOf(cells);
    if (problems.length > 0 || access.problems.length > 0) return { ok: false, email, problems: [...problems, ...access.problems] };
    return {
      ok: true,
      // `privileges` is shared by every row with the same access text: treat it as read-only.
      invitation: { email, allFeaturesAccess: access.allFeaturesAccess, privileges: access.privileges },
      granted: access.granted,
    };
  };
}
