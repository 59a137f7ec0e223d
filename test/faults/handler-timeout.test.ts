// Handlers that do not answer in time. One never settles: at the parent's `timeoutMs` its
// `ctx.signal` aborts and the attempt fails with reason `timeout`, however long the lease is.
// One spins in a busy loop and never yields: the lease is still renewed the whole time (renewal
// runs on the supervisor's thread, not the handler's), the attempt fails with `timeout`, and the
// thread is terminated and replaced.
import { MongoClient, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Tumnus from '../../sdk/index.js';
import { useTestDatabase } from '../support/test-database.js';
import {
  BARRIER_HANDLER,
  FaultWorkspace,
  type FaultRuntime,
  sleep,
} from './support/fault-runtime.js';
import { expectFullPool, expectInvariants, settledResults } from './support/invariants.js';

const database = useTestDatabase();
const TIMEOUT_MS = 1_000;

const NEVER = {
  // A lease far longer than the time limit: the time limit must not wait for lease renewal.
  options: { maxAttempts: 2, backoffMs: 50, timeoutMs: TIMEOUT_MS, leaseMs: 9_000 },
  body: `
    ctx.signal.addEventListener('abort', () => note(task, 'aborted', { reason: ctx.signal.reason?.name }));
    return new Promise(() => {});`,
};

const BUSY = {
  options: { maxAttempts: 1, timeoutMs: 3_000, leaseMs: 1_000 },
  body: 'for (;;) {}',
};

// Two runtimes, because one runtime leases all its parents for the shortest leaseMs among them.
let patient: { workspace: FaultWorkspace; runtime: FaultRuntime };
let spinning: { workspace: FaultWorkspace; runtime: FaultRuntime };
let client: Tumnus;
let mongo: MongoClient;

async function launch(handlers: Parameters<typeof FaultWorkspace.create>[0]) {
  const workspace = await FaultWorkspace.create(handlers);
  return { workspace, runtime: workspace.startRuntime(database.uri, { concurrency: 2 }) };
}

beforeAll(async () => {
  patient = await launch({ Never: NEVER });
  spinning = await launch({ Busy: BUSY, Barrier: BARRIER_HANDLER });
  client = new Tumnus(database.uri);
  mongo = new MongoClient(database.uri);
  await Promise.all([patient.runtime.ready(), spinning.runtime.ready()]);
});

afterAll(async () => {
  await client?.close();
  await mongo?.close();
  for (const { runtime, workspace } of [patient, spinning]) {
    if (runtime) expect(await runtime.terminate()).toBe(0);
    await workspace?.remove();
  }
});

describe('a handler that never settles', () => {
  it('has its signal aborted at the time limit and fails each attempt with timeout', async () => {
    const handle = await new client.Task('Never').send({});
    const [result] = await settledResults([handle]);

    expect(result).toMatchObject({ status: 'failed', taskStatus: 'dead', attempts: 2 });
    expect(result!.failures.map((f) => [f.attempt, f.reason, f.name])).toEqual([
      [1, 'timeout', 'TaskTimeoutError'],
      [2, 'timeout', 'TaskTimeoutError'],
    ]);
    const notes = await patient.workspace.notes();
    expect(notes.map((n) => [n.attempt, n.what, n.reason])).toEqual([
      [1, 'aborted', 'TaskTimeoutError'],
      [2, 'aborted', 'TaskTimeoutError'],
    ]);

    const runs = await patient.workspace.runs();
    for (const failure of result!.failures) {
      const run = runs.find((r) => r.attempt === failure.attempt)!;
      // Judged at the time limit, not at the next lease renewal (a third of 9 s away).
      expect(failure.at.getTime() - run.at).toBeLessThan(TIMEOUT_MS + 1_000);
    }
    await expectInvariants(mongo.db(), { taskIds: [handle.id], runs });
  });
});

describe('a handler that busy-loops', () => {
  it('keeps its lease renewed while it spins, then fails with timeout', async () => {
    const handle = await new client.Task('Busy').send({});
    const leases = await watchLease(mongo, handle.id);
    const [result] = await settledResults([handle]);

    expect(result).toMatchObject({ status: 'failed', taskStatus: 'dead', attempts: 1 });
    expect(result!.failures.map((f) => f.reason)).toEqual(['timeout']);
    // Renewed every third of the 1 s lease for 3 s, from the supervisor's thread.
    const expiries = [...new Set(leases.map((l) => l.getTime()))];
    expect(expiries.length).toBeGreaterThanOrEqual(5);
    expect(expiries).toEqual([...expiries].sort((a, b) => a - b));
    await expectInvariants(mongo.db(), {
      taskIds: [handle.id],
      runs: await spinning.workspace.runs(),
    });
  });

  it('has its thread terminated and replaced', async () => {
    await spinning.runtime.waitForLogs('thread stopped after its attempt ended', 1, 10_000);
    const taskIds = await expectFullPool(client, 'Barrier', 2);
    await expectInvariants(mongo.db(), {
      taskIds,
      runs: await spinning.workspace.runs(),
    });
  });
});

/** The task's lease expiry, sampled every 100 ms from when it is leased until it is not. */
async function watchLease(mongo: MongoClient, id: string): Promise<Date[]> {
  const { ObjectId } = await import('mongodb');
  const tasks = mongo.db().collection<Document>('tasks');
  const seen: Date[] = [];
  const deadline = Date.now() + 20_000;
  let started = false;
  while (Date.now() < deadline) {
    const task = await tasks.findOne({ _id: new ObjectId(id) });
    if (task?.status === 'leased') {
      started = true;
      seen.push(task.lease.expiresAt as Date);
    } else if (started) {
      return seen;
    }
    await sleep(100);
  }
  throw new Error(`task ${id} was not leased and released within 20 s`);
}
