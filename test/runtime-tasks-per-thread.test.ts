// `tumnus-runtime start --tasks-per-thread N`: several attempts share one pool thread. Pins that
// they really run at once on that thread, that every thread is still warmed, what happens to the
// other attempts on a thread that is terminated or crashes (they fail `worker-crashed`, spend
// their attempt and are retried), and that a malformed value is refused before anything starts.
import { MongoClient } from 'mongodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import Tumnus from '../sdk/index.js';
import { startProcess, type RunningProcess } from './support/child-process.js';
import { useTestDatabase } from './support/test-database.js';
import {
  FaultWorkspace,
  type FaultRuntime,
  type HandlerSpec,
  until,
} from './faults/support/fault-runtime.js';
import { expectInvariants, settledResults } from './faults/support/invariants.js';

const database = useTestDatabase();
const POLICY = { maxAttempts: 3, backoffMs: 50, leaseMs: 1_000 };

/** Awaits `payload.ms`, like a handler waiting on a mail server; says when and where it ran. */
const AWAITS: HandlerSpec = {
  options: POLICY,
  prelude: "import { threadId } from 'node:worker_threads';",
  body: `
    const startedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, task.payload.ms));
    return { run, threadId, startedAt, finishedAt: Date.now() };`,
};

/** Runs long on its first attempt (a thread dying under it cuts that short), briefly after. */
const SLOW_FIRST: HandlerSpec = {
  options: POLICY,
  body: `
    if (task.attempt === 1) await new Promise((resolve) => setTimeout(resolve, 20_000));
    return { run, attempt: task.attempt };`,
};

/** Kills its thread on the first attempt, answers on the next one. */
const EXITS_ONCE: HandlerSpec = {
  options: POLICY,
  body: `
    if (task.attempt === 1) process.exit(1);
    return { run, attempt: task.attempt };`,
};

/**
 * Never yields on its first attempt, so its thread is terminated after the time limit. The limit
 * leaves the retry time to load the handler on the replacement thread (about a second with tsx).
 */
const SPINS_ONCE: HandlerSpec = {
  options: { ...POLICY, timeoutMs: 5_000 },
  body: `
    if (task.attempt === 1) for (;;);
    return { run, attempt: task.attempt };`,
};

/** Notes each thread (and the supervisor) that loads it: warming leaves one note per thread. */
const LOAD_NOTED: HandlerSpec = {
  options: POLICY,
  prelude: `
    import { isMainThread, threadId } from 'node:worker_threads';
    note({ id: 'module', attempt: 0 }, 'loaded', { threadId, isMainThread });`,
  body: 'return { run };',
};

let client: Tumnus;
let mongo: MongoClient;
const workspaces: FaultWorkspace[] = [];
/** Runtimes of single tests; stopped after each, checking that each stops cleanly. */
const running: FaultRuntime[] = [];

async function startRuntime(
  handlers: Record<string, HandlerSpec>,
  options: { concurrency: number; tasksPerThread: number },
): Promise<{ workspace: FaultWorkspace; runtime: FaultRuntime }> {
  const workspace = await FaultWorkspace.create(handlers);
  workspaces.push(workspace);
  const runtime = workspace.startRuntime(database.uri, options);
  running.push(runtime);
  await runtime.ready();
  return { workspace, runtime };
}

beforeAll(() => {
  client = new Tumnus(database.uri);
  mongo = new MongoClient(database.uri);
});

afterEach(async () => {
  const stopped = running.splice(0);
  const codes = await Promise.all(stopped.map((runtime) => runtime.terminate()));
  expect(codes).toEqual(stopped.map(() => 0));
});

afterAll(async () => {
  await client?.close();
  await mongo?.close();
  await Promise.all(workspaces.map((workspace) => workspace.remove()));
});

describe('a runtime with several tasks per thread', () => {
  it('runs that many attempts at once on one thread', async () => {
    const { workspace, runtime } = await startRuntime(
      { Awaits: AWAITS },
      { concurrency: 1, tasksPerThread: 4 },
    );
    expect(runtime.logs('runtime ready')[0]).toMatchObject({ concurrency: 1, tasksPerThread: 4 });

    // One due time for all four: the claimer takes them together rather than as they arrive.
    const runAt = new Date(Date.now() + 500);
    const handles = await Promise.all(
      Array.from({ length: 4 }, () => new client.Task('Awaits').send({ ms: 300 }, { runAt })),
    );
    const results = await settledResults(handles);

    expect(results.map((r) => [r.status, r.attempts])).toEqual(results.map(() => ['success', 1]));
    const runs = results.map(
      (r) => r.payload as { threadId: number; startedAt: number; finishedAt: number },
    );
    expect(new Set(runs.map((r) => r.threadId)).size).toBe(1);
    const lastStart = Math.max(...runs.map((r) => r.startedAt));
    const firstEnd = Math.min(...runs.map((r) => r.finishedAt));
    expect(lastStart).toBeLessThan(firstEnd);
    await expectInvariants(mongo.db(), {
      taskIds: handles.map((h) => h.id),
      runs: await workspace.runs(),
    });
  });

  it('warms every thread before it is ready', async () => {
    const { workspace } = await startRuntime(
      { LoadNoted: LOAD_NOTED },
      { concurrency: 2, tasksPerThread: 4 },
    );

    const loads = (await workspace.notes()).filter((n) => n.what === 'loaded' && !n.isMainThread);
    expect(new Set(loads.map((n) => n.threadId)).size).toBe(2);
  });
});

describe('a thread that dies under several attempts', () => {
  let workspace: FaultWorkspace;
  let runtime: FaultRuntime;

  beforeAll(async () => {
    // Started here, not per test: one runtime serves both faults, and is stopped after them.
    workspace = await FaultWorkspace.create({
      SlowFirst: SLOW_FIRST,
      ExitsOnce: EXITS_ONCE,
      SpinsOnce: SPINS_ONCE,
    });
    workspaces.push(workspace);
    runtime = workspace.startRuntime(database.uri, { concurrency: 1, tasksPerThread: 2 });
    await runtime.ready();
  });

  afterAll(async () => {
    if (runtime) expect(await runtime.terminate()).toBe(0);
  });

  /** Starts a SlowFirst task, then `parent`'s task on the same (only) thread while it runs. */
  async function killThreadUnderSlowTask(parent: string) {
    const slow = await new client.Task('SlowFirst').send({});
    await until('the slow task runs', async () =>
      (await workspace.runs()).some((r) => r.taskId === slow.id),
    );
    const killer = await new client.Task(parent).send({});
    const [slowResult, killerResult] = await settledResults([slow, killer], 45_000);
    await expectInvariants(mongo.db(), {
      taskIds: [slow.id, killer.id],
      runs: await workspace.runs(),
    });
    return { slow: slowResult!, killer: killerResult! };
  }

  it('fails the other attempt as worker-crashed when a handler exits its thread', async () => {
    const { slow, killer } = await killThreadUnderSlowTask('ExitsOnce');

    expect(killer).toMatchObject({ status: 'success', attempts: 2, payload: { attempt: 2 } });
    expect(killer.failures).toMatchObject([{ reason: 'worker-crashed', attempt: 1 }]);
    // Its attempt is spent: the crash was not its doing, but it ran on the thread that died.
    expect(slow).toMatchObject({ status: 'success', attempts: 2, payload: { attempt: 2 } });
    expect(slow.failures).toMatchObject([{ reason: 'worker-crashed', attempt: 1 }]);
    expect(slow.failures[0]!.message).toMatch(/exited with code: 1/);
  });

  it('fails the other attempt worker-crashed when a timed-out thread is terminated', async () => {
    const { slow, killer } = await killThreadUnderSlowTask('SpinsOnce');

    expect(killer).toMatchObject({ status: 'success', attempts: 2, payload: { attempt: 2 } });
    expect(killer.failures).toMatchObject([{ reason: 'timeout', attempt: 1 }]);
    expect(slow).toMatchObject({ status: 'success', attempts: 2, payload: { attempt: 2 } });
    expect(slow.failures).toMatchObject([{ reason: 'worker-crashed', attempt: 1 }]);
  });
});

describe('tumnus-runtime start with a malformed tasksPerThread', () => {
  let refused: RunningProcess | undefined;

  afterEach(async () => {
    await refused?.stop('SIGKILL');
  });

  function start(args: string[], env: Record<string, string> = {}): RunningProcess {
    const base = ['dist/runtime/cli.js', 'start', '--mongo', database.uri];
    refused = startProcess(process.execPath, [...base, ...args], env);
    return refused;
  }

  it('refuses --tasks-per-thread 0, naming the flag source and the field', async () => {
    const runtime = start(['--tasks-per-thread', '0']);

    expect(await runtime.exited).toBe(1);
    expect(runtime.output()).toContain('CONFIG_INVALID');
    expect(runtime.output()).toContain('the command-line flags');
    expect(runtime.output()).toContain('config.tasksPerThread');
    expect(runtime.output()).not.toContain('runtime ready');
  });

  it('refuses TUMNUS_TASKS_PER_THREAD=abc, naming the variable', async () => {
    const runtime = start([], { TUMNUS_TASKS_PER_THREAD: 'abc' });

    expect(await runtime.exited).toBe(1);
    expect(runtime.output()).toContain('CONFIG_INVALID');
    expect(runtime.output()).toContain('TUMNUS_TASKS_PER_THREAD must be a positive integer');
    expect(runtime.output()).not.toContain('runtime ready');
  });
});
