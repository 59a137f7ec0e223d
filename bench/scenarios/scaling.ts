import { pbkdf2Sync } from 'node:crypto';
import { pino } from 'pino';
import Tumnus from '../../sdk/index.js';
import { ChildResponder } from '../support/child-responder.js';
import type { Plan } from '../support/plan.js';
import { alternate, type Contender } from '../support/rounds.js';
import { RuntimeProcess, succeededCount } from '../support/runtime-run.js';
import { spread } from '../support/stats.js';
import { now, runPool, waitUntil } from '../support/time.js';
import type { BenchEnv, BenchSystem } from '../systems/types.js';
import type { CaseResult, ScenarioResult } from './result.js';

const RUN_TIMEOUT_MS = 10 * 60_000;

interface Scale extends Contender {
  units: number;
}

const scale = (units: number, one: string, many: string): Scale => ({
  name: `${units}`,
  label: `${units} ${units > 1 ? many : one}`,
  units,
  unavailable: () => null,
});

/**
 * Scenario 5: scaling out. (a) One vs two responder processes (SDK), no-op handler, sender in
 * this process. (b) The runtime's pool with one vs two threads on a CPU-bound handler
 * (fixed PBKDF2 work of about `cpuMs`), `tumnus-runtime start` in its own process.
 */
export async function runScaling(
  env: BenchEnv,
  _systems: readonly BenchSystem[],
  plan: Plan,
): Promise<ScenarioResult> {
  const p = plan.scaling;
  const cases: CaseResult[] = [];

  env.log('scenario 5a (responder processes)');
  const processes = await alternate(
    env,
    [
      scale(1, 'responder process', 'responder processes'),
      scale(2, 'responder process', 'responder processes'),
    ],
    p.rounds,
    (s) => responderProcesses(env, s.units, Math.min(500, p.tasks), p.concurrency),
    (s) => responderProcesses(env, s.units, p.tasks, p.concurrency),
  );
  cases.push(toCase('responder-processes', processes));

  const rounds = calibratePbkdf2(p.cpuMs);
  env.log(`scenario 5b (pool threads, ${rounds} PBKDF2 rounds ≈ ${p.cpuMs} ms per task)`);
  const threads = await alternate(
    env,
    [scale(1, 'pool thread', 'pool threads'), scale(2, 'pool thread', 'pool threads')],
    p.rounds,
    (s) => poolThreads(env, s.units, Math.min(20, p.cpuTasks), rounds),
    (s) => poolThreads(env, s.units, p.cpuTasks, rounds),
  );
  cases.push(toCase('pool-threads', threads));

  return {
    scenario: 'scaling',
    title: 'Scaling: responder processes and pool threads',
    params: { ...p, pbkdf2Rounds: rounds },
    cases,
  };
}

function toCase(name: string, results: Awaited<ReturnType<typeof alternate<number>>>): CaseResult {
  return {
    case: name,
    systems: results.map((r) => ({
      system: r.system,
      label: r.label,
      ...(r.error ? { error: r.error } : {}),
      metrics: { tasksPerSec: spread(r.rounds) },
    })),
  };
}

/** Tasks per second from first send to last answer, with `count` responder processes. */
async function responderProcesses(
  env: BenchEnv,
  count: number,
  tasks: number,
  concurrency: number,
): Promise<number> {
  const dbName = env.db.freshDbName('scale');
  const logger = pino({ name: 'bench-scale', level: 'warn' }, pino.destination(2));
  const sender = new Tumnus({ uri: env.db.uri, dbName, logger, appName: 'bench-sender' });
  const responders: ChildResponder[] = [];
  try {
    await sender.taskParent.create({ name: 'BenchScale' });
    for (let i = 0; i < count; i++) {
      responders.push(
        await ChildResponder.start({ uri: env.db.uri, dbName, parent: 'BenchScale', concurrency }),
      );
    }
    const answered = () => responders.reduce((sum, r) => sum + r.answered, 0);
    const start = now();
    await runPool(tasks, 64, (i) => new sender.Task('BenchScale').send({ i }));
    await waitUntil(() => answered() >= tasks, RUN_TIMEOUT_MS, 'scaled responders', 5);
    return (tasks * 1000) / (now() - start);
  } finally {
    await Promise.all(responders.map((r) => r.stop()));
    await sender.close();
    await env.db.dropDatabase(dbName);
  }
}

/** Tasks per second through the runtime's pool of `threads` on the CPU-bound handler. */
async function poolThreads(
  env: BenchEnv,
  threads: number,
  tasks: number,
  rounds: number,
): Promise<number> {
  const dbName = env.db.freshDbName('pool');
  const runtime = await RuntimeProcess.start(env, dbName, threads);
  const logger = pino({ name: 'bench-pool', level: 'warn' }, pino.destination(2));
  const sender = new Tumnus({ uri: env.db.uri, dbName, logger, appName: 'bench-sender' });
  try {
    const start = now();
    await runPool(tasks, 64, (i) => new sender.Task('BenchCpu').send({ i, rounds }));
    const end = await succeededCount(env, dbName, 'BenchCpu', tasks, RUN_TIMEOUT_MS);
    return (tasks * 1000) / (end - start);
  } finally {
    await sender.close();
    await runtime.stop();
    await env.db.dropDatabase(dbName);
  }
}

/** PBKDF2-SHA256 rounds that take about `ms` on this machine's main thread, now. */
function calibratePbkdf2(ms: number): number {
  const probe = 20_000;
  pbkdf2Sync('tumnus', 'bench', probe, 32, 'sha256');
  const started = now();
  pbkdf2Sync('tumnus', 'bench', probe, 32, 'sha256');
  const perRound = (now() - started) / probe;
  return Math.max(1_000, Math.round(ms / perRound));
}
