import type { Percentiles, Spread } from '../support/stats.js';

export function isSpread(value: unknown): value is Spread {
  return typeof value === 'object' && value !== null && 'median' in value && 'samples' in value;
}

export function isPercentiles(value: unknown): value is Percentiles {
  return typeof value === 'object' && value !== null && 'p50' in value && 'p99' in value;
}

/** 1234.5 → "1,235"; 12.34 → "12.3"; 1.234 → "1.23". */
export function num(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 100 || Number.isInteger(value)) return Math.round(value).toLocaleString('en-US');
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** A duration in ms, switching to seconds past 10 s. */
export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  return value >= 10_000 ? `${num(value / 1000)} s` : `${num(value)} ms`;
}

export function spreadText(value: Spread | undefined, unit: (v: number) => string = num): string {
  if (!value || value.samples.length === 0) return '–';
  if (value.samples.length === 1) return unit(value.median);
  return `${unit(value.median)} (${unit(value.min)}–${unit(value.max)})`;
}

export function ratio(value: number | undefined, of: number | undefined): string {
  if (!value || !of) return '–';
  const r = value / of;
  return r >= 10 ? `${num(r)}×` : `${r.toFixed(2)}×`;
}

export function percent(value: number | undefined, of: number | undefined): string {
  if (!value || !of) return '–';
  return `${Math.round((value / of) * 100)} %`;
}

export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
