import type { ScenarioResult, SystemResult } from '../scenarios/result.js';
import type { BenchEnvironment } from '../support/environment.js';

export type StoredResult = ScenarioResult & { environment: BenchEnvironment };

export interface LoadedResults {
  throughput?: StoredResult;
  'request-reply'?: StoredResult;
  latency?: StoredResult;
  waiters?: StoredResult;
  scaling?: StoredResult;
}

export function findSystem(
  result: StoredResult | undefined,
  caseName: string,
  system: string,
): SystemResult | undefined {
  return result?.cases.find((c) => c.case === caseName)?.systems.find((s) => s.system === system);
}

/** The median of a Spread metric, or undefined. */
export function medianOf(system: SystemResult | undefined, metric: string): number | undefined {
  const value = system?.metrics[metric] as { median?: number } | undefined;
  return system?.error ? undefined : value?.median;
}

export function p(system: SystemResult | undefined, metric: string, key: 'p50' | 'p95' | 'p99') {
  const value = system?.metrics[metric] as Record<string, number> | null | undefined;
  return system?.error || !value ? undefined : value[key];
}
