/** The invited-users list: who is already in the account, in what state, and who owns it. */
import * as z from 'zod';

export interface UserState {
  status: 'active' | 'pending';
  /** The account owner is never changed or removed. */
  isOwner: boolean;
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
});

const ownerFlag = (value: unknown) => value === true || value === 1 || (typeof value === 'string' && /^\s*(true|1|yes)\s*$/i.test(value));

/** Lower-cased email -> state; undefined when the body is not a users list (an HTML page, say). */
export function parseUsers(body: unknown): Map<string, UserState> | undefined {
  const parsed = listSchema.safeParse(body);
  if (!parsed.success || Array.isArray(body)) return undefined;
  const users = new Map<string, UserState>();
  for (const entry of ('users' in parsed.data ? parsed.data.users : undefined) ?? []) {
    const user = userSchema.safeParse(entry);
    if (!user.success) continue;
    users.set(user.data.email.trim().toLowerCase(), {
      status: user.data.status?.trim().toLowerCase() === 'pending' ? 'pending' : 'active',
      isOwner: ownerFlag(user.data.is_owner),
    });
  }
  return users;
}
