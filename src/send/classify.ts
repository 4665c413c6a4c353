/**
 * What an answer from Brevo means for a row. Pure: the answer in, one outcome out.
 */
import type { Answer } from './client.js';

export type Outcome =
  | { type: 'invited'; status: number; invoiceId: string | undefined }
  /** Brevo says the person is already invited or a user: never a failure. */
  | { type: 'already'; status: number; code: string; message: string }
  /** A permanent refusal of this row (4xx): never retried. */
  | { type: 'rejected'; status: number; code: string; message: string }
  /** The key is refused (401): the whole run stops. */
  | { type: 'auth'; status: number; code: string; message: string }
  /** The key may not do this (403): the row fails; a run of them stops the run. */
  | { type: 'forbidden'; status: number; code: string; message: string }
  /** Over the rate limit (429): not processed, sent again after the window resets. */
  | { type: 'rate_limited'; status: number }
  /** A server error (5xx): retried with backoff. */
  | { type: 'server'; status: number; code: string; message: string }
  /** The request never reached the server: retried with backoff. */
  | { type: 'network'; code: string; message: string }
  /** It may or may not have been processed (timeout, reset after sending): settle against the list. */
  | { type: 'unknown'; code: string; message: string };

interface ErrorBody {
  code?: unknown;
  message?: unknown;
}

function errorFields(body: unknown, status: number): { code: string; message: string } {
  const b = (typeof body === 'object' && body !== null ? body : {}) as ErrorBody;
  const code = typeof b.code === 'string' && b.code !== '' ? b.code : `http_${status}`;
  const text = typeof b.message === 'string' ? b.message : typeof body === 'string' ? body.slice(0, 200) : '';
  return { code, message: text.trim() === '' ? `Brevo answered HTTP ${status}` : text.trim() };
}

/**
 * Brevo does not document what it says for an address already invited. These read as "the person
 * is already there", and not as other refusals that use the word (e.g. "you have already reached
 * the maximum number of users", which is a real failure).
 */
const ALREADY_TEXT = [
  /\balready (been )?(invited|exists?|a member|registered|a user|part of|pending|in (the|this|your) (organi[sz]ation|account|team))/i,
  /\b(user|email|address|invitation|member)\b[^.]{0,40}?\b(is |has |was )?already (been )?(sent|exists?|invited|registered|pending|a member)/i,
  /\buser (already )?exists/i,
  /\bduplicate\b/i,
];
const ALREADY_CODE = /already|duplicate|user_exists/i;

const saysAlready = (code: string, message: string) => ALREADY_CODE.test(code) || ALREADY_TEXT.some((re) => re.test(message));

export function classifyInvite(answer: Answer): Outcome {
  if (answer.kind === 'error') {
    const code = answer.code === 'timeout' ? 'timeout' : 'network';
    const message = answer.code === 'timeout' ? `no answer within --timeout (${answer.message})` : `${answer.message} (${answer.code})`;
    return answer.phase === 'before-send' ? { type: 'network', code, message } : { type: 'unknown', code, message };
  }
  const { status, body } = answer;
  if (status >= 200 && status < 300) {
    const id = (body as { invoice_id?: unknown } | undefined)?.invoice_id;
    return { type: 'invited', status, invoiceId: typeof id === 'string' && id !== '' ? id : typeof id === 'number' ? String(id) : undefined };
  }
  if (status === 429) return { type: 'rate_limited', status };
  const fields = errorFields(body, status);
  if (status === 401) return { type: 'auth', status, ...fields };
  if (status === 403) return { type: 'forbidden', status, ...fields };
  if (status >= 500) return { type: 'server', status, code: `http_${status}`, message: fields.message };
  if ((status === 400 || status === 409) && saysAlready(fields.code, fields.message)) {
    return { type: 'already', status, ...fields };
  }
  return { type: 'rejected', status, ...fields };
}
