import type { Plan } from '../support/plan.js';
import { alternate } from '../support/rounds.js';
import { percentiles, spread } from '../support/stats.js';
import type { BenchEnv, BenchSystem, LatencySamples } from '../systems/types.js';
import type { ScenarioResult } from './result.js';

/**
 * Scenario 3: latency at light load. Sends at a steady ~50 tasks/s (open loop: on schedule
 * whatever the system does), no-op handler; per task, send → handler start, send → result
 * committed, and send → result seen by the sender. Percentiles pool every measured round.
 */
export async function runLatency(
  env: BenchEnv,
  systems: readonly BenchSystem[],
  plan: Plan,
): Promise<ScenarioResult> {
  const p = plan.latency;
  env.log(`scenario 3 (latency at ${p.ratePerSec}/s)`);
  const spec = (tasks: number) => ({ ratePerSec: p.ratePerSec, tasks, concurrency: p.concurrency });

  const perSystem = await alternate<LatencySamples, BenchSystem>(
    env,
    systems,
    p.rounds,
    (system) => system.latency(env, spec(p.warmUpTasks)),
    (system) => system.latency(env, spec(p.tasks)),
  );

  return {
    scenario: 'latency',
    title: `Latency at light load (${p.ratePerSec} tasks/s, no-op handler)`,
    params: { ...p },
    cases: [
      {
        case: 'noop',
        systems: perSystem.map((r) => {
          const pooled = (key: keyof LatencySamples) => r.rounds.flatMap((x) => x[key]);
          const p50s = (key: keyof LatencySamples) =>
            spread(r.rounds.map((x) => percentiles(x[key]).p50).filter((v) => !Number.isNaN(v)));
          return {
            system: r.system,
            label: r.label,
            ...(r.error ? { error: r.error } : {}),
            metrics: {
              start: percentiles(pooled('start')),
              committed: percentiles(pooled('committed')),
              result: pooled('result').length > 0 ? percentiles(pooled('result')) : null,
              startP50: p50s('start'),
              resultP50: p50s('result'),
            },
          };
        }),
      },
    ],
  };
}
