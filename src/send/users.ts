/** The invited-users list: who is already in the account, and in what state. */
import * as z from 'zod';

export type UserState = 'active' | 'pending';

const listSchema = z.object({
  users: z.array(
    z.looseObject({
      email: z.string(),
      status: z.string().optional(),
    }),
  ),
});

/** Lower-cased email -> state; undefined when the body is not a users list. */
export function parseUsers(body: unknown): Map<string, UserState> | undefined {
  const parsed = listSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const users = new Map<string, UserState>();
  for (const u of parsed.data.users) {
    users.set(u.email.trim().toLowerCase(), u.status?.toLowerCase() === 'pending' ? 'pending' : 'active');
  }
  return users;
}
