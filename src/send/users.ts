/** The invited-users list: who is already in the account, and in what state. */
import * as z from 'zod';

export type UserState = 'active' | 'pending';

// Brevo's schema does not require `users`: an account with nobody invited may answer `{}` (but an
// object with other keys and no `users` is something else, e.g. an error from a wrong URL). An
// entry without an email cannot be matched to a row, and is passed over.
const listSchema = z.union([z.strictObject({}), z.looseObject({ users: z.array(z.unknown()).nullable() })]);
const userSchema = z.looseObject({
  email: z.string(),
  status: z.string().nullish(),
});

/** Lower-cased email -> state; undefined when the body is not a users list (an HTML page, say). */
export function parseUsers(body: unknown): Map<string, UserState> | undefined {
  const parsed = listSchema.safeParse(body);
  if (!parsed.success || Array.isArray(body)) return undefined;
  const users = new Map<string, UserState>();
  for (const entry of ('users' in parsed.data ? parsed.data.users : undefined) ?? []) {
    const user = userSchema.safeParse(entry);
    if (!user.success) continue;
    users.set(user.data.email.trim().toLowerCase(), user.data.status?.toLowerCase() === 'pending' ? 'pending' : 'active');
  }
  return users;
}
