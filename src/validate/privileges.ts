/**
 * The privileges cell grammar: items separated by `;`, `,`, newlines or spaces; an item is
 * `feature:permission`, `feature:perm1|perm2` or `feature:*`; a bare `*` or `all` means every
 * feature. Case-insensitive; `-` reads as `_`. Pure functions; the catalog decides what exists.
 */
import {
  FEATURES,
  featureRank,
  featuresWithPermission,
  isFeature,
  permissionRank,
  permissionsOf,
  resolvePermission,
  type Feature,
  type Permission,
} from '../catalog/catalog.js';
import { dropInvisible } from '../invisible.js';
import type { Privilege } from '../types.js';
import { didYouMean, nearest } from './suggest.js';

export type ProblemCode =
  | 'missing_email'
  | 'invalid_email'
  | 'invalid_all_features_access'
  | 'unknown_feature'
  | 'unknown_permission'
  | 'missing_permission'
  | 'no_privileges'
  | 'conflicting_access'
  | 'unknown_role'
  | 'bad_record';

export interface Problem {
  code: ProblemCode;
  message: string;
}

/** Feature -> granted permissions. Order does not matter here; `toPrivileges` sorts. */
export type Grants = Map<Feature, Set<Permission>>;

/** What a privileges cell (or a role definition) asks for. Treat as immutable: results are cached. */
export interface AccessSpec {
  all: boolean;
  grants: Grants;
  problems: Problem[];
}

const ITEM_SEPARATORS = /[;,\s]+/;
const AROUND_COLON = /\s*:\s*/g;
const AROUND_BAR = /\s*\|\s*/g;
const PUNCTUATION_ONLY = /^[-_/&+.]+$/;

export function parseAccess(text: string): AccessSpec {
  const spec: AccessSpec = { all: false, grants: new Map(), problems: [] };
  const normalized = dropInvisible(text).replace(AROUND_COLON, ':').replace(AROUND_BAR, '|').toLowerCase();
  for (const item of normalized.split(ITEM_SEPARATORS)) {
    // A lone dash or slash between words ("contacts - view") says nothing of its own.
    if (item !== '' && !PUNCTUATION_ONLY.test(item)) parseItem(item.replaceAll('-', '_'), spec);
  }
  return spec;
}

function parseItem(item: string, spec: AccessSpec): void {
  if (item === '*' || item === 'all') {
    spec.all = true;
    return;
  }
  const colon = item.indexOf(':');
  const featureName = colon === -1 ? item : item.slice(0, colon);
  const permissionText = colon === -1 ? '' : item.slice(colon + 1);

  // `workflows:|` and `workflows:|||` name no permission either: refused like `workflows:`, not dropped.
  const names = permissionText.split('|').filter((name) => name !== '');
  if (!isFeature(featureName)) {
    spec.problems.push({ code: 'unknown_feature', message: unknownFeature(item, featureName, permissionText, colon !== -1) });
    // `contact:veiw` has two mistakes: the permissions are checked against the suggested feature,
    // so that one round of fixes is enough.
    const guess = colon === -1 || featureName === '' ? undefined : nearest(featureName, FEATURES);
    if (guess === undefined) return;
    for (const name of names) {
      if (name !== '*' && resolvePermission(guess, name) === undefined) {
        spec.problems.push({ code: 'unknown_permission', message: unknownPermission(guess, name, ' either') });
      }
    }
    return;
  }
  const feature = featureName;
  if (names.length === 0) {
    spec.problems.push({
      code: 'missing_permission',
      message: `"${item}" names no permission: write ${feature}:* for all of them, or one of ${feature}:${permissionsOf(feature).join('|')}`,
    });
    return;
  }
  let granted = spec.grants.get(feature);
  if (granted === undefined) {
    granted = new Set();
    spec.grants.set(feature, granted);
  }
  for (const name of names) {
    if (name === '*') {
      for (const p of permissionsOf(feature)) granted.add(p);
      continue;
    }
    const permission = resolvePermission(feature, name);
    if (permission !== undefined) granted.add(permission);
    else spec.problems.push({ code: 'unknown_permission', message: unknownPermission(feature, name) });
  }
  if (granted.size === 0) spec.grants.delete(feature);
}

/** `contacts.view`, `contacts/view`, `contacts=view`: a known feature and permission with another separator. */
const OTHER_SEPARATOR = /^([a-z_]+)[./=>]([a-z_*|]+)$/;

function unknownFeature(item: string, featureName: string, permissionText: string, hasColon: boolean): string {
  if (featureName === '') {
    const owners = featuresWithPermission(permissionText);
    const forms = owners.length > 0 ? owners.map((f) => `${f}:${permissionText}`).join(' or ') : 'feature:permission, e.g. contacts:view';
    return `"${item}" has no feature before the ":": write ${forms}`;
  }
  const separated = hasColon ? null : OTHER_SEPARATOR.exec(featureName);
  if (separated !== null && isFeature(separated[1]!)) {
    return `unknown feature "${featureName}": a feature and its permission are separated by ":", as in ${separated[1]}:${separated[2]}`;
  }
  const owners = hasColon ? [] : featuresWithPermission(featureName);
  const hint =
    owners.length > 0
      ? ` ("${featureName}" is a permission: write it as ${owners.map((f) => `${f}:${featureName}`).join(' or ')})`
      : didYouMean(featureName, FEATURES) || ' (run "brevo-invite features" for the list)';
  return `unknown feature "${featureName}"${hint}`;
}

function unknownPermission(feature: Feature, name: string, either = ''): string {
  const valid = permissionsOf(feature);
  if (name === 'all') return `"all" is not a permission of ${feature}: write ${feature}:* for all of its permissions (${valid.join(', ')})`;
  const elsewhere = featuresWithPermission(name);
  const owner = elsewhere.length > 0 ? ` (it belongs to ${elsewhere.join(', ')})` : didYouMean(name, valid);
  return `"${name}" is not a permission of ${feature}${either}${owner}; ${feature} has: ${valid.join(', ')}`;
}

/** Adds every grant of `from` to `into`. */
export function mergeGrants(into: Grants, from: Grants): void {
  for (const [feature, permissions] of from) {
    const target = into.get(feature);
    if (target === undefined) into.set(feature, new Set(permissions));
    else for (const p of permissions) target.add(p);
  }
}

/** The canonical, de-duplicated list: features and permissions in catalog order. */
export function toPrivileges(grants: Grants): Privilege[] {
  return [...grants.entries()]
    .sort(([a], [b]) => featureRank(a) - featureRank(b))
    .map(([feature, set]) => ({
      feature,
      permissions: [...set].sort((a, b) => permissionRank(feature, a) - permissionRank(feature, b)),
    }));
}

/** The `granted` column: `contacts:view|import; templates:create_edit_delete`, or `all`. */
export function formatGranted(allFeaturesAccess: boolean, privileges: readonly Privilege[]): string {
  if (allFeaturesAccess) return 'all';
  return privileges.map((p) => `${p.feature}:${p.permissions.join('|')}`).join('; ');
}
