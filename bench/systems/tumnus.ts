import { pino } from 'pino';
import Tumnus, { type Task } from '../../sdk/index.js';
import { closedLoops, openLoop } from '../support/load.js';
import { Countdown, now, runPool, withTimeout } from '../support/time.js';
import {
  runHandler,
  throughput,
  type BenchEnv,
  type BenchSystem,
  type FireAndForgetSpec,
  type HandlerKind,
  type LatencySamples,
  type LatencySpec,
  type RequestReplySpec,
} from './types.js';

const PARENT = 'Bench';
const RUN_TIMEOUT_MS = 10 * 60_000;
const SUCCESS = { status: 'success', payload: null } as const;

interface BenchPayload {
  i: number;
  sentAt: number;
}

/**
 * A Tumnus deployment for one measured run: a responder client and a separate sender client (as
 * a service and its worker would be), on a fresh database.
 */
class TumnusRun {
  readonly responderClient: Tumnus;
  readonly senderClient: Tumnus;

  constructor(
    readonly env: BenchEnv,
    readonly dbName: string,
  ) {
    const logger = pino({ name: 'bench-tumnus', level: 'warn' }, pino.destination(2));
    const options = { uri: env.db.uri, dbName, logger };
    this.responderClient = new Tumnus({ ...options, appName: 'bench-responder' });
    this.senderClient = new Tumnus({ ...options, appName: 'bench-sender' });
  }

  static async open(env: BenchEnv): Promise<TumnusRun> {
    const run = new TumnusRun(env, env.db.freshDbName('tumnus'));
    await run.senderClient.taskParent.create({ name: PARENT });
    // Like BullMQ's waitUntilReady(): the result stream is open before anything is measured.
    await run.senderClient.connect();
    return run;
  }

  async respond(
    concurrency: number,
    listener: (task: Task<BenchPayload, null>) => Promise<void>,
  ): Promise<void> {
    const responder = this.responderClient.tasks
      .parent<BenchPayload, null>(PARENT)
      .on('created', listener, { concurrency });
    await responder.ready;
  }

  send(payload: BenchPayload): Promise<unknown> {
    return new this.senderClient.Task<BenchPayload, null>(PARENT).send(payload);
  }

  sendAndWait(payload: BenchPayload): Promise<unknown> {
    const task = new this.senderClient.Task<BenchPayload, null>(PARENT);
    return task.send(payload, { waitForComplete: true });
  }

  async close(): Promise<void> {
    await this.responderClient.close();
    await this.senderClient.close();
    await this.env.db.dropDatabase(this.dbName);
  }
}

async function replyAfter(kind: HandlerKind, task: Task<BenchPayload, null>): Promise<void> {
  await runHandler(kind);
  await task.send(SUCCESS);
}

export const tumnusSystem: BenchSystem = {
  name: 'tumnus',
  label: 'Tumnus (SDK responder)',
  unavailable: () => null,

  async fireAndForget(env, spec: FireAndForgetSpec) {
    const run = await TumnusRun.open(env);
    try {
      const done = new Countdown(spec.tasks);
      await run.respond(spec.concurrency, async (task) => {
        await replyAfter(spec.handler, task);
        done.tick();
      });

      const start = now();
      await runPool(spec.tasks, spec.senders, (i) => run.send({ i, sentAt: now() }));
      const end = await withTimeout(done.done, RUN_TIMEOUT_MS, 'tumnus fire-and-forget');
      return throughput(spec.tasks, end - start);
    } finally {
      await run.close();
    }
  },

  async requestReply(env, spec: RequestReplySpec) {
    const run = await TumnusRun.open(env);
    try {
      await run.respond(spec.concurrency, (task) => replyAfter('noop', task));
      let i = 0;
      const { completed, ms } = await closedLoops(spec.senders, spec.durationMs, async () => {
        await run.sendAndWait({ i: i++, sentAt: now() });
      });
      return { completed, ms, repliesPerSec: (completed * 1000) / ms };
    } finally {
      await run.close();
    }
  },

  async latency(env, spec: LatencySpec) {
    const run = await TumnusRun.open(env);
    const samples: LatencySamples = { start: [], committed: [], result: [] };
    try {
      await run.respond(spec.concurrency, async (task) => {
        const sentAt = (task.payload as BenchPayload).sentAt;
        samples.start.push(now() - sentAt);
        await task.send(SUCCESS);
        samples.committed.push(now() - sentAt);
      });

      const load = openLoop(spec.ratePerSec, spec.tasks, async (i) => {
        const sentAt = now();
        await run.sendAndWait({ i, sentAt });
        samples.result.push(now() - sentAt);
      });
      await withTimeout(load, RUN_TIMEOUT_MS, 'tumnus latency');
      return samples;
    } finally {
      await run.close();
    }
  },
};
