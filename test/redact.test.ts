/** The key out of every text, whatever a server makes of it when it echoes it back. */
import { describe, expect, test } from '@jest/globals';
import { REDACTED, scrub } from '../src/redact.js';

const KEY = 'xkeysib-0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab-Zq9Wv7PcL3mN8rT2';

describe('scrub', () => {
  test.each([
    ['as sent', `key ${KEY} refused`],
    ['in capitals', `KEY ${KEY.toUpperCase()} REFUSED`],
    ['percent-encoded, every character', `key=${[...KEY].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).join('')}`],
    ['with its dashes as %2D', `key=${KEY.replaceAll('-', '%2D')}`],
    ['in base64', `auth ${Buffer.from(KEY).toString('base64')}`],
    ['cut short by three characters', `key ${KEY.slice(0, -3)}... refused`],
    ['without its first characters', `key ...${KEY.slice(20)}`],
    ['split by a line break', `key ${KEY.slice(0, 40)}\n${KEY.slice(40)}`],
  ])('the key %s is gone', (_, text) => {
    const out = scrub(text, [KEY]);
    expect(out).toContain(REDACTED);
    for (let i = 0; i + 16 <= KEY.length; i++) expect(out.toLowerCase()).not.toContain(KEY.slice(i, i + 16).toLowerCase());
  });

  test('text around the key is kept; text that shares only a short piece with it is left alone', () => {
    expect(scrub(`before ${KEY} after`, [KEY])).toBe(`before ${REDACTED} after`);
    expect(scrub('xkeysib-0123 is how keys begin', [KEY])).toBe('xkeysib-0123 is how keys begin');
    expect(scrub('nothing here', [KEY])).toBe('nothing here');
  });
});
