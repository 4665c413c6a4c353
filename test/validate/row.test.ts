import { describe, expect, test } from '@jest/globals';
import { parseRoles } from '../../src/validate/roles.js';
import { createRowValidator, type RowCheck } from '../../src/validate/row.js';

const roles = parseRoles({ marketing: 'email_campaigns:*; contacts:view', admin: 'all', viewer: ['contacts:view', 'templates:activate_deactivate'] });
const validate = createRowValidator(roles);
const codes = (check: RowCheck) => (check.ok ? [] : check.problems.map((p) => p.code));

describe('row validation', () => {
  test('a valid row becomes the exact request body and its granted text', () => {
    expect(validate({ email: ' Ann@Example.COM ', privileges: 'contacts:import|view' })).toEqual({
      ok: true,
      invitation: { email: 'ann@example.com', allFeaturesAccess: false, privileges: [{ feature: 'contacts', permissions: ['view', 'import'] }] },
      granted: 'contacts:view|import',
    });
  });

  test.each(['true', 'YES', 'y', '1', 'x', 'X'])('all_features_access %j gives every feature with an empty privileges list', (value) => {
    expect(validate({ email: 'a@example.com', allFeaturesAccess: value, privileges: '' })).toMatchObject({
      ok: true,
      invitation: { allFeaturesAccess: true, privileges: [] },
      granted: 'all',
    });
  });

  test.each(['false', 'No', 'n', '0', ''])('all_features_access %j is false', (value) => {
    expect(validate({ email: 'a@example.com', allFeaturesAccess: value, privileges: 'contacts:view' })).toMatchObject({
      ok: true,
      invitation: { allFeaturesAccess: false },
    });
  });

  test('roles add their privileges to the row own, merged and in catalog order', () => {
    const check = validate({ email: 'a@example.com', privileges: 'templates:create_edit_delete; contacts:export', role: 'marketing, Viewer' });
    expect(check).toMatchObject({
      ok: true,
      granted:
        'email_campaigns:create_edit_delete|send_schedule_suspend; contacts:view|export; templates:create_edit_delete|activate_deactivate',
    });
  });

  test('a role that grants all features gives all_features_access', () => {
    expect(validate({ email: 'a@example.com', role: 'admin' })).toMatchObject({ ok: true, granted: 'all' });
  });

  test('an undefined role names the defined ones and suggests the nearest', () => {
    const check = validate({ email: 'a@example.com', role: 'marketting' });
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.problems[0]?.message).toBe('role "marketting" is not defined: the roles file defines marketing, admin, viewer (did you mean "marketing"?)');
  });

  test('with many roles, an unknown one names the nearest few, not every role', () => {
    const many = parseRoles(Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`team_${i}`, 'contacts:view'])));
    const check = createRowValidator(many)({ email: 'a@example.com', role: 'team_12x' });
    expect(check.ok).toBe(false);
    if (check.ok) return;
    const message = check.problems[0]?.message ?? '';
    expect(message).toBe('role "team_12x" is not defined: the roles file defines 3000 roles (did you mean "team_12", "team_120" or "team_121"?)');
    const far = createRowValidator(many)({ email: 'a@example.com', role: 'marketing' });
    expect(far.ok || far.problems[0]?.message).toBe('role "marketing" is not defined: the roles file defines 3000 roles, none close to this name: check the spelling');
  });

  test.each([
    [{ email: '' , privileges: 'contacts:view' }, ['missing_email']],
    [{ email: 'not-an-email', privileges: 'contacts:view' }, ['invalid_email']],
    [{ email: `${'a'.repeat(250)}@example.com`, privileges: 'contacts:view' }, ['invalid_email']],
    [{ email: 'a@example.com', privileges: '' }, ['no_privileges']],
    [{ email: 'a@example.com' }, ['no_privileges']],
    [{ email: 'a@example.com', allFeaturesAccess: 'yes', privileges: 'contacts:view' }, ['conflicting_access']],
    [{ email: 'a@example.com', privileges: '*; contacts:view' }, ['conflicting_access']],
    [{ email: 'a@example.com', allFeaturesAccess: 'no', privileges: 'all' }, ['conflicting_access']],
    [{ email: 'a@example.com', allFeaturesAccess: 'maybe', privileges: 'contacts:view' }, ['invalid_all_features_access']],
    [{ email: 'a@example.com', privileges: 'workflows:|; contacts:view' }, ['missing_permission']],
    [{ email: 'a@example.com', allFeaturesAccess: 'yes', privileges: 'SALES_PLATFORM:|' }, ['missing_permission']],
    [{ email: 'bad', allFeaturesAccess: 'maybe', privileges: 'contact:view', role: 'ghost' }, ['invalid_email', 'invalid_all_features_access', 'unknown_feature', 'unknown_role']],
  ])('%j is invalid: %j', (cells, expected) => {
    expect(codes(validate(cells))).toEqual(expected);
  });

  test('messages quote the bad value and say what to write instead', () => {
    const check = validate({ email: 'a@example.com', allFeaturesAccess: 'maybe', privileges: 'contacts:view' });
    expect(check.ok).toBe(false);
    if (!check.ok) {
      expect(check.problems[0]?.message).toBe(
        'all_features_access "maybe" is not yes or no (use true/false, yes/no, y/n, 1/0, x, or leave it empty)',
      );
    }
  });

  test('invisible characters pasted into the access cells change nothing', () => {
    expect(validate({ email: 'a@example.com', privileges: 'contacts:view\u200B; \u200Btemplates:*', role: 'marketing\u200B', allFeaturesAccess: '\u200Bno' })).toMatchObject({
      ok: true,
      granted: 'email_campaigns:create_edit_delete|send_schedule_suspend; contacts:view; templates:create_edit_delete|activate_deactivate',
    });
  });
});
