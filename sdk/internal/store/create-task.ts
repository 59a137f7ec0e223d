import type { TaskParentRecord, TaskSnapshot } from '../../model.js';
import type { StoreConnection } from './connection.js';
import { findByIdempotencyKey, insertTask, withdrawTask } from './insert-task.js';
import { findParent } from './parents.js';

export interface TaskToCreate {
  /** From `newTaskId()`: the `created` event names it before the task exists. */
  id: string;
  payload: unknown;
  runAt: Date;
  maxAttempts: number;
  idempotencyKey?: string;
}

export interface CreatedTask {
  task: TaskSnapshot;
  /** False when an earlier creation with the same idempotency key made the task. */
  created: boolean;
  /** True when the parent began deletion meanwhile and the new task was taken back. */
  withdrawn: boolean;
}

/**
 * Creates a task of `parent` (as read before) the way every creator must, sends and schedule
 * fires alike. An idempotent repeat returns the first task and writes nothing. Otherwise the
 * `created` event is stored first, so no observer sees a task's `started` (or any later event)
 * before it, then the task. Last, the parent is read again: a delete that began since the first
 * reading may have counted unfinished tasks before this one landed, so the task is taken back.
 */
export async function createTask(
  store: StoreConnection,
  parent: TaskParentRecord,
  input: TaskToCreate,
): Promise<CreatedTask> {
  const key = input.idempotencyKey;
  if (key !== undefined) {
    const earlier = await findByIdempotencyKey(store, parent.name, key);
    if (earlier) return { task: earlier, created: false, withdrawn: false };
  }

  await store.eventLog.write({
    type: 'created',
    parent: parent.name,
    taskId: input.id,
    data: { runAt: input.runAt },
    retentionDays: parent.retentionDays,
  });
  // LIMITATION: when two creations with one idempotency key race past the look-up above, the
  // loser's `created` event names a task that was never stored; it still returns the winner's
  // task. Events are at-least-once and secondary to task state, so this stays.
  const { task, created } = await insertTask(store, {
    ...input,
    parent: parent.name,
    delayMs: 0,
  });
  if (!created) return { task, created, withdrawn: false };
  return { task, created, withdrawn: await withdrawIfParentGone(store, parent, task.id) };
}

async function withdrawIfParentGone(
  store: StoreConnection,
  parent: TaskParentRecord,
  taskId: string,
): Promise<boolean> {
  const current = await findParent(store, parent.name);
  if (current && !current.deleting) return false;
  const reason = 'task parent deleted';
  await withdrawTask(store, taskId, reason);
  store.eventLog.emit({
    type: 'cancelled',
    parent: parent.name,
    taskId,
    data: { reason },
    retentionDays: parent.retentionDays,
  });
  return true;
}
