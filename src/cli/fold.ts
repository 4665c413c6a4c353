/** Text folded to a terminal's width between words. */
import { stripVTControlCharacters } from 'node:util';

/**
 * Each line of `text` folded to the terminal's width, at spaces, keeping its own indentation and
 * hanging the rest two spaces further in (a terminal's own wrapping cuts words in two; the
 * progress bar turns it off while it is drawn, which would cut the line at the edge). Ends with
 * a line break.
 */
export function foldToWidth(text: string, columns: number | undefined): string {
  const width = Math.max(20, (columns ?? 100) - 1);
  const out: string[] = [];
  for (const line of text.replace(/\n$/, '').split('\n')) {
    const indent = /^ */.exec(line)![0];
    const hang = `${indent}  `;
    let current = indent;
    let shown = indent.length;
    let words = 0;
    for (const word of line.slice(indent.length).split(' ')) {
      const size = stripVTControlCharacters(word).length;
      if (words > 0 && shown + 1 + size > width) {
        out.push(current);
        [current, shown] = [`${hang}${word}`, hang.length + size];
      } else {
        [current, shown] = words === 0 ? [`${current}${word}`, shown + size] : [`${current} ${word}`, shown + 1 + size];
      }
      words++;
    }
    out.push(current);
  }
  return `${out.join('\n')}\n`;
}
