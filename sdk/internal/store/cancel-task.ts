import { ObjectId } from 'mongodb';
import type { TaskSnapshot } from '../../model.js';
import { TaskStatus } from '../../model.js';
import type { StoreConnection } from './connection.js';
import { toSnapshot } from './documents.js';

const UNFINISHED = [TaskStatus.Pending, TaskStatus.Leased];

/**
 * Cancels a task that has not finished. A pending task never runs; a leased one loses its lease
 * at once, so its holder's next renewal fails and aborts the attempt, and any reply it sends is
 * discarded. Returns the task as it now is (finished tasks are returned unchanged).
 */
export async function cancelTask(
  store: StoreConnection,
  id: string,
  reason: string,
): Promise<{ task: TaskSnapshot | null; cancelled: boolean }> {
  const now = store.clock.now();
  const _id = new ObjectId(id);
  // updateOne, then a read: some wire-compatible test servers emit no change event for
  // findAndModify, and waiters learn of the cancellation from that event.
  const result = await store.tasks.updateOne(
    { _id, status: { $in: UNFINISHED } },
    {
      $set: {
        status: TaskStatus.Cancelled,
        cancelReason: reason,
        lease: null,
        finishedAt: now,
        updatedAt: now,
      },
    },
  );
  const current = await store.tasks.findOne({ _id });
  return { task: current ? toSnapshot(current) : null, cancelled: result.modifiedCount === 1 };
}

/** Unfinished tasks of a parent, by state: what deleting the parent would affect. */
export async function countUnfinished(
  store: StoreConnection,
  parent: string,
): Promise<{ pending: number; leased: number }> {
  const [pending, leased] = await Promise.all([
    store.tasks.countDocuments({ parent, status: TaskStatus.Pending }),
    store.tasks.countDocuments({ parent, status: TaskStatus.Leased }),
  ]);
  return { pending, leased };
}

/** Ids of a parent's unfinished tasks, a page at a time. */
export async function findUnfinishedIds(
  store: StoreConnection,
  parent: string,
  limit: number,
): Promise<string[]> {
  const docs = await store.tasks
    .find({ parent, status: { $in: UNFINISHED } }, { projection: { _id: 1 }, limit })
    .toArray();
  return docs.map((doc) => doc._id.toHexString());
}
