/**
 * Brevo's catalog of features and their permissions, as published for
 * `POST /organization/user/invitation/send`. This module is the only place that knows it;
 * everything else asks it.
 *
 * Brevo's description disagrees with itself on one name: the prose says `manage_other_companies`,
 * the request schema's enum says `manage_others_companies` (which validators enforce). Both are
 * accepted on input; the enum spelling is the one sent.
 */
export const CATALOG = {
  email_campaigns: ['create_edit_delete', 'send_schedule_suspend'],
  sms_campaigns: ['create_edit_delete', 'send_schedule_suspend'],
  contacts: ['view', 'create_edit_delete', 'import', 'export', 'list_and_attributes', 'forms'],
  templates: ['create_edit_delete', 'activate_deactivate'],
  workflows: ['create_edit_delete', 'activate_deactivate_pause', 'settings'],
  landing_pages: ['all'],
  transactional_emails: ['settings', 'logs'],
  smtp_api: ['smtp', 'api_keys', 'authorized_ips'],
  user_management: ['all'],
  sales_platform: ['create_edit_deals', 'delete_deals', 'manage_others_deals_tasks', 'reports', 'settings'],
  phone: ['all'],
  conversations: ['access', 'assign', 'configure'],
  senders_domains_dedicated_ips: ['senders_management', 'domains_management', 'dedicated_ips_management'],
  push_notifications: ['view', 'create_edit_delete', 'send', 'settings'],
  companies: ['manage_owned_companies', 'manage_others_companies', 'settings'],
} as const satisfies Record<string, readonly string[]>;

export type Feature = keyof typeof CATALOG;
export type Permission = (typeof CATALOG)[Feature][number];

/** Spellings accepted on input that are sent under another name. */
export const PERMISSION_ALIASES: Readonly<Record<string, { feature: Feature; permission: Permission }>> = {
  manage_other_companies: { feature: 'companies', permission: 'manage_others_companies' },
};

export const FEATURES = Object.keys(CATALOG) as Feature[];

const FEATURE_SET: ReadonlySet<string> = new Set(FEATURES);

export function isFeature(name: string): name is Feature {
  return FEATURE_SET.has(name);
}

export function permissionsOf(feature: Feature): readonly Permission[] {
  return CATALOG[feature];
}

/**
 * Resolves a permission name (already lower-cased) for a feature: the catalog name it stands for,
 * or undefined when the feature has no such permission.
 */
export function resolvePermission(feature: Feature, name: string): Permission | undefined {
  const alias = PERMISSION_ALIASES[name];
  if (alias !== undefined && alias.feature === feature) return alias.permission;
  return (CATALOG[feature] as readonly string[]).includes(name) ? (name as Permission) : undefined;
}

/** Features that do have a permission of this name (for "did you mean" messages). */
export function featuresWithPermission(name: string): Feature[] {
  const alias = PERMISSION_ALIASES[name];
  const canonical = alias?.permission ?? name;
  return FEATURES.filter((f) => (CATALOG[f] as readonly string[]).includes(canonical));
}

/** Position of a permission within its feature: permissions are always sent in catalog order. */
export function permissionRank(feature: Feature, permission: Permission): number {
  return (CATALOG[feature] as readonly string[]).indexOf(permission);
}

export function featureRank(feature: Feature): number {
  return FEATURES.indexOf(feature);
}
