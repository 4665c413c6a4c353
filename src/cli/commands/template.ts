/** `brevo-invite template [dir]`: a starter users.csv and roles.json. Never overwrites a file. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { usageError } from '../../errors.js';
import type { CliIo } from '../io.js';

export const TEMPLATE_USERS = [
  'email,first_name,last_name,privileges,all_features_access,role',
  'ana.garcia@example.com,Ana,García,"email_campaigns:*; contacts:view|import",,',
  'ben.okafor@example.com,Ben,Okafor,contacts:view,,',
  'chloe.martin@example.com,Chloé,Martin,,yes,',
  'dev.patel@example.com,Dev,Patel,,,marketing',
  'eli.moreau@example.com,Eli,Moreau,templates:create_edit_delete,,support',
  '',
].join('\r\n');

export const TEMPLATE_ROLES =
  JSON.stringify(
    {
      marketing: 'email_campaigns:*; sms_campaigns:*; contacts:view|import|list_and_attributes; templates:*',
      sales: 'sales_platform:create_edit_deals|reports; contacts:view; companies:manage_owned_companies',
      support: 'conversations:*; contacts:view',
      admin: 'all',
    },
    null,
    2,
  ) + '\n';

export function templateCommand(dirArg: string | undefined, io: CliIo): number {
  const dir = resolve(io.cwd, dirArg ?? '.');
  const files = [
    { path: join(dir, 'users.csv'), content: TEMPLATE_USERS },
    { path: join(dir, 'roles.json'), content: TEMPLATE_ROLES },
  ];
  const existing = files.filter((f) => existsSync(f.path)).map((f) => f.path);
  if (existing.length > 0) throw usageError(`not overwriting ${existing.join(' and ')}: choose another folder (brevo-invite template <dir>)`);
  mkdirSync(dir, { recursive: true });
  for (const f of files) writeFileSync(f.path, f.content, { flag: 'wx' });
  io.stderr.write(
    `Wrote ${files[0]!.path} and ${files[1]!.path}.\n` +
      `Edit them, then check them offline:\n  brevo-invite validate ${join(dirArg ?? '.', 'users.csv')} --roles ${join(dirArg ?? '.', 'roles.json')}\n`,
  );
  return 0;
}
