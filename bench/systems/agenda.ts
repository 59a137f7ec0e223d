import { MongoBackend } from '@agendajs/mongo-backend';
import { Agenda, type Job } from 'agenda';
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

const JOB = 'bench';
const RUN_TIMEOUT_MS = 10 * 60_000;

interface BenchData {
  i: number;
  sentAt: number;
}

/**
 * Agenda with its MongoDB backend and its defaults (polling every 5 s, no notification channel),
 * except the concurrency, which is set to the scenario's. Completion is Agenda's `complete` event,
 * emitted after the job's final state is saved.
 */
class AgendaRun {
  readonly agenda: Agenda;
  private readonly waiters = new Map<string, () => void>();

  private constructor(
    private readonly env: BenchEnv,
    private readonly dbName: string,
    concurrency: number,
  ) {
    this.agenda = new Agenda({
      backend: new MongoBackend({ address: env.db.uriFor(dbName) }),
      maxConcurrency: concurrency,
      defaultConcurrency: concurrency,
    });
    this.agenda.on('complete', (job) => {
      const id = String(job.attrs._id);
      this.waiters.get(id)?.();
      this.waiters.delete(id);
    });
    this.agenda.on('error', (error: unknown) => env.log(`agenda error: ${String(error)}`));
  }

  static async open(
    env: BenchEnv,
    concurrency: number,
    handler: (data: BenchData) => Promise<void>,
  ): Promise<AgendaRun> {
    const run = new AgendaRun(env, env.db.freshDbName('agenda'), concurrency);
    run.agenda.define(JOB, (job: Job<BenchData>) => handler(job.attrs.data), { concurrency });
    await run.agenda.start();
    return run;
  }

  async send(data: BenchData): Promise<void> {
    await this.agenda.now(JOB, data);
  }

  /**
   * Agenda has no way for a sender to wait for a job's result; this emulation listens for the
   * `complete` event in the same process, which favours Agenda (no cross-process notification).
   */
  async sendAndWait(data: BenchData): Promise<void> {
    const job = await this.agenda.now(JOB, data);
    const id = String(job.attrs._id);
    await new Promise<void>((resolve) => this.waiters.set(id, resolve));
  }

  onComplete(listener: (data: BenchData) => void): void {
    this.agenda.on('complete', (job) => listener(job.attrs.data as BenchData));
  }

  async close(): Promise<void> {
    await this.agenda.stop();
    await this.env.db.dropDatabase(this.dbName);
  }
}

function handlerFor(kind: HandlerKind) {
  return async () => {
    await runHandler(kind);
  };
}

export const agendaSystem: BenchSystem = {
  name: 'agenda',
  label: 'Agenda (MongoDB backend, default 5 s polling)',
  unavailable: () => null,

  async fireAndForget(env, spec) {
    const run = await AgendaRun.open(env, spec.concurrency, handlerFor(spec.handler));
    try {
      const done = new Countdown(spec.tasks);
      run.onComplete(() => done.tick());
      const start = now();
      await runPool(spec.tasks, spec.senders, (i) => run.send({ i, sentAt: now() }));
      const end = await withTimeout(done.done, RUN_TIMEOUT_MS, 'agenda fire-and-forget');
      return throughput(spec.tasks, end - start);
    } finally {
      await run.close();
    }
  },

  async requestReply(env, spec) {
    const run = await AgendaRun.open(env, spec.concurrency, handlerFor('noop'));
    try {
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
    const samples: LatencySamples = { start: [], committed: [], result: [] };
    const run = await AgendaRun.open(env, spec.concurrency, async (data) => {
      samples.start.push(now() - data.sentAt);
    });
    try {
      run.onComplete((data) => samples.committed.push(now() - data.sentAt));
      const load = openLoop(spec.ratePerSec, spec.tasks, async (i) => {
        const sentAt = now();
        await run.sendAndWait({ i, sentAt });
        samples.result.push(now() - sentAt);
      });
      await withTimeout(load, RUN_TIMEOUT_MS, 'agenda latency');
      return samples;
    } finally {
      await run.close();
    }
  },
};
