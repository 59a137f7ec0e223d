import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ScenarioResult } from '../scenarios/result.js';
import type { BenchEnvironment } from './environment.js';

/** Full runs feed BENCHMARKS.md; quick runs go where git does not look. */
export function resultsDir(quick: boolean): string {
  return quick ? path.resolve('.tumnus/bench/quick') : path.resolve('bench/results');
}

export function writeScenarioResult(
  dir: string,
  environment: BenchEnvironment,
  result: ScenarioResult,
): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${result.scenario}.json`);
  writeFileSync(file, `${JSON.stringify({ environment, ...result }, null, 2)}\n`);
  return file;
}
