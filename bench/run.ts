// `npm run bench`: runs the scenarios of issue 5 against Tumnus and its comparisons, writes
// bench/results/<scenario>.json and regenerates BENCHMARKS.md. See bench/README.md.
import path from 'node:path';
import { writeReport } from './report.js';
import { runLatency } from './scenarios/latency.js';
import { runRequestReply } from './scenarios/request-reply.js';
import { runScaling } from './scenarios/scaling.js';
import { runThroughput } from './scenarios/throughput.js';
import { runWaiters } from './scenarios/waiters.js';
import type { ScenarioResult } from './scenarios/result.js';
import { parseBenchArgs, type ScenarioName } from './support/args.js';
import { BenchDatabase } from './support/database.js';
import { describeEnvironment } from './support/environment.js';
import { planFor, type Plan } from './support/plan.js';
import { ensureRedisServer, startRedis, type RunningRedis } from './support/redis.js';
import { resultsDir, writeScenarioResult } from './support/results.js';
import { agendaSystem } from './systems/agenda.js';
import { bullmqSystem } from './systems/bullmq.js';
import { floorSystem } from './systems/floor.js';
import { runtimeSystem } from './systems/runtime.js';
import { tumnusSystem } from './systems/tumnus.js';
import type { BenchEnv, BenchSystem } from './systems/types.js';

const ALL_SYSTEMS: readonly BenchSystem[] = [
  tumnusSystem,
  runtimeSystem,
  floorSystem,
  agendaSystem,
  bullmqSystem,
];

type Scenario = (
  env: BenchEnv,
  systems: readonly BenchSystem[],
  plan: Plan,
) => Promise<ScenarioResult>;

const SCENARIO_RUNNERS: Record<ScenarioName, Scenario> = {
  throughput: runThroughput,
  'request-reply': runRequestReply,
  latency: runLatency,
  waiters: runWaiters,
  scaling: runScaling,
};

function log(line: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
}

async function startRedisIfWanted(wanted: boolean): Promise<RunningRedis | null> {
  if (!wanted) return null;
  const binary = ensureRedisServer(log);
  if (typeof binary !== 'string') {
    log(`BullMQ will not run: ${binary.unavailable}`);
    return null;
  }
  return startRedis(binary);
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  const systems = ALL_SYSTEMS.filter((s) => args.systems.includes(s.name as never));
  const dir = resultsDir(args.quick);

  log(
    `mode ${args.quick ? 'quick' : 'full'}; scenarios ${args.scenarios.join(', ')}; systems ${args.systems.join(', ')}`,
  );
  const db = await BenchDatabase.start();
  let redis: RunningRedis | null = null;
  // Ctrl-C or a kill: stop the servers this run started before going.
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping the servers`);
    void Promise.allSettled([redis?.stop(), db.stop()]).then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    redis = await startRedisIfWanted(args.systems.includes('bullmq'));
    log(`database ${db.kind} ${db.version}; redis ${redis ? redis.version : 'none'}`);
    const plan = planFor(args.quick, db.kind, args.rounds, args.tasks);
    const env: BenchEnv = { db, redis, log };
    const environment = describeEnvironment(plan.mode, db, redis);

    for (const name of args.scenarios) {
      const result = await SCENARIO_RUNNERS[name](env, systems, plan);
      log(`wrote ${writeScenarioResult(dir, environment, result)}`);
    }
  } finally {
    await redis?.stop();
    await db.stop();
  }

  if (args.report) {
    const out = args.quick ? path.join(dir, 'BENCHMARKS.md') : path.resolve('BENCHMARKS.md');
    writeReport(dir, out);
    log(`wrote ${path.relative(process.cwd(), out)}`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
