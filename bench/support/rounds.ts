import type { BenchEnv } from '../systems/types.js';

/** Anything measured in rounds: a system, or one configuration of one. */
export interface Contender {
  readonly name: string;
  readonly label: string;
  unavailable(env: BenchEnv): string | null;
}

/** What one system produced over the rounds of one case, or why it could not. */
export interface SystemRounds<T> {
  system: string;
  label: string;
  rounds: T[];
  error?: string;
}

/**
 * Runs `measure` for every system, `rounds` times, after one unmeasured warm-up each. The order
 * rotates every round (A B C, B C A, C A B, ...) so that no system always runs first or last,
 * and a system that fails stops there and keeps its error for the report.
 */
export async function alternate<T, S extends Contender = Contender>(
  env: BenchEnv,
  systems: readonly S[],
  rounds: number,
  warmUp: (system: S) => Promise<unknown>,
  measure: (system: S, round: number) => Promise<T>,
): Promise<SystemRounds<T>[]> {
  const results = systems.map((s): SystemRounds<T> => ({
    system: s.name,
    label: s.label,
    rounds: [],
  }));
  const byName = new Map(results.map((r) => [r.system, r]));
  const record = (system: S) => byName.get(system.name) as SystemRounds<T>;

  for (const system of systems) {
    const reason = system.unavailable(env);
    if (reason) record(system).error = reason;
  }
  for (const system of systems) {
    await guarded(env, system, record(system), 'warm-up', () => warmUp(system));
  }

  for (let round = 0; round < rounds; round++) {
    const order = systems.map((_, i) => systems[(i + round) % systems.length] as S);
    for (const system of order) {
      await guarded(env, system, record(system), `round ${round + 1}`, async () => {
        record(system).rounds.push(await measure(system, round));
      });
    }
  }
  return results;
}

async function guarded<T>(
  env: BenchEnv,
  system: Contender,
  result: SystemRounds<T>,
  step: string,
  run: () => Promise<unknown>,
): Promise<void> {
  if (result.error) return;
  try {
    await env.db.fresh();
  } catch (error) {
    result.error = `${step}: the database could not be restarted: ${describeError(error)}`;
    return;
  }
  const started = Date.now();
  try {
    await run();
    env.log(`  ${system.name} ${step}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    result.error = `${step} failed: ${describeError(error)}`;
    env.log(`  ${system.name} ${step} FAILED: ${result.error}`);
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (typeof message === 'string') return code ? `${String(code)}: ${message}` : message;
    return JSON.stringify(error);
  }
  return String(error);
}
