/**
 * The offline half of every run: read -> validate, one RowResult per data row, in input order
 * (in batches). A dry run writes these as they come; a send keeps them as its plan.
 */
import { openCsv, type CsvRecord, type ReadOptions } from '../read/reader.js';
import { requireAccessColumn, type Header } from '../read/header.js';
import type { PlannedRow, RowResult } from '../types.js';
import { FirstSeen } from '../validate/duplicates.js';
import type { Roles } from '../validate/roles.js';
import { normalizeEmail } from '../validate/email.js';
import { createRowValidator, type RowCells } from '../validate/row.js';
import { encodeCarried } from '../write/columns.js';

export interface PlanOptions extends ReadOptions {
  roles: Roles;
}

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
  const source = await openCsv(file, { ...options, checkHeader: requireAccessColumn });
  const { header } = source;
  const validateRow = createRowValidator(options.roles);
  const seen = new FirstSeen();

  function planRecord(record: CsvRecord): PlannedRow {
    const { line, fields } = record;
    const extra = encodeCarried(header.carried.map((i) => fields[i] ?? ''));
    const cells = cellsOf(fields, header);
    if (record.problem !== undefined) {
      return { result: invalid(line, normalizeEmail(cells.email), extra, record.problem.code, [record.problem.message]) };
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
          errorMessage: `line ${line}: ${email} already appears on line ${first}; a person is invited once, from the first row: remove one of the two`,
          attempts: 0,
          granted: '',
          extra,
        },
      };
    }
    return {
      result: { line, email, action: 'invite', status: 'valid', attempts: 0, granted: check.granted, extra },
      invitation: check.invitation,
    };
  }

  async function* batches(): AsyncGenerator<PlannedRow[]> {
    for await (const records of source.records) yield records.map(planRecord);
  }

  return { source, carriedNames: header.carried.map(carriedName(header.names)), batches: batches() };
}

/** A carried column keeps its name as written; one with no name is called by its place. */
const carriedName = (names: readonly string[]) => (i: number) => {
  const name = names[i] ?? '';
  return name.trim() === '' ? `column_${i + 1}` : name;
};
