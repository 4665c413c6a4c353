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
    ['percent-encoded and split by a line break', `key=${[...KEY.slice(0, 30)].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('')}\n${KEY.slice(30).replaceAll('-', '%2d')}`],
    ['as HTML character references', `<p>${[...KEY].map((c, i) => (i % 2 === 0 ? `&#${c.charCodeAt(0)};` : `&#x${c.charCodeAt(0).toString(16)};`)).join('')}</p>`],
  ])('the key %s is gone', (_, text) => {
    const out = scrub(text, [KEY]);
    expect(out).toContain(REDACTED);
    for (let i = 0; i + 16 <= KEY.length; i++) expect(out.toLowerCase()).not.toContain(KEY.slice(i, i + 16).toLowerCase());
  });

  /** Every base64 text that decodes to something holding 16 characters of the key. */
  const leaks = (out: string) => {
    const found: string[] = [];
    for (const piece of out.replaceAll(REDACTED, ' ').split(/[^A-Za-z0-9+/=_-]+/)) {
      for (let shift = 0; shift < 4; shift++) {
        const decodedText = Buffer.from(piece.slice(shift).replaceAll('-', '+').replaceAll('_', '/'), 'base64').toString('latin1');
        for (let i = 0; i + 16 <= KEY.length; i++) if (decodedText.includes(KEY.slice(i, i + 16))) found.push(piece);
      }
    }
    return found;
  };

  test('the check below finds a key in base64 when it is there', () => {
    expect(leaks(`Basic ${Buffer.from(`user:${KEY}`).toString('base64')}`)).not.toEqual([]);
  });

  test.each([
    ['of the key alone', Buffer.from(KEY).toString('base64')],
    ['of "api-key:" and the key', Buffer.from(`api-key:${KEY}`).toString('base64')],
    ['of a Basic authorization ("user:" and the key)', `Authorization: Basic ${Buffer.from(`user:${KEY}`).toString('base64')}`],
    ['of "ab" and the key, base64url', Buffer.from(`ab${KEY}`).toString('base64url')],
    ['of the key, cut short', Buffer.from(KEY).toString('base64').slice(0, -12)],
    ['of the key, split at 40 characters', Buffer.from(KEY).toString('base64').replace(/(.{40})/, '$1\n')],
    ['of "api-key:" and the key, wrapped at 76 characters', Buffer.from(`api-key:${KEY}`).toString('base64').replace(/(.{76})/g, '$1\n')],
  ])('the key in base64 %s is gone', (_, text) => {
    const out = scrub(`echo: ${text} end`, [KEY]);
    expect(out).toContain(REDACTED);
    expect(leaks(out)).toEqual([]);
  });

  test('any piece of the key of 16 characters, wherever it starts, is gone', () => {
    for (let at = 0; at + 16 <= KEY.length; at++) {
      const out = scrub(`message <${KEY.slice(at, at + 16)}> end`, [KEY]);
      expect(out).toBe(`message <${REDACTED}> end`);
    }
  });

  test('text around the key is kept; text that shares only a short piece with it is left alone', () => {
    expect(scrub(`before ${KEY} after`, [KEY])).toBe(`before ${REDACTED} after`);
    expect(scrub('xkeysib-0123 is how keys begin', [KEY])).toBe('xkeysib-0123 is how keys begin');
    expect(scrub('nothing here', [KEY])).toBe('nothing here');
  });
});
