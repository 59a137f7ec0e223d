// A handler kills its pool thread three ways: `process.exit()`, an exception thrown from a timer,
// and an allocation loop that hits the pool's heap limit (`resourceLimits`). Only that thread
// dies: the attempt is recorded as `worker-crashed`, the task is retried on a fresh thread, the
// pool is back to full size, and a task running on another thread at the time never notices.
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Tumnus, { type TaskHandle } from '../../sdk/index.js';
import { useTestDatabase } from '../support/test-database.js';
import {
  BARRIER_HANDLER,
  FaultWorkspace,
  type FaultRuntime,
  until,
} from './support/fault-runtime.js';
import { expectFullPool, expectInvariants, settledResults } from './support/invariants.js';

const database = useTestDatabase();
const POLICY = { maxAttempts: 3, backoffMs: 50, leaseMs: 1_000 };

/** Crashes its thread on the first attempt, answers on the next one. */
function crashOnce(crash: string) {
  return {
    options: POLICY,
    body: `
      if (task.attempt === 1) { ${crash} }
      return { run, attempt: task.attempt };`,
  };
}

const HANDLERS = {
  Exit: crashOnce('process.exit(3);'),
  TimerThrow: crashOnce(`
    setTimeout(() => { throw new Error('boom from a timer'); }, 10);
    return new Promise(() => {});`),
  Oom: crashOnce(`
    const hog = [];
    for (;;) hog.push(new Array(100_000).fill({ n: hog.length }));`),
  Steady: {
    options: POLICY,
    body: `
      await new Promise((resolve) => setTimeout(resolve, task.payload.ms));
      return { run };`,
  },
  Barrier: BARRIER_HANDLER,
};

let workspace: FaultWorkspace;
let runtime: FaultRuntime;
let client: Tumnus;
let mongo: MongoClient;

beforeAll(async () => {
  workspace = await FaultWorkspace.create(HANDLERS);
  runtime = workspace.startRuntime(database.uri, { concurrency: 2 });
  client = new Tumnus(database.uri);
  mongo = new MongoClient(database.uri);
  await runtime.ready();
});

afterAll(async () => {
  await client?.close();
  await mongo?.close();
  if (runtime) expect(await runtime.terminate()).toBe(0);
  await workspace?.remove();
});

describe('a handler that kills its worker thread', () => {
  it('fails only that attempt, retries on a fresh thread and spares the other thread', async () => {
    const steady = await new client.Task('Steady').send({ ms: 2_500 });
    await until('the steady task runs', async () =>
      (await workspace.runs()).some((r) => r.taskId === steady.id),
    );
    const crashing = await Promise.all(
      ['Exit', 'TimerThrow', 'Oom'].map((parent) => new client.Task(parent).send({})),
    );
    const handles: TaskHandle[] = [steady, ...crashing];
    const [steadyResult, exit, timer, oom] = await settledResults(handles, 45_000);

    expect(steadyResult).toMatchObject({ status: 'success', attempts: 1, failures: [] });
    for (const result of [exit, timer, oom]) {
      expect(result).toMatchObject({ status: 'success', attempts: 2, payload: { attempt: 2 } });
      expect(result!.failures).toHaveLength(1);
      expect(result!.failures[0]).toMatchObject({ reason: 'worker-crashed', attempt: 1 });
    }
    expect(exit!.failures[0]!.message).toMatch(/exited with code: 3/);
    expect(timer!.failures[0]!.message).toMatch(/boom from a timer/);
    expect(oom!.failures[0]).toMatchObject({ code: 'ERR_WORKER_OUT_OF_MEMORY' });

    const runs = await workspace.runs();
    for (const handle of crashing) {
      const [first, second] = runs.filter((r) => r.taskId === handle.id);
      expect(second!.threadId).not.toBe(first!.threadId);
      expect(second!.pid).toBe(runtime.pid);
    }
    await expectInvariants(mongo.db(), { taskIds: handles.map((h) => h.id), runs });
  });

  it('is back to its full number of threads afterwards', async () => {
    const taskIds = await expectFullPool(client, 'Barrier', 2);
    expect(runtime.logs('runtime ready')).toHaveLength(1);
    await expectInvariants(mongo.db(), {
      taskIds,
      runs: await workspace.runs(),
    });
  });
});
