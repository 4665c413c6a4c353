/**
 * Maps the header row to the columns the tool knows. Names are compared trimmed, case-insensitively,
 * with spaces and hyphens read as `_`; every other column is carried through to the results.
 */
import { inputError } from '../errors.js';
import { dropInvisible } from '../invisible.js';
import { nearestFew } from '../validate/suggest.js';
import { excerpt, listNames, looksBinary } from './excerpt.js';

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
        `${file}, line 1: columns "${excerpt(names[earlier]!)}" and "${excerpt(name)}" both mean ${known === 'allFeaturesAccess' ? 'all_features_access' : known}: keep one of them`,
      );
    }
    index[known] = i;
  });
  if (index.email === undefined) {
    const text = names.join(',');
    if (looksBinary(text)) {
      throw inputError(
        `${file}, line 1: this does not look like a CSV text file (it starts with "${excerpt(text)}"): ` +
          'save the spreadsheet as "CSV UTF-8" and try again, or name its encoding with --encoding',
      );
    }
    throw inputError(
      `${file}, line 1: no email column; the header has ${foundColumns(names)}. ` +
        'Name the column "email" (also accepted: e-mail, email address, mail), or check the delimiter (--delimiter).',
    );
  }
  return { names, index, carried };
}

/** The header's names, for a message. */
function foundColumns(names: readonly string[]): string {
  const found = names.map((n) => n.trim()).filter((n) => n !== '');
  return found.length > 0 ? listNames(found) : 'no names';
}

const ACCESS_NAMES: Record<string, string[]> = {
  privileges: ['privileges', 'permissions', 'access'],
  role: ['role', 'roles'],
  allFeaturesAccess: ['all_features_access', 'all_access'],
};
const ACCESS_ALIASES = Object.values(ACCESS_NAMES).flat();

/**
 * Refuses a header that names no access (no privileges, role or all_features_access column): every
 * row would be "no access given". Kept apart from `mapHeader` because a file of emails alone is a
 * fine input for commands that give no access.
 */
export function requireAccessColumn(header: Header, file: string): void {
  if (header.index.privileges !== undefined || header.index.role !== undefined || header.index.allFeaturesAccess !== undefined) return;
  const accepted = Object.values(ACCESS_NAMES).map(([name, ...others]) => `${name} (or ${others.join(', ')})`);
  const guesses = header.carried.flatMap((i) => {
    const name = header.names[i]!.trim();
    const guess = nearColumnName(normalizeColumnName(name));
    return guess === undefined ? [] : [`"${guess}" for "${name}"`];
  });
  throw inputError(
    `${file}, line 1: no column says what access to give, so no row could be sent; the header has ${foundColumns(header.names)}. ` +
      `Accepted names: ${accepted.join(', ')}, ignoring case and spaces.${guesses.length > 0 ? ` Did you mean ${guesses.join(', ')}?` : ''}`,
  );
}

/**
 * The accepted name a column was most likely meant as: a typo (one edit in four letters) or an
 * abbreviation ("perms", "privs": same start, letters in order). Looser than that, ordinary
 * columns ("notes", "name") would be taken for access columns.
 */
function nearColumnName(name: string): string | undefined {
  const typo = nearestFew(name, ACCESS_ALIASES, 1, Math.max(1, Math.floor(name.length / 4)))[0];
  if (typo !== undefined) return typo;
  if (name.length < 4) return undefined;
  return ACCESS_ALIASES.find((alias) => alias.startsWith(name.slice(0, 3)) && isSubsequence(name, alias));
}

function isSubsequence(short: string, long: string): boolean {
  let at = 0;
  for (const c of long) if (c === short[at]) at++;
  return at === short.length;
}
