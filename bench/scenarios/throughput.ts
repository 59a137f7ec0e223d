import type { Plan } from '../support/plan.js';
import { alternate } from '../support/rounds.js';
import { spread } from '../support/stats.js';
import {
  HandlerKind,
  type BenchEnv,
  type BenchSystem,
  type FireAndForgetResult,
} from '../systems/types.js';
import type { CaseResult, ScenarioResult } from './result.js';

/**
 * Scenario 1: fire-and-forget throughput. `tasks` sends (64 in flight), consumers at the same
 * concurrency, timed from the first send to the last result committed; once with a no-op handler,
 * once with a handler that awaits a 5 ms timer.
 */
export async function runThroughput(
  env: BenchEnv,
  systems: readonly BenchSystem[],
  plan: Plan,
): Promise<ScenarioResult> {
  const p = plan.throughput;
  const tasksFor = (system: BenchSystem) => (system.name === 'agenda' ? p.agendaTasks : p.tasks);
  const cases: CaseResult[] = [];

  for (const handler of [HandlerKind.Noop, HandlerKind.Sleep5]) {
    env.log(`scenario 1 (${handler})`);
    const spec = (tasks: number) => ({
      tasks,
      concurrency: p.concurrency,
      senders: p.senders,
      handler,
    });
    const perSystem = await alternate<FireAndForgetResult, BenchSystem>(
      env,
      systems,
      p.rounds,
      (system) => system.fireAndForget(env, spec(Math.min(p.warmUpTasks, tasksFor(system)))),
      (system) => system.fireAndForget(env, spec(tasksFor(system))),
    );
    cases.push({
      case: handler,
      systems: perSystem.map((r) => ({
        system: r.system,
        label: r.label,
        ...(r.error ? { error: r.error } : {}),
        params: { tasks: tasksFor(systems.find((s) => s.name === r.system) as BenchSystem) },
        metrics: {
          tasksPerSec: spread(r.rounds.map((x) => x.tasksPerSec)),
          ms: spread(r.rounds.map((x) => x.ms)),
        },
      })),
    });
  }

  return {
    scenario: 'throughput',
    title: 'Fire-and-forget throughput',
    params: { ...p },
    cases,
  };
}
