/** `brevo-invite features`: the catalog, as a table or as JSON. */
import { CATALOG, FEATURES, PERMISSION_ALIASES } from '../../catalog/catalog.js';

export function featuresText(): string {
  const width = Math.max(...FEATURES.map((f) => f.length));
  const lines = ['Features and their permissions (write them as feature:permission, feature:p1|p2, or feature:*):', ''];
  for (const f of FEATURES) lines.push(`  ${f.padEnd(width)}  ${CATALOG[f].join(', ')}`);
  lines.push('');
  for (const [alias, { feature, permission }] of Object.entries(PERMISSION_ALIASES)) {
    lines.push(`Also accepted: ${feature}:${alias} (sent as ${permission}, the spelling Brevo's API schema requires).`);
  }
  lines.push('A bare * or "all" in the privileges column gives every feature (all_features_access).');
  return lines.join('\n') + '\n';
}

export function featuresJson(): string {
  return JSON.stringify({ features: CATALOG, aliases: PERMISSION_ALIASES }, null, 2) + '\n';
}
