import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { CATALOG, FEATURES } from '../../src/catalog/catalog.js';
import { formatGranted, parseAccess, toPrivileges } from '../../src/validate/privileges.js';

const canonical = (text: string) => {
  const spec = parseAccess(text);
  return { all: spec.all, problems: spec.problems, granted: formatGranted(false, toPrivileges(spec.grants)) };
};

describe('privileges grammar', () => {
  test.each([
    ['contacts:view', 'contacts:view'],
    ['contacts:import|view', 'contacts:view|import'],
    ['contacts:view; contacts:import', 'contacts:view|import'],
    ['contacts:view,templates:*', 'contacts:view; templates:create_edit_delete|activate_deactivate'],
    ['templates:* contacts:view', 'contacts:view; templates:create_edit_delete|activate_deactivate'],
    ['contacts:view\ncontacts:view', 'contacts:view'],
    ['  CONTACTS : View | Import  ', 'contacts:view|import'],
    ['email-campaigns:create-edit-delete', 'email_campaigns:create_edit_delete'],
    ['companies:manage_other_companies', 'companies:manage_others_companies'],
    ['', ''],
  ])('%j grants %j', (text, granted) => {
    expect(canonical(text)).toEqual({ all: false, problems: [], granted });
  });

  test.each(['*', 'all', 'ALL', ' * '])('%j means every feature', (text) => {
    expect(parseAccess(text)).toMatchObject({ all: true, problems: [] });
  });

  test('a typo in a feature suggests the nearest name', () => {
    expect(parseAccess('contact:view').problems).toEqual([
      { code: 'unknown_feature', message: 'unknown feature "contact" (did you mean "contacts"?)' },
    ]);
  });

  test('a typo in both the feature and the permission reports both, the permission checked against the suggested feature', () => {
    expect(parseAccess('contact:veiw').problems).toEqual([
      { code: 'unknown_feature', message: 'unknown feature "contact" (did you mean "contacts"?)' },
      {
        code: 'unknown_permission',
        message: '"veiw" is not a permission of contacts either (did you mean "view"?); contacts has: view, create_edit_delete, import, export, list_and_attributes, forms',
      },
    ]);
    // A right permission, or *, after a misspelt feature is only the feature's mistake.
    expect(parseAccess('contact:view|*').problems).toHaveLength(1);
    expect(parseAccess('contact:veiw|imprt').problems.map((p) => p.code)).toEqual(['unknown_feature', 'unknown_permission', 'unknown_permission']);
  });

  test('a permission of another feature says where it belongs and lists the valid ones', () => {
    const [problem] = parseAccess('contacts:logs').problems;
    expect(problem?.code).toBe('unknown_permission');
    expect(problem?.message).toContain('"logs" is not a permission of contacts (it belongs to transactional_emails)');
    expect(problem?.message).toContain('contacts has: view, create_edit_delete, import, export, list_and_attributes, forms');
  });

  test('a typo in a permission suggests the nearest one', () => {
    expect(parseAccess('contacts:imprt').problems[0]?.message).toContain('(did you mean "import"?)');
  });

  test('a feature without a permission says how to write one', () => {
    expect(parseAccess('contacts').problems[0]).toMatchObject({ code: 'missing_permission' });
    expect(parseAccess('contacts:').problems[0]?.message).toContain('contacts:*');
  });

  test.each(['workflows:|', 'workflows:|||', 'workflows: |', 'workflows : | | ', 'SALES_PLATFORM:|'])(
    'a feature with an empty permission list (%j) is refused like "contacts:"',
    (text) => {
      const spec = parseAccess(`${text}; contacts:view`);
      expect(spec.problems.map((p) => p.code)).toEqual(['missing_permission']);
      expect(spec.problems[0]?.message).toMatch(/^".+" names no permission: write (workflows|sales_platform):\* for all of them/);
    },
  );

  test('a bare permission name says which feature to put before it', () => {
    expect(parseAccess('contacts:view, export').problems[0]?.message).toBe(
      'unknown feature "export" ("export" is a permission: write it as contacts:export)',
    );
  });

  test.each([
    ['contacts.view', 'separated by ":", as in contacts:view'],
    ['contacts/view|import', 'as in contacts:view|import'],
    [':view', '":view" has no feature before the ":": write contacts:view or push_notifications:view'],
    ['contacts:all', 'write contacts:* for all of its permissions'],
  ])('%j gets the fix in its message', (text, fix) => {
    const spec = parseAccess(text);
    expect(spec.grants.size).toBe(0);
    expect(spec.problems).toHaveLength(1);
    expect(spec.problems[0]?.message).toContain(fix);
  });

  test('a lone dash between words is not an item of its own', () => {
    expect(parseAccess('contacts - view').problems.map((p) => p.message)).toEqual([
      '"contacts" names no permission: write contacts:* for all of them, or one of contacts:view|create_edit_delete|import|export|list_and_attributes|forms',
      'unknown feature "view" ("view" is a permission: write it as contacts:view or push_notifications:view)',
    ]);
  });

  test('collects every problem of a cell', () => {
    expect(parseAccess('contact:view; contacts:nope; bogus').problems).toHaveLength(3);
  });
});

const itemArb = fc.constantFrom(...FEATURES).chain((feature) =>
  fc
    .subarray([...CATALOG[feature]], { minLength: 1 })
    .map((perms) => `${feature}:${perms.join('|')}`),
);

describe('privileges grammar: properties', () => {
  test('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        const spec = parseAccess(text);
        expect(Array.isArray(spec.problems)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  test('granted parses back to the same privileges', () => {
    fc.assert(
      fc.property(fc.array(itemArb, { minLength: 1, maxLength: 8 }), fc.constantFrom('; ', ',', ' ', '\n'), (items, sep) => {
        const first = parseAccess(items.join(sep));
        expect(first.problems).toEqual([]);
        const privileges = toPrivileges(first.grants);
        const again = parseAccess(formatGranted(false, privileges));
        expect(again.problems).toEqual([]);
        expect(toPrivileges(again.grants)).toEqual(privileges);
      }),
      { numRuns: 500 },
    );
  });
});
