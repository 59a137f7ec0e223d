import { availableParallelism } from 'node:os';
import { pino } from 'pino';
import Tumnus from '../../sdk/index.js';
import { closedLoops, openLoop } from '../support/load.js';
import { RuntimeProcess, succeededCount } from '../support/runtime-run.js';
import { now, runPool, withTimeout } from '../support/time.js';
import {
  HandlerKind,
  throughput,
  type BenchEnv,
  type BenchSystem,
  type LatencySamples,
} from './types.js';

const RUN_TIMEOUT_MS = 10 * 60_000;
const THREADS = availableParallelism();
/**
 * The bench handlers await (a timer) or return at once: sharing threads gives the runtime the
 * concurrency the other systems run with (64 on two cores) rather than one task per core.
 */
const TASKS_PER_THREAD = 32;
const PARENT_FOR = { [HandlerKind.Noop]: 'BenchNoop', [HandlerKind.Sleep5]: 'BenchSleep5' };

/**
 * The runtime path: `tumnus-runtime start` in its own process, running the handler files of
 * bench/handlers on a pool of one thread per core, each running `TASKS_PER_THREAD` tasks at once.
 * Senders use an SDK client in this process; completion is seen by counting succeeded tasks every
 * 25 ms.
 */
async function withRuntime<T>(env: BenchEnv, body: (sender: Tumnus, dbName: string) => Promise<T>) {
  const dbName = env.db.freshDbName('runtime');
  const runtime = await RuntimeProcess.start(env, dbName, THREADS, TASKS_PER_THREAD);
  const logger = pino({ name: 'bench-sender', level: 'warn' }, pino.destination(2));
  const sender = new Tumnus({ uri: env.db.uri, dbName, logger, appName: 'bench-sender' });
  try {
    await sender.connect();
    return await body(sender, dbName);
  } finally {
    await sender.close();
    await runtime.stop();
    await env.db.dropDatabase(dbName);
  }
}

export const runtimeSystem: BenchSystem = {
  name: 'runtime',
  label: `Tumnus runtime (tumnus-runtime, ${THREADS} threads × ${TASKS_PER_THREAD} tasks)`,
  unavailable: () => null,

  fireAndForget(env, spec) {
    return withRuntime(env, async (sender, dbName) => {
      const parent = PARENT_FOR[spec.handler];
      const start = now();
      await runPool(spec.tasks, spec.senders, (i) => new sender.Task(parent).send({ i }));
      const end = await succeededCount(env, dbName, parent, spec.tasks, RUN_TIMEOUT_MS);
      return throughput(spec.tasks, end - start);
    });
  },

  requestReply(env, spec) {
    return withRuntime(env, async (sender) => {
      let i = 0;
      const { completed, ms } = await closedLoops(spec.senders, spec.durationMs, async () => {
        await new sender.Task('BenchNoop').send({ i: i++ }, { waitForComplete: true });
      });
      return { completed, ms, repliesPerSec: (completed * 1000) / ms };
    });
  },

  latency(env, spec) {
    return withRuntime(env, async (sender) => {
      const samples: LatencySamples = { start: [], committed: [], result: [] };
      const load = openLoop(spec.ratePerSec, spec.tasks, async (i) => {
        const sentAt = now();
        await new sender.Task('BenchNoop').send({ i }, { waitForComplete: true });
        samples.result.push(now() - sentAt);
      });
      await withTimeout(load, RUN_TIMEOUT_MS, 'runtime latency');
      return samples;
    });
  },
};
