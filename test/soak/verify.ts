// The soak's invariants, read from the database and the handlers' side-effect file.
import { MongoClient, ObjectId } from 'mongodb';
import type { RunLine } from '../faults/support/fault-runtime.js';
import type { SentTasks } from './send-all.js';

const TERMINAL = ['succeeded', 'failed', 'dead', 'cancelled'];
const OUTCOME_EVENTS = TERMINAL;

export interface SoakReport {
  tasks: number;
  /** Sent tasks that are not finished (or not there at all). */
  lost: number;
  /** Tasks with more than one outcome, or whose committed result came from no recorded run. */
  duplicated: number;
  /** Tasks whose handler ran more often than maxAttempts. */
  overRun: number;
  leasesHeld: number;
  /** Waiters that never heard of their task's outcome (or rejected instead). */
  waitersUnsettled: number;
  waitErrors: number;
  succeeded: number;
  dead: number;
  runs: number;
  ok: boolean;
}

export async function verify(uri: string, sent: SentTasks, runs: RunLine[]): Promise<SoakReport> {
  const mongo = new MongoClient(uri);
  try {
    const db = mongo.db();
    const ids = sent.handles.map((h) => new ObjectId(h.id));
    const tasks = await db
      .collection('tasks')
      .find(
        { _id: { $in: ids } },
        { projection: { status: 1, lease: 1, maxAttempts: 1, 'reply.payload.run': 1 } },
      )
      .toArray();
    const outcomes = await db
      .collection('events')
      .aggregate<{ _id: string; count: number }>([
        { $match: { type: { $in: OUTCOME_EVENTS } } },
        { $group: { _id: '$taskId', count: { $sum: 1 } } },
        { $match: { count: { $gt: 1 } } },
      ])
      .toArray();

    const runsByTask = new Map<string, Set<string>>();
    for (const run of runs) {
      const set = runsByTask.get(run.taskId) ?? new Set<string>();
      runsByTask.set(run.taskId, set.add(run.run));
    }

    let lost = sent.handles.length - tasks.length;
    let overRun = 0;
    let foreign = 0;
    for (const task of tasks) {
      const id = task._id.toHexString();
      const taskRuns = runsByTask.get(id) ?? new Set<string>();
      if (!TERMINAL.includes(task.status as string)) lost += 1;
      if (taskRuns.size > (task.maxAttempts as number)) overRun += 1;
      const committed = (task.reply as { payload?: { run?: string } } | null)?.payload?.run;
      if (task.status === 'succeeded' && (!committed || !taskRuns.has(committed))) foreign += 1;
    }

    const duplicated = outcomes.length + foreign;
    const leasesHeld = tasks.filter((t) => t.lease).length;
    const waitersUnsettled = sent.handles.length - sent.results.size;
    return {
      tasks: sent.handles.length,
      lost,
      duplicated,
      overRun,
      leasesHeld,
      waitersUnsettled,
      waitErrors: sent.waitErrors.size,
      succeeded: tasks.filter((t) => t.status === 'succeeded').length,
      dead: tasks.filter((t) => t.status === 'dead').length,
      runs: runs.length,
      ok: lost + duplicated + overRun + leasesHeld + waitersUnsettled === 0,
    };
  } finally {
    await mongo.close();
  }
}
