/**
 * Text from the file shown in a message: short, on one line and printable, whatever the file holds
 * (a binary file read as text would otherwise fill the terminal with kilobytes of control codes).
 */

// Control and format characters, unassigned and private code points, and the replacement character
// left by bytes that are not text.
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cn}\p{Co}\p{Cs}\uFFFD]/gu;

export function excerpt(text: string, maxChars = 40): string {
  const printable = text.replace(UNPRINTABLE, '?');
  return printable.length > maxChars ? `${printable.slice(0, maxChars - 1)}…` : printable;
}

/** True when text from a header row holds characters no spreadsheet writes there: the file is not text. */
export function looksBinary(text: string): boolean {
  const controls = text.match(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFD]/g);
  return controls !== null && controls.length >= 2;
}

/** `"a", "b" and 3 more`: at most `max` names, each shortened. */
export function listNames(names: readonly string[], max = 12): string {
  const shown = names.slice(0, max).map((n) => `"${excerpt(n)}"`);
  return names.length > max ? `${shown.join(', ')} and ${names.length - max} more` : shown.join(', ');
}
