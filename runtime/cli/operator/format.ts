// Turning records into text for the person at the terminal. No I/O here.

/** `2025-03-01 14:05:09Z`: second precision, always UTC. */
export function formatDate(date: Date | null | undefined): string {
  if (!date) return '-';
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** A duration as its two largest units: `850ms`, `42s`, `3m 12s`, `5h 4m`, `2d 7h`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))}ms`;

  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ];
  let seconds = Math.floor(ms / 1_000);
  const parts: string[] = [];
  for (const [unit, size] of units) {
    const count = Math.floor(seconds / size);
    seconds %= size;
    if (parts.length === 0 && count === 0) continue;
    if (count > 0) parts.push(`${count}${unit}`);
    if (parts.length > 0 && (parts.length === 2 || count === 0)) break;
  }
  return parts.join(' ');
}

/** Compact JSON of any stored value without stack traces, cut to `max` characters. */
export function formatValue(value: unknown, max = 80): string {
  if (value === undefined) return '-';
  const text =
    JSON.stringify(value, (key, v: unknown) => (key === 'stack' ? undefined : v)) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** One line of text (newlines and runs of blanks collapsed), cut to `max` characters. */
export function formatText(text: string, max = 100): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Indented JSON, every line prefixed by `indent`. */
export function formatBlock(value: unknown, indent = '  '): string {
  const text = value === undefined ? '(none)' : JSON.stringify(value, null, 2);
  return text
    .split('\n')
    .map((line) => indent + line)
    .join('\n');
}

/** Columns padded to their widest cell, two spaces apart; the header in capitals. */
export function formatTable(headers: readonly string[], rows: readonly string[][]): string {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers.map((h) => h.toUpperCase())), ...rows.map(line)].join('\n');
}

/** `label   value` lines, labels padded to the widest. */
export function formatFields(fields: readonly [string, string][], indent = '  '): string {
  const width = Math.max(...fields.map(([label]) => label.length));
  return fields.map(([label, value]) => `${indent}${label.padEnd(width)}  ${value}`).join('\n');
}
