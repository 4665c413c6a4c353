import type { Feature, Permission } from './catalog/catalog.js';

/** One feature and the permissions granted on it, in catalog order. */
export interface Privilege {
  feature: Feature;
  permissions: Permission[];
}

/** What one row asks Brevo to do: the body of `POST /organization/user/invitation/send`. */
export interface Invitation {
  email: string;
  allFeaturesAccess: boolean;
  privileges: Privilege[];
}

export type Status = 'invited' | 'skipped' | 'invalid' | 'duplicate' | 'failed' | 'deferred' | 'valid';

export const STATUSES: readonly Status[] = ['invited', 'skipped', 'invalid', 'duplicate', 'failed', 'deferred', 'valid'];

/**
 * The outcome of one input row: exactly one of these is written to the results file per data row.
 * `granted` is the canonical text of what was (or would be) sent; `extra` holds the input's other
 * columns, in header order.
 */
export interface RowResult {
  line: number;
  email: string;
  status: Status;
  invoiceId?: string | undefined;
  errorCode?: string | undefined;
  errorMessage?: string | undefined;
  httpStatus?: number | undefined;
  attempts: number;
  granted: string;
  finishedAt?: string | undefined;
  extra: readonly string[];
}

/** A row that passed validation, with what it will send. */
export interface PlannedRow {
  result: RowResult;
  invitation?: Invitation | undefined;
}
