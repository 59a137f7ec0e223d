/** Summary statistics for benchmark samples. All inputs are plain numbers (ms, tasks/s, MB). */

export interface Spread {
  median: number;
  min: number;
  max: number;
  /** Every sample, in the order they were taken. */
  samples: number[];
}

export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** Nearest-rank quantile of already sorted values; `q` in [0, 1]. */
export function quantileSorted(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const rank = Math.min(values.length - 1, Math.max(0, Math.ceil(q * values.length) - 1));
  return values[rank] as number;
}

export function median(values: readonly number[]): number {
  const s = sorted(values);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1
    ? (s[mid] as number)
    : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function spread(samples: readonly number[]): Spread {
  const s = sorted(samples);
  return {
    median: median(s),
    min: s[0] ?? Number.NaN,
    max: s[s.length - 1] ?? Number.NaN,
    samples: [...samples],
  };
}

export function percentiles(values: readonly number[]): Percentiles {
  const s = sorted(values);
  const sum = s.reduce((total, v) => total + v, 0);
  return {
    count: s.length,
    p50: quantileSorted(s, 0.5),
    p95: quantileSorted(s, 0.95),
    p99: quantileSorted(s, 0.99),
    max: s[s.length - 1] ?? Number.NaN,
    mean: s.length > 0 ? sum / s.length : Number.NaN,
  };
}

/** Rounds for JSON: three significant decimals are plenty for ms and tasks/s. */
export function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
