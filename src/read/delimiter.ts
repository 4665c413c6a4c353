/**
 * Picks the delimiter from the header line: the candidate that occurs most often outside quotes.
 * Only the header is looked at, because data cells are full of dots, commas and spaces; csv-parse's
 * own `delimiter_auto` is not used for that reason (it scores `.` highly, and every email has one).
 */
export const DELIMITERS = [',', ';', '\t', '|'] as const;
export type Delimiter = (typeof DELIMITERS)[number];

const DELIMITER_NAMES: Record<string, Delimiter> = {
  ',': ',',
  comma: ',',
  ';': ';',
  semicolon: ';',
  '\t': '\t',
  '\\t': '\t',
  tab: '\t',
  '|': '|',
  pipe: '|',
};

export function delimiterFromName(name: string): Delimiter | undefined {
  return DELIMITER_NAMES[name.toLowerCase()] ?? DELIMITER_NAMES[name.trim().toLowerCase()];
}

/** The header line of a text: up to the first line break that is not inside quotes. */
export function headerLine(text: string): string {
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (c === '\n' || c === '\r')) return text.slice(0, i);
  }
  return text;
}

export function detectDelimiter(text: string): Delimiter {
  const sep = excelSeparatorLine(text);
  if (sep !== undefined) return sep;
  const header = headerLine(text);
  const counts = new Map<Delimiter, number>(DELIMITERS.map((d) => [d, 0]));
  let inQuotes = false;
  for (const c of header) {
    if (c === '"') inQuotes = !inQuotes;
    else if (!inQuotes && counts.has(c as Delimiter)) counts.set(c as Delimiter, counts.get(c as Delimiter)! + 1);
  }
  let best: Delimiter = ',';
  for (const d of DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}


/** Excel's optional first line `sep=;` names the delimiter; the header is on the next line. */
export function excelSeparatorLine(text: string): Delimiter | undefined {
  const m = /^sep=(.)$/i.exec(headerLine(text).trim());
  return m === null ? undefined : delimiterFromName(m[1]!);
}
