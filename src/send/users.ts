/** The invited-users list: who is already in the account, in what state, and who owns it. */
import * as z from 'zod';
import { normalizeEmail } from '../validate/email.js';

export interface UserState {
  status: 'active' | 'pending';
  /** The account owner is never changed or removed. */
  isOwner: boolean;
  /** The address as Brevo lists it (its letter case), for requests that name the person in their path. */
  listedAs?: string | undefined;
}

export type Users = ReadonlyMap<string, UserState>;

// Brevo's schema does not require `users`: an account with nobody invited may answer `{}` (but an
// object with other keys and no `users` is something else, e.g. an error from a wrong URL). An
// entry without an email cannot be matched to a row, and is passed over.
const listSchema = z.union([z.strictObject({}), z.looseObject({ users: z.array(z.unknown()).nullable() })]);
const userSchema = z.looseObject({
  email: z.string(),
  status: z.string().nullish(),
  // The schema says string ("true"), the example says boolean: both are read.
  is_owner: z.union([z.boolean(), z.string(), z.number()]).nullish(),
  feature_access: z.record(z.string(), z.unknown()).nullish(),
});

const ownerFlag = (value: unknown) => value === true || value === 1 || (typeof value === 'string' && /^\s*(true|1|yes)\s*$/i.test(value));

/**
 * Who is the owner, read generously: `is_owner`, or an access of "owner" on any feature (as the
 * owner's entry shows it), so that an entry missing its flag never exposes the owner to a removal.
 */
function isOwner(user: z.infer<typeof userSchema>): boolean {
  return ownerFlag(user.is_owner) || Object.values(user.feature_access ?? {}).some((v) => typeof v === 'string' && v.trim().toLowerCase() === 'owner');
}

/**
 * Email (compared as the roster's are: trimmed of spaces and invisible characters, lower case) ->
 * state; undefined when the body is not a users list (an HTML page, say). An email listed twice is
 * one person: the owner if either entry says so, active if either is.
 */
export function parseUsers(body: unknown): Map<string, UserState> | undefined {
  const parsed = listSchema.safeParse(body);
  if (!parsed.success || Array.isArray(body)) return undefined;
  const users = new Map<string, UserState>();
  for (const entry of ('users' in parsed.data ? parsed.data.users : undefined) ?? []) {
    const user = userSchema.safeParse(entry);
    if (!user.success) continue;
    const email = normalizeEmail(user.data.email);
    if (email === '') continue;
    const before = users.get(email);
    const status = user.data.status?.trim().toLowerCase() === 'pending' ? 'pending' : 'active';
    users.set(email, {
      status: before?.status === 'active' ? 'active' : status,
      isOwner: before?.isOwner === true || isOwner(user.data),
      listedAs: before?.listedAs ?? user.data.email.trim(),
    });
  }
  return users;
}
