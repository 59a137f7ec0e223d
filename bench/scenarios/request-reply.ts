import type { Plan } from '../support/plan.js';
import { alternate } from '../support/rounds.js';
import { spread } from '../support/stats.js';
import type { BenchEnv, BenchSystem, RequestReplyResult } from '../systems/types.js';
import type { ScenarioResult } from './result.js';

/**
 * Scenario 2: request/reply. 64 senders each loop `send` + wait for the result (Tumnus:
 * `waitForComplete`; BullMQ: `job.waitUntilFinished`; Agenda, which has no such API: the
 * `complete` event in the same process; floor: told in-process), no-op handler.
 */
export async function runRequestReply(
  env: BenchEnv,
  systems: readonly BenchSystem[],
  plan: Plan,
): Promise<ScenarioResult> {
  const p = plan.requestReply;
  const durationFor = (name: string) => (name === 'agenda' ? p.agendaDurationMs : p.durationMs);
  env.log('scenario 2 (request/reply)');

  const perSystem = await alternate<RequestReplyResult, BenchSystem>(
    env,
    systems,
    p.rounds,
    (system) =>
      system.requestReply(env, {
        senders: p.senders,
        concurrency: p.concurrency,
        durationMs: p.warmUpMs,
      }),
    (system) =>
      system.requestReply(env, {
        senders: p.senders,
        concurrency: p.concurrency,
        durationMs: durationFor(system.name),
      }),
  );

  return {
    scenario: 'request-reply',
    title: 'Request/reply throughput (64 senders looping send + wait)',
    params: { ...p },
    cases: [
      {
        case: 'noop',
        systems: perSystem.map((r) => ({
          system: r.system,
          label: r.label,
          ...(r.error ? { error: r.error } : {}),
          params: { durationMs: durationFor(r.system) },
          metrics: {
            repliesPerSec: spread(r.rounds.map((x) => x.repliesPerSec)),
            completed: spread(r.rounds.map((x) => x.completed)),
          },
        })),
      },
    ],
  };
}
