/** How a run speaks of its rows in the log: one line per row, emails as --log-emails says. */
import type { RowResult } from '../types.js';
import type { RunDeps } from './ports.js';

export class RowLog {
  readonly #d: Pick<RunDeps, 'log' | 'logEmail' | 'quietRows'>;

  constructor(deps: Pick<RunDeps, 'log' | 'logEmail' | 'quietRows'>) {
    this.#d = deps;
  }

  /** The fields that name a row's person: the email, its hash, or nothing. */
  email(email: string): Record<string, string> {
    return this.#d.logEmail?.(email) ?? { email };
  }

  /** A message that may quote the row's address (a duplicate's, Brevo's), as --log-emails allows. */
  hide(text: string | undefined, email: string): string | undefined {
    if (text === undefined || this.#d.logEmail === undefined || email.trim() === '') return text;
    const shown = this.#d.logEmail(email).email_hash;
    const escaped = email.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return text.replace(new RegExp(escaped, 'gi'), shown === undefined ? '(email)' : `(email ${shown})`);
  }

  /**
   * One line per row, whatever its status; problems at warn or error. A row kept as an earlier run
   * left it says so ("row kept from an earlier run"), so a nightly log does not read as if the
   * whole roster had been sent again. At a terminal (`quietRows`) the rows are debug lines: the
   * progress bar and the summary say it for a person.
   */
  row(row: RowResult, kept = false): void {
    // The invoice and credit notes too: if the results file cannot be written (a full disk), the log keeps them.
    const fields = { line: row.line, ...this.email(row.email), action: row.action, status: row.status, invoice_id: row.invoiceId, credit_notes: row.creditNotes, error_code: row.errorCode, error_message: this.hide(row.errorMessage, row.email), attempts: row.attempts };
    if (this.#d.quietRows === true) {
      this.#d.log.debug(fields, kept ? 'row kept from an earlier run' : 'row finished');
      return;
    }
    if (kept) {
      this.#d.log.info(fields, 'row kept from an earlier run');
      return;
    }
    const warn = row.status === 'invalid' || row.status === 'duplicate' || row.status === 'deferred' || row.errorCode === 'removed_since';
    const level = row.status === 'failed' ? 'error' : warn ? 'warn' : 'info';
    this.#d.log[level](fields, 'row finished');
  }
}
