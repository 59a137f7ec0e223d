// The invariants every fault test ends with: nothing lost, nothing done twice, nothing left held.
import { randomUUID } from 'node:crypto';
import { ObjectId, type Db } from 'mongodb';
import { expect } from 'vitest';
import type { TaskHandle, TaskResult, Tumnus } from '../../../sdk/index.js';
import type { RunLine } from './fault-runtime.js';

const TERMINAL = ['succeeded', 'failed', 'dead', 'cancelled'];
/** Events that announce an outcome: a task may have at most one of them. */
const OUTCOME_EVENTS = ['succeeded', 'failed', 'dead', 'cancelled'];

export interface InvariantOptions {
  taskIds: readonly string[];
  runs: readonly RunLine[];
  /**
   * Runs a task may have beyond `maxAttempts`: a graceful shutdown gives an attempt back without
   * counting it, so its handler may run once more than attempts show. @default 0
   */
  uncountedRuns?: number;
}

/** Violations per invariant, as task ids. Every list empty means the invariants hold. */
export interface InvariantReport {
  notTerminal: string[];
  leaseHeld: string[];
  tooManyRuns: string[];
  resultFromNoRun: string[];
  duplicateOutcomes: string[];
}

export async function checkInvariants(db: Db, options: InvariantOptions): Promise<InvariantReport> {
  const ids = options.taskIds.map((id) => new ObjectId(id));
  const tasks = await db
    .collection('tasks')
    .find({ _id: { $in: ids } })
    .toArray();
  const outcomes = await db
    .collection('events')
    .aggregate<{ _id: string; count: number }>([
      { $match: { taskId: { $in: [...options.taskIds] }, type: { $in: OUTCOME_EVENTS } } },
      { $group: { _id: '$taskId', count: { $sum: 1 } } },
    ])
    .toArray();

  const runsByTask = new Map<string, RunLine[]>();
  for (const run of options.runs) {
    runsByTask.set(run.taskId, [...(runsByTask.get(run.taskId) ?? []), run]);
  }
  const found = new Set(tasks.map((task) => task._id.toHexString()));
  const report: InvariantReport = {
    notTerminal: options.taskIds.filter((id) => !found.has(id)),
    leaseHeld: [],
    tooManyRuns: [],
    resultFromNoRun: [],
    duplicateOutcomes: outcomes.filter((o) => o.count > 1).map((o) => o._id),
  };

  for (const task of tasks) {
    const id = task._id.toHexString();
    const runs = runsByTask.get(id) ?? [];
    if (!TERMINAL.includes(task.status as string)) report.notTerminal.push(id);
    if (task.lease) report.leaseHeld.push(id);
    if (runs.length > (task.maxAttempts as number) + (options.uncountedRuns ?? 0)) {
      report.tooManyRuns.push(id);
    }
    const committedRun = (task.reply?.payload as { run?: unknown } | undefined)?.run;
    if (task.status === 'succeeded' && !runs.some((run) => run.run === committedRun)) {
      report.resultFromNoRun.push(id);
    }
  }
  return report;
}

/** Asserts every invariant, and that no task in the database at all is still leased. */
export async function expectInvariants(db: Db, options: InvariantOptions): Promise<void> {
  const report = await checkInvariants(db, options);
  expect(report).toEqual({
    notTerminal: [],
    leaseHeld: [],
    tooManyRuns: [],
    resultFromNoRun: [],
    duplicateOutcomes: [],
  });
  expect(await db.collection('tasks').countDocuments({ status: 'leased' })).toBe(0);
}

/** Waits for every handle's result; fails if any waiter is still waiting after `timeoutMs`. */
export async function settledResults(
  handles: readonly TaskHandle[],
  timeoutMs = 30_000,
): Promise<TaskResult[]> {
  return Promise.all(handles.map((handle) => handle.result({ timeoutMs })));
}

/**
 * Asserts that the runtime serving `parent` (a BARRIER_HANDLER) runs `threads` tasks at once on
 * distinct threads: its pool is at full size. Threads still starting are waited for.
 */
export async function expectFullPool(
  client: Tumnus,
  parent: string,
  threads: number,
): Promise<string[]> {
  const group = randomUUID();
  const payload = { group, size: threads, waitMs: 20_000 };
  const handles = await Promise.all(
    Array.from({ length: threads }, () => new client.Task(parent).send(payload)),
  );
  const results = await settledResults(handles, 40_000);
  expect(results.map((r) => [r.status, r.failures.map((f) => f.message)])).toEqual(
    results.map(() => ['success', []]),
  );
  const answers = results.map((r) => r.payload as { met: boolean; threadId: number });
  expect(answers.map((a) => a.met)).toEqual(answers.map(() => true));
  expect(new Set(answers.map((a) => a.threadId)).size).toBe(threads);
  return handles.map((h) => h.id);
}
