// Writes a realistic users CSV of N rows (cached under bench/.data, which git ignores).
import { createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';

const PRIVILEGES = [
  'email_campaigns:*; contacts:view|import',
  'contacts:view',
  'sales_platform:create_edit_deals|reports; contacts:view',
  'conversations:access|assign',
  'templates:create_edit_delete; workflows:settings',
  'transactional_emails:logs; smtp_api:api_keys',
];
const DEPARTMENTS = ['Marketing', 'Sales', 'Support', 'IT', 'Finance', 'Operations'];

export async function generate(rows, dir) {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `users-${rows}.csv`);
  if (existsSync(path)) return path;
  const tmp = `${path}.tmp`;
  const out = createWriteStream(tmp);
  out.write('email,first_name,last_name,department,privileges,all_features_access\n');
  let chunk = '';
  for (let i = 1; i <= rows; i++) {
    const all = i % 50 === 0;
    chunk += `user${i}@example.com,First${i},Last${i},${DEPARTMENTS[i % DEPARTMENTS.length]},${all ? '' : `"${PRIVILEGES[i % PRIVILEGES.length]}"`},${all ? 'yes' : ''}\n`;
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  renameSync(tmp, path);
  return path;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await generate(Number(process.argv[2] ?? 1000), process.argv[3] ?? 'bench/.data'));
}
