/**
 * The offline half of every run: read -> validate, one RowResult per data row, in input order
 * (in batches). A dry run writes these as they come; a send keeps them as its plan.
 *
 * A file of people to grant access to (`grant`: send, validate) needs an access column and valid
 * access on every row; a file of people to remove (`remove`: revoke) needs only their emails.
 */
import { openCsv, type CsvRecord, type ReadOptions } from '../read/reader.js';
import { requireAccessColumn, type Header } from '../read/header.js';
import type { PlannedRow, RowResult } from '../types.js';
import { FirstSeen } from '../validate/duplicates.js';
import { NO_ROLES, ROLE_SEPARATORS, normalizeRoleName, type Roles } from '../validate/roles.js';
import { dropInvisible } from '../invisible.js';
import { quote } from '../validate/quote.js';
import { configError } from '../errors.js';
import { emailProblem, normalizeEmail } from '../validate/email.js';
import { createRowValidator, type RowCells, type RowCheck } from '../validate/row.js';
import { encodeCarried } from '../write/columns.js';

export interface PlanOptions extends ReadOptions {
  roles: Roles;
  /** What the rows are for (default `grant`). */
  purpose?: 'grant' | 'remove' | undefined;
}

/** Error codes of a row whose email cannot be read (for the prune safeguard: that person may be on it). */
export const UNREADABLE_EMAIL: ReadonlySet<string> = new Set(['missing_email', 'invalid_email', 'wrong_field_count', 'record_too_long', 'unclosed_quote']);

function cellsOf(fields: readonly string[], header: Header): RowCells {
  const at = (i: number | undefined) => (i === undefined ? undefined : (fields[i] ?? ''));
  return {
    email: at(header.index.email),
    allFeaturesAccess: at(header.index.allFeaturesAccess),
    privileges: at(header.index.privileges),
    role: at(header.index.role),
  };
}

function invalid(line: number, email: string, extra: string, code: string, messages: string[]): RowResult {
  return { line, email, status: 'invalid', errorCode: code, errorMessage: `line ${line}: ${messages.join('; ')}`, attempts: 0, granted: '', extra };
}

export async function openPlan(file: string, options: PlanOptions) {
  const removing = options.purpose === 'remove';
  const source = await openCsv(file, { ...options, checkHeader: removing ? undefined : requireAccessColumn });
  const { header } = source;
  const validateRow = removing ? emailOnly : createRowValidator(options.roles);
  const seen = new FirstSeen();

  function planRecord(record: CsvRecord): PlannedRow {
    const { line, fields } = record;
    const extra = encodeCarried(header.carried.map((i) => fields[i] ?? ''));
    const cells = cellsOf(fields, header);
    if (record.problem !== undefined) {
      return { result: invalid(line, normalizeEmail(cells.email), extra, record.problem.code, [record.problem.message]) };
    }
    const named = !removing && options.roles === NO_ROLES ? (cells.role ?? '').split(ROLE_SEPARATORS).find((n) => normalizeRoleName(n) !== '') : undefined;
    if (named !== undefined) {
      // A set-up mistake (a cron job that lost BREVO_ROLES), not a sheet to fix row by row.
      throw configError(`line ${line} names a role (${quote(dropInvisible(named).trim())}), but no roles file was given: pass --roles FILE (or set BREVO_ROLES), then run again; nothing was sent`);
    }
    const check = validateRow(cells);
    if (!check.ok) {
      if (!check.problems.some((p) => p.code === 'invalid_email' || p.code === 'missing_email')) seen.claim(check.email, line);
      return { result: invalid(line, check.email, extra, check.problems[0]!.code, check.problems.map((p) => p.message)) };
    }
    const { email } = check.invitation;
    const first = seen.claim(email, line);
    if (first !== undefined) {
      return {
        result: {
          line,
          email,
          status: 'duplicate',
          errorCode: 'duplicate_email',
          errorMessage: `line ${line}: ${email} already appears on line ${first}; each person is dealt with once, from the first row: remove one of the two`,
          attempts: 0,
          granted: '',
          extra,
        },
      };
    }
    return {
      result: { line, email, action: removing ? undefined : 'invite', status: 'valid', attempts: 0, granted: check.granted, extra },
      invitation: removing ? undefined : check.invitation,
      email,
    };
  }

  async function* batches(): AsyncGenerator<PlannedRow[]> {
    for await (const records of source.records) yield records.map(planRecord);
  }

  return { source, carriedNames: header.carried.map(carriedName(header.names)), batches: batches() };
}

/** A row of a file of people to remove: its email is all that counts. */
function emailOnly(cells: RowCells): RowCheck {
  const email = normalizeEmail(cells.email);
  const problem = emailProblem(email);
  if (problem !== undefined) return { ok: false, email, problems: [problem] };
  return { ok: true, invitation: { email, allFeaturesAccess: false, privileges: [] }, granted: '' };
}

/** A carried column keeps its name as written; one with no name is called by its place. */
const carriedName = (names: readonly string[]) => (i: number) => {
  const name = names[i] ?? '';
  return name.trim() === '' ? `column_${i + 1}` : name;
};
