/**
 * The email cell: how it is compared and sent, and, when it is not an address, what is most likely
 * wrong with it (the mistakes that copying from mail clients, web pages and spreadsheets makes).
 */
import * as z from 'zod';
import { INVISIBLE } from '../invisible.js';
import { quote } from './quote.js';

/**
 * An address as RFC 5322 writes it without quotes (a dot-atom): the local part may hold any of
 * ! # $ % & ' * + - / = ? ^ _ ` { | } ~ (an account can list such a person, and the roster must be
 * able to name them), and the domain needs a dot and a top-level name of letters.
 */
const ADDRESS = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}$/;

const emailSchema = z.email({ pattern: ADDRESS }).max(254);

const INVISIBLE_AT_EDGES = /^[\s\u200B-\u200D\u2060\uFEFF]+|[\s\u200B-\u200D\u2060\uFEFF]+$/g;

const isInvisible = (code: number) => (code >= 0x200b && code <= 0x200d) || code === 0x2060 || code === 0xfeff;

/** How an address is compared and sent: trimmed (of invisible characters too), lower case. */
export function normalizeEmail(cell: string | undefined): string {
  const trimmed = (cell ?? '').trim();
  // Looking at the two ends only keeps this cheap: it runs for every row.
  const edges = trimmed.length > 0 && (isInvisible(trimmed.charCodeAt(0)) || isInvisible(trimmed.charCodeAt(trimmed.length - 1)));
  return (edges ? trimmed.replace(INVISIBLE_AT_EDGES, '') : trimmed).toLowerCase();
}

/** The likely fix for a value that is not an address. */
function hint(value: string): string {
  const bracketed = /<([^<>\s]+@[^<>\s]+)>/.exec(value);
  if (bracketed !== null) return `write only the address: "${bracketed[1]}"`;
  if (/^mailto:/i.test(value)) return 'remove "mailto:" from the start';
  if ((value.match(/@/g) ?? []).length > 1 && /[\s,;]/.test(value)) return 'one address per row: put each person on a row of their own';
  const invisible = INVISIBLE.exec(value);
  if (invisible !== null) {
    const code = invisible[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return `it contains an invisible character (U+${code}), often left by a copy-paste: retype the address`;
  }
  if (/\s/.test(value)) return 'an address has no spaces: remove them';
  if (!value.includes('@')) return 'an address needs an @, as in name@company.com';
  if (/\.$/.test(value)) return 'remove the "." at the end';
  if (/[^\u0000-\u007F]/.test(value)) return 'letters with accents or other non-ASCII characters are not accepted in an address';
  const domain = value.slice(value.lastIndexOf('@') + 1);
  if (!domain.includes('.')) return `the part after @ ("${domain}") needs a dot, as in company.com`;
  return 'expected name@company.com';
}

/** Why the email cell cannot be sent, or undefined when it is an address. */
export function emailProblem(email: string): { code: 'missing_email' | 'invalid_email'; message: string } | undefined {
  if (email === '') return { code: 'missing_email', message: 'email is empty: fill in the address of the person to invite' };
  if (emailSchema.safeParse(email).success) return undefined;
  return { code: 'invalid_email', message: `email ${quote(email)} is not a valid address: ${hint(email)}` };
}
