import type { Percentiles, Spread } from '../support/stats.js';

/** One system's figures for one case of a scenario. */
export interface SystemResult {
  system: string;
  label: string;
  /** Why the system did not run or did not finish. */
  error?: string;
  /** Parameters that differ per system (e.g. Agenda's smaller task count). */
  params?: Record<string, unknown>;
  metrics: Record<string, Spread | Percentiles | number | string | null>;
  notes?: string[];
}

export interface CaseResult {
  case: string;
  systems: SystemResult[];
}

/** What one scenario writes to bench/results/<scenario>.json (plus the run's environment). */
export interface ScenarioResult {
  scenario: string;
  title: string;
  params: Record<string, unknown>;
  cases: CaseResult[];
  notes?: string[];
}
