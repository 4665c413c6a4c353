/**
 * Maps the header row to the columns the tool knows. Names are compared trimmed, case-insensitively,
 * with spaces and hyphens read as `_`; every other column is carried through to the results.
 */
import { inputError } from '../errors.js';
import { dropInvisible } from '../invisible.js';

export type KnownColumn = 'email' | 'allFeaturesAccess' | 'privileges' | 'role';

const ALIASES: Record<string, KnownColumn> = {
  email: 'email',
  e_mail: 'email',
  email_address: 'email',
  e_mail_address: 'email',
  mail: 'email',
  all_features_access: 'allFeaturesAccess',
  all_access: 'allFeaturesAccess',
  privileges: 'privileges',
  permissions: 'privileges',
  access: 'privileges',
  role: 'role',
  roles: 'role',
};

/** Trimmed, lower case, spaces and hyphens as `_`; invisible characters (BOM, zero-width) dropped. */
export const normalizeColumnName = (name: string): string => dropInvisible(name).trim().toLowerCase().replace(/[\s-]+/g, '_');

export interface Header {
  /** The header cells as written (for carried columns). */
  names: string[];
  /** Index of each known column in a record, when present. */
  index: Partial<Record<KnownColumn, number>>;
  /** Indices of the columns carried through, in header order. */
  carried: number[];
}

export function mapHeader(names: string[], file: string): Header {
  const index: Partial<Record<KnownColumn, number>> = {};
  const carried: number[] = [];
  names.forEach((name, i) => {
    const known = ALIASES[normalizeColumnName(name)];
    if (known === undefined) {
      carried.push(i);
      return;
    }
    const earlier = index[known];
    if (earlier !== undefined) {
      throw inputError(
        `${file}, line 1: columns "${names[earlier]}" and "${name}" both mean ${known === 'allFeaturesAccess' ? 'all_features_access' : known}: keep one of them`,
      );
    }
    index[known] = i;
  });
  if (index.email === undefined) {
    const found = names.filter((n) => n.trim() !== '').map((n) => `"${n.trim()}"`);
    throw inputError(
      `${file}, line 1: no email column; the header has ${found.length > 0 ? found.join(', ') : 'no names'}. ` +
        'Name the column "email" (also accepted: e-mail, email address, mail), or check the delimiter (--delimiter).',
    );
  }
  return { names, index, carried };
}
