/**
 * What an answer from Brevo means for a row. Pure: the answer and the action's own reading of a
 * refusal in, one outcome out. Whether and how an outcome is retried is retry.ts's business.
 */
import type { Answer } from './client.js';

export type Outcome =
  /** Brevo did it (2xx). */
  | { type: 'done'; status: number; invoiceId: string | undefined; creditNotes: string | undefined }
  /** Brevo says it is already so (the person is already invited, already gone): never a failure. */
  | { type: 'already'; status: number; code: string; message: string }
  /** A permanent refusal of this row (4xx): never retried. */
  | { type: 'rejected'; status: number; code: string; message: string }
  /** The key is refused (401): the whole run stops. */
  | { type: 'auth'; status: number; code: string; message: string }
  /** The key may not do this (403): the row fails; a run of them stops the run. */
  | { type: 'forbidden'; status: number; code: string; message: string }
  /** Over the rate limit (429): not processed, sent again after the window resets. */
  | { type: 'rate_limited'; status: number }
  /**
   * A server error (5xx), or a 4xx page that is not Brevo's (`gateway_4xx`). It may come from a
   * gateway after Brevo processed the request, so for an
   * action that is not safe to repeat it is an unknown outcome (see actions.ts `whenUnsure`).
   */
  | { type: 'server'; status: number; code: string; message: string }
  /** The request never reached the server: safe to send again. */
  | { type: 'network'; code: string; message: string }
  /** It may or may not have been processed (a timeout, a reset after sending). */
  | { type: 'unknown'; code: string; message: string };

/** Reads a refusal: true when it means "already so" for this action. */
export type AlreadyTest = (status: number, code: string, message: string) => boolean;

interface ErrorBody {
  code?: unknown;
  message?: unknown;
}

/** The gist of a body that is not Brevo's JSON: a proxy's HTML page gives its title, not its markup. */
function textOf(body: string): string {
  if (/^\s*</.test(body)) {
    const title = /<title[^>]*>([^<]{1,120})<\/title>/i.exec(body)?.[1]?.trim();
    return title === undefined || title === '' ? 'an HTML page (from a proxy or gateway, not from Brevo)' : `an HTML page: "${title}"`;
  }
  return body.replace(/\s+/g, ' ').trim().slice(0, 200);
}

export function errorFields(body: unknown, status: number): { code: string; message: string } {
  const b = (typeof body === 'object' && body !== null ? body : {}) as ErrorBody;
  const code = typeof b.code === 'string' && b.code !== '' ? b.code : `http_${status}`;
  const text = typeof b.message === 'string' ? b.message.trim() : typeof body === 'string' ? textOf(body) : '';
  return { code, message: text === '' ? `Brevo answered HTTP ${status}` : text };
}

function idOf(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number') return String(value);
  return undefined;
}

/** `invoice_id` and `credit_notes` (a list, joined with "; "), when Brevo returns them. */
function receipts(body: unknown): { invoiceId: string | undefined; creditNotes: string | undefined } {
  const b = (typeof body === 'object' && body !== null ? body : {}) as { invoice_id?: unknown; credit_notes?: unknown };
  const notes = Array.isArray(b.credit_notes) ? b.credit_notes.map(idOf).filter((n) => n !== undefined) : [idOf(b.credit_notes)].filter((n) => n !== undefined);
  return { invoiceId: idOf(b.invoice_id), creditNotes: notes.length > 0 ? notes.join('; ') : undefined };
}

export function classify(answer: Answer, already?: AlreadyTest): Outcome {
  if (answer.kind === 'error') {
    const code = answer.code === 'timeout' ? 'timeout' : 'network';
    const message = answer.code === 'timeout' ? `no answer within --timeout (${answer.message})` : `${answer.message} (${answer.code})`;
    return answer.phase === 'before-send' ? { type: 'network', code, message } : { type: 'unknown', code, message };
  }
  const { status, body } = answer;
  if (status >= 200 && status < 300) {
    // Brevo answers in JSON: a 2xx that is a page of text (a proxy's login page, say) proves nothing.
    if (typeof body === 'string') return { type: 'unknown', code: 'unclear_answer', message: `HTTP ${status}, but with ${textOf(body)} instead of Brevo's answer` };
    return { type: 'done', status, ...receipts(body) };
  }
  if (status === 429) return { type: 'rate_limited', status };
  const fields = errorFields(body, status);
  if (status === 401) return { type: 'auth', status, ...fields };
  if (status >= 500) return { type: 'server', status, code: `http_${status}`, message: fields.message };
  // A 4xx that is not Brevo's JSON (a gateway's or a firewall's page, a 403 too) says nothing about
  // the row: it is unclear, as a 5xx is (settled or retried per the action), and a row that ends on
  // it can pass later.
  if (typeof body === 'string') return { type: 'server', status, code: `gateway_${status}`, message: `HTTP ${status} with ${textOf(body)} instead of Brevo's answer` };
  if (status === 403) return { type: 'forbidden', status, ...fields };
  if (already?.(status, fields.code, fields.message) === true) return { type: 'already', status, ...fields };
  return { type: 'rejected', status, ...fields };
}
