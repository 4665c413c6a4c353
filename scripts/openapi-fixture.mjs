// Extracts the organization endpoints the tool calls from Brevo's OpenAPI description into
// fixtures/openapi/organization.json, for the contract test (test/send/contract.test.ts): each
// operation's method, path, path parameters and request body schema (references resolved,
// descriptions and examples dropped). Run by hand when the description changes:
//
//   node scripts/openapi-fixture.mjs path/to/brevo.yaml
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const source = process.argv[2];
if (source === undefined) {
  console.error('usage: node scripts/openapi-fixture.mjs path/to/brevo.yaml');
  process.exit(2);
}
const PATHS = [
  '/organization/invited/users',
  '/organization/user/invitation/send',
  '/organization/user/update/permissions',
  '/organization/user/invitation/{action}/{email}',
  '/organization/user/invitation/revoke/{email}',
];

/**
 * Brevo's file does not parse as a whole with a strict YAML parser (a quote left open in an
 * unrelated description), so the blocks needed are cut out by indentation and parsed alone.
 */
function block(lines, header, indent) {
  const start = lines.findIndex((l) => l === header);
  if (start === -1) throw new Error(`not found in ${source}: ${header.trim()}`);
  let end = start + 1;
  while (end < lines.length && (lines[end].trim() === '' || lines[end].length - lines[end].trimStart().length > indent)) end++;
  return lines.slice(start, end).join('\n');
}
const lines = readFileSync(source, 'utf8').split('\n');
const doc = parse(
  [
    'paths:',
    ...PATHS.map((p) => block(lines, `  "${p}":`, 2)),
    'components:',
    '  schemas:',
    block(lines, '    inviteuser:', 4),
  ].join('\n'),
);

/** Resolves $ref and drops what only documents (descriptions, examples). */
function clean(node) {
  if (Array.isArray(node)) return node.map(clean);
  if (node === null || typeof node !== 'object') return node;
  if (typeof node.$ref === 'string') {
    const target = node.$ref.replace(/^#\//, '').split('/').reduce((o, k) => o[k], doc);
    return clean(target);
  }
  const out = {};
  for (const [k, v] of Object.entries(node)) if (k !== 'description' && k !== 'example' && k !== 'examples') out[k] = clean(v);
  return out;
}

const operations = [];
for (const path of PATHS) {
  for (const [method, op] of Object.entries(doc.paths[path] ?? {})) {
    operations.push({
      operationId: op.operationId,
      method: method.toUpperCase(),
      path,
      parameters: (op.parameters ?? []).map((p) => ({ name: p.name, in: p.in, required: p.required === true, schema: clean(p.schema) })),
      requestBody: op.requestBody === undefined ? null : { required: op.requestBody.required === true, schema: clean(op.requestBody.content['application/json'].schema) },
    });
  }
}
const out = fileURLToPath(new URL('../fixtures/openapi/organization.json', import.meta.url));
writeFileSync(
  out,
  JSON.stringify(
    { $comment: `The organization endpoints of Brevo's OpenAPI description (${source.split('/').pop()}), as scripts/openapi-fixture.mjs extracts them for the contract test.`, operations },
    null,
    2,
  ) + '\n',
);
console.log(`${operations.length} operations written to ${out}`);
