import type { Feature, Permission } from './catalog/catalog.js';

/** One feature and the permissions granted on it, in catalog order. */
export interface Privilege {
  feature: Feature;
  permissions: Permission[];
}

/** What one row asks Brevo to grant: the body of the invitation and of the permissions update. */
export interface Invitation {
  email: string;
  allFeaturesAccess: boolean;
  privileges: Privilege[];
}

/** What the tool does (or would do) for a row: one request of the action table (send/actions.ts). */
export type ActionName = 'invite' | 'update' | 'resend' | 'revoke' | 'cancel';

export const ACTION_NAMES: readonly ActionName[] = ['invite', 'update', 'resend', 'revoke', 'cancel'];

export type Status =
  | 'invited'
  | 'updated'
  | 'resent'
  | 'revoked'
  | 'cancelled'
  | 'skipped'
  | 'invalid'
  | 'duplicate'
  | 'failed'
  | 'deferred'
  | 'valid';

export const STATUSES: readonly Status[] = ['invited', 'updated', 'resent', 'revoked', 'cancelled', 'skipped', 'invalid', 'duplicate', 'failed', 'deferred', 'valid'];

/** Statuses that say Brevo did what the row asked. */
export const DONE_STATUSES: ReadonlySet<Status> = new Set(['invited', 'updated', 'resent', 'revoked', 'cancelled']);

/**
 * The outcome of one input row: exactly one of these is written to the results file per data row.
 * `granted` is the canonical text of what was (or would be) sent; `extra` holds the input's other
 * columns, already encoded as CSV (see write/columns.ts `encodeCarried`). `line` is 0 for a row
 * that is not from the input (a person removed because the roster no longer lists them).
 */
export interface RowResult {
  line: number;
  email: string;
  action?: ActionName | undefined;
  status: Status;
  invoiceId?: string | undefined;
  creditNotes?: string | undefined;
  errorCode?: string | undefined;
  errorMessage?: string | undefined;
  httpStatus?: number | undefined;
  attempts: number;
  granted: string;
  finishedAt?: string | undefined;
  /** When this tool last invited the person (ISO), kept across later actions: --resend-after reads it. */
  invitedAt?: string | undefined;
  extra: string;
}

/** A row after validation, with what it will send when it is valid. */
export interface PlannedRow {
  result: RowResult;
  /** What to grant (a file of people to grant access to). */
  invitation?: Invitation | undefined;
  /** The valid email the row is about. */
  email?: string | undefined;
}
