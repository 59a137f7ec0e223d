import { ObjectId } from 'mongodb';
import type { TaskSnapshot } from '../../model.js';
import { TERMINAL_STATUSES } from '../../model.js';
import type { StoreConnection } from './connection.js';
import { toSnapshot } from './documents.js';

export function isTaskId(id: string): boolean {
  return ObjectId.isValid(id) && /^[0-9a-f]{24}$/i.test(id);
}

export async function findTask(store: StoreConnection, id: string): Promise<TaskSnapshot | null> {
  const doc = await store.tasks.findOne({ _id: new ObjectId(id) });
  return doc ? toSnapshot(doc) : null;
}

/** The finished tasks among `ids`, in one query: how waiters catch up after a gap. */
export async function findFinishedTasks(
  store: StoreConnection,
  ids: readonly string[],
): Promise<TaskSnapshot[]> {
  if (ids.length === 0) return [];
  const docs = await store.tasks
    .find({
      _id: { $in: ids.map((id) => new ObjectId(id)) },
      status: { $in: [...TERMINAL_STATUSES] },
    })
    .toArray();
  return docs.map(toSnapshot);
}

/** The earliest `runAt` among pending tasks of `parents`, to know when to look again. */
export async function findNextRunAt(
  store: StoreConnection,
  parents: readonly string[],
): Promise<Date | null> {
  const doc = await store.tasks.findOne(
    { parent: { $in: [...parents] }, status: 'pending' },
    { sort: { runAt: 1 }, projection: { runAt: 1 } },
  );
  return doc?.runAt ?? null;
}
