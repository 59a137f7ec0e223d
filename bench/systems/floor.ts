import { randomUUID } from 'node:crypto';
import { MongoClient, ObjectId, type Collection } from 'mongodb';
import { closedLoops, openLoop } from '../support/load.js';
import { Semaphore } from '../support/semaphore.js';
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
const LEASE_MS = 30_000;

interface FloorTask {
  _id: ObjectId;
  parent: string;
  status: 'pending' | 'leased' | 'succeeded';
  payload: { i: number; sentAt: number };
  runAt: Date;
  attempts: number;
  lease: { token: string; owner: string; expiresAt: Date } | null;
  reply: unknown;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

/**
 * The floor: the raw driver doing only the three writes one task needs — insert, claim
 * (findOneAndUpdate, oldest ready first, on the same index Tumnus uses) and complete (updateOne
 * fenced by the lease token) — with the same document shape. Workers learn of new tasks
 * in-process (no change stream, no polling), so no round trip is spent that a task does not need.
 */
class FloorRun {
  private readonly senderClient: MongoClient;
  private readonly workerClient: MongoClient;
  private readonly ready = new Semaphore();
  private readonly finished = new Map<string, () => void>();
  private stopped = false;
  private lanes: Promise<void>[] = [];

  private constructor(
    private readonly env: BenchEnv,
    private readonly dbName: string,
  ) {
    this.senderClient = new MongoClient(env.db.uri, { appName: 'bench-floor-sender' });
    this.workerClient = new MongoClient(env.db.uri, { appName: 'bench-floor-worker' });
  }

  static async open(env: BenchEnv): Promise<FloorRun> {
    const run = new FloorRun(env, env.db.freshDbName('floor'));
    await Promise.all([run.senderClient.connect(), run.workerClient.connect()]);
    await run
      .senderTasks()
      .createIndex({ parent: 1, status: 1, runAt: 1 }, { name: 'claim_order' });
    return run;
  }

  private senderTasks(): Collection<FloorTask> {
    return this.senderClient.db(this.dbName).collection<FloorTask>('tasks');
  }

  private workerTasks(): Collection<FloorTask> {
    return this.workerClient.db(this.dbName).collection<FloorTask>('tasks');
  }

  /** Inserts one task; resolves once the insert is acknowledged (fire-and-forget send). */
  async send(payload: FloorTask['payload']): Promise<string> {
    const at = new Date();
    const doc: FloorTask = {
      _id: new ObjectId(),
      parent: 'Bench',
      status: 'pending',
      payload,
      runAt: at,
      attempts: 0,
      lease: null,
      reply: null,
      createdAt: at,
      updatedAt: at,
      finishedAt: null,
    };
    await this.senderTasks().insertOne(doc);
    this.ready.release();
    return doc._id.toHexString();
  }

  /** Inserts one task and resolves when a worker has completed it (told in-process). */
  async sendAndWait(payload: FloorTask['payload']): Promise<void> {
    const id = new ObjectId();
    const finished = new Promise<void>((resolve) => this.finished.set(id.toHexString(), resolve));
    const at = new Date();
    await this.senderTasks().insertOne({
      _id: id,
      parent: 'Bench',
      status: 'pending',
      payload,
      runAt: at,
      attempts: 0,
      lease: null,
      reply: null,
      createdAt: at,
      updatedAt: at,
      finishedAt: null,
    });
    this.ready.release();
    await finished;
  }

  startWorkers(
    concurrency: number,
    work: (task: FloorTask, complete: () => Promise<void>) => Promise<void>,
  ) {
    const lane = async () => {
      for (;;) {
        await this.ready.take();
        if (this.stopped) return;
        const claimed = await this.claim();
        if (!claimed) {
          // The Java wire server's findAndModify can miss under concurrent claims even though a
          // ready task exists (seen here); the task is still there, so its turn goes back.
          this.ready.release();
          continue;
        }
        await work(claimed.task, () => this.complete(claimed.task._id, claimed.token));
        this.finished.get(claimed.task._id.toHexString())?.();
        this.finished.delete(claimed.task._id.toHexString());
      }
    };
    this.lanes = Array.from({ length: concurrency }, lane);
  }

  private async claim(): Promise<{ task: FloorTask; token: string } | null> {
    const at = new Date();
    const token = randomUUID();
    const task = await this.workerTasks().findOneAndUpdate(
      { parent: 'Bench', status: 'pending', runAt: { $lte: at } },
      {
        $set: {
          status: 'leased',
          lease: { token, owner: 'floor', expiresAt: new Date(at.getTime() + LEASE_MS) },
          updatedAt: at,
        },
        $inc: { attempts: 1 },
      },
      { sort: { runAt: 1 }, returnDocument: 'after' },
    );
    return task ? { task, token } : null;
  }

  private async complete(id: ObjectId, token: string): Promise<void> {
    const at = new Date();
    await this.workerTasks().updateOne(
      { _id: id, status: 'leased', 'lease.token': token },
      {
        $set: {
          status: 'succeeded',
          reply: { status: 'success', payload: null },
          lease: null,
          finishedAt: at,
          updatedAt: at,
        },
      },
    );
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.ready.releaseAll();
    await Promise.all(this.lanes);
    await Promise.all([this.senderClient.close(), this.workerClient.close()]);
    await this.env.db.dropDatabase(this.dbName);
  }
}

async function handle(kind: HandlerKind, complete: () => Promise<void>): Promise<void> {
  await runHandler(kind);
  await complete();
}

export const floorSystem: BenchSystem = {
  name: 'floor',
  label: 'Floor (raw driver: insert, claim, complete)',
  unavailable: () => null,

  async fireAndForget(env, spec) {
    const run = await FloorRun.open(env);
    try {
      const done = new Countdown(spec.tasks);
      run.startWorkers(spec.concurrency, async (_task, complete) => {
        await handle(spec.handler, complete);
        done.tick();
      });

      const start = now();
      await runPool(spec.tasks, spec.senders, (i) => run.send({ i, sentAt: now() }));
      const end = await withTimeout(done.done, RUN_TIMEOUT_MS, 'floor fire-and-forget');
      return throughput(spec.tasks, end - start);
    } finally {
      await run.close();
    }
  },

  async requestReply(env, spec) {
    const run = await FloorRun.open(env);
    try {
      run.startWorkers(spec.concurrency, (_task, complete) => handle('noop', complete));
      let i = 0;
      const { completed, ms } = await closedLoops(spec.senders, spec.durationMs, () =>
        run.sendAndWait({ i: i++, sentAt: now() }),
      );
      return { completed, ms, repliesPerSec: (completed * 1000) / ms };
    } finally {
      await run.close();
    }
  },

  async latency(env, spec) {
    const run = await FloorRun.open(env);
    const samples: LatencySamples = { start: [], committed: [], result: [] };
    try {
      run.startWorkers(spec.concurrency, async (task, complete) => {
        samples.start.push(now() - task.payload.sentAt);
        await complete();
        samples.committed.push(now() - task.payload.sentAt);
      });
      const load = openLoop(spec.ratePerSec, spec.tasks, async (i) => {
        await run.sendAndWait({ i, sentAt: now() });
      });
      await withTimeout(load, RUN_TIMEOUT_MS, 'floor latency');
      return samples;
    } finally {
      await run.close();
    }
  },
};
