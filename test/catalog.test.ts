import { describe, expect, test } from '@jest/globals';
import {
  CATALOG,
  FEATURES,
  featuresWithPermission,
  isFeature,
  permissionsOf,
  resolvePermission,
} from '../src/catalog/catalog.js';

describe('catalog', () => {
  test('has the fifteen features Brevo documents, with their permissions', () => {
    expect(FEATURES).toHaveLength(15);
    expect(permissionsOf('contacts')).toEqual(['view', 'create_edit_delete', 'import', 'export', 'list_and_attributes', 'forms']);
    expect(permissionsOf('landing_pages')).toEqual(['all']);
    expect(CATALOG.companies).toContain('manage_others_companies');
  });

  test('accepts both spellings of the companies permission and resolves to the API enum spelling', () => {
    expect(resolvePermission('companies', 'manage_other_companies')).toBe('manage_others_companies');
    expect(resolvePermission('companies', 'manage_others_companies')).toBe('manage_others_companies');
    expect(resolvePermission('contacts', 'manage_other_companies')).toBeUndefined();
  });

  test('knows which features own a permission name', () => {
    expect(featuresWithPermission('logs')).toEqual(['transactional_emails']);
    expect(featuresWithPermission('settings')).toEqual(['workflows', 'transactional_emails', 'sales_platform', 'push_notifications', 'companies']);
    expect(featuresWithPermission('nothing')).toEqual([]);
    expect(isFeature('contacts')).toBe(true);
    expect(isFeature('contact')).toBe(false);
  });
});
