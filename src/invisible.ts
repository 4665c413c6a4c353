/**
 * Characters that cannot be seen but come along with a copy-paste from web pages and documents:
 * zero-width spaces and joiners, the word joiner, a BOM in the middle of text. JavaScript's
 * `trim()` and `\s` leave most of them in place.
 */
export const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF]/;
const INVISIBLE_ALL = /[\u200B-\u200D\u2060\uFEFF]/g;

export const dropInvisible = (text: string): string => (INVISIBLE.test(text) ? text.replace(INVISIBLE_ALL, '') : text);
