import { Queue, QueueEvents, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { closedLoops, openLoop } from '../support/load.js';
import { Countdown, now, runPool, withTimeout } from '../support/time.js';
import {
  runHandler,
  throughput,
  type BenchEnv,
  type BenchSystem,
  type HandlerKind,
  type LatencySamples,
} from './types.js';

const RUN_TIMEOUT_MS = 10 * 60_000;
const WAIT_TTL_MS = 60_000;
const READY_TIMEOUT_MS = 15_000;

interface BenchData {
  i: number;
  sentAt: number;
}

type Processor = (job: Job<BenchData>) => Promise<void>;

/**
 * BullMQ on the harness' own Redis (in memory, loopback), with its defaults: completed jobs are
 * kept, as Tumnus keeps its tasks. Completion is the worker's `completed` event, emitted after the
 * job was moved to the completed set.
 */
class BullRun {
  readonly queue: Queue<BenchData>;
  readonly worker: Worker<BenchData>;
  private events: QueueEvents | null = null;

  private constructor(
    connection: ConnectionOptions,
    name: string,
    concurrency: number,
    processor: Processor,
  ) {
    this.queue = new Queue<BenchData>(name, { connection });
    this.worker = new Worker<BenchData>(name, processor, { connection, concurrency });
  }

  static async open(env: BenchEnv, concurrency: number, processor: Processor): Promise<BullRun> {
    if (!env.redis) throw new Error('no Redis server for BullMQ');
    const connection = { host: env.redis.host, port: env.redis.port, maxRetriesPerRequest: null };
    const name = env.db.freshDbName('bullmq');
    const run = new BullRun(connection, name, concurrency, processor);
    try {
      const ready = Promise.all([run.worker.waitUntilReady(), run.queue.waitUntilReady()]);
      await withTimeout(ready, READY_TIMEOUT_MS, 'bullmq connect');
    } catch (error) {
      await run.worker.close(true).catch(() => undefined);
      await run.queue.close().catch(() => undefined);
      throw error;
    }
    return run;
  }

  async listen(env: BenchEnv): Promise<QueueEvents> {
    if (!env.redis) throw new Error('no Redis server for BullMQ');
    const connection = { host: env.redis.host, port: env.redis.port, maxRetriesPerRequest: null };
    this.events = new QueueEvents(this.queue.name, { connection });
    // Every waiting sender listens on both; 64 of them are expected, not a leak.
    this.events.setMaxListeners(0);
    this.queue.setMaxListeners(0);
    await this.events.waitUntilReady();
    return this.events;
  }

  async send(data: BenchData): Promise<Job<BenchData>> {
    return this.queue.add('bench', data);
  }

  async close(): Promise<void> {
    await this.worker.close();
    await this.events?.close();
    await this.queue.obliterate({ force: true });
    await this.queue.close();
  }
}

function processorFor(kind: HandlerKind): Processor {
  return async () => {
    await runHandler(kind);
  };
}

export const bullmqSystem: BenchSystem = {
  name: 'bullmq',
  label: 'BullMQ (Redis in memory)',
  unavailable: (env) => (env.redis ? null : 'no redis-server could be installed or started'),

  async fireAndForget(env, spec) {
    const run = await BullRun.open(env, spec.concurrency, processorFor(spec.handler));
    try {
      const done = new Countdown(spec.tasks);
      run.worker.on('completed', () => done.tick());
      const start = now();
      await runPool(spec.tasks, spec.senders, (i) => run.send({ i, sentAt: now() }));
      const end = await withTimeout(done.done, RUN_TIMEOUT_MS, 'bullmq fire-and-forget');
      return throughput(spec.tasks, end - start);
    } finally {
      await run.close();
    }
  },

  async requestReply(env, spec) {
    const run = await BullRun.open(env, spec.concurrency, processorFor('noop'));
    try {
      const events = await run.listen(env);
      let i = 0;
      const { completed, ms } = await closedLoops(spec.senders, spec.durationMs, async () => {
        const job = await run.send({ i: i++, sentAt: now() });
        await job.waitUntilFinished(events, WAIT_TTL_MS);
      });
      return { completed, ms, repliesPerSec: (completed * 1000) / ms };
    } finally {
      await run.close();
    }
  },

  async latency(env, spec) {
    const samples: LatencySamples = { start: [], committed: [], result: [] };
    const run = await BullRun.open(env, spec.concurrency, async (job) => {
      samples.start.push(now() - job.data.sentAt);
    });
    try {
      run.worker.on('completed', (job: Job<BenchData>) =>
        samples.committed.push(now() - job.data.sentAt),
      );
      const events = await run.listen(env);
      const load = openLoop(spec.ratePerSec, spec.tasks, async (i) => {
        const sentAt = now();
        const job = await run.send({ i, sentAt });
        await job.waitUntilFinished(events, WAIT_TTL_MS);
        samples.result.push(now() - sentAt);
      });
      await withTimeout(load, RUN_TIMEOUT_MS, 'bullmq latency');
      return samples;
    } finally {
      await run.close();
    }
  },
};
