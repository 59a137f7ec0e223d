// Storage operations behind the operator CLI: listing, counting, retrying, purging.
import { ObjectId, type Filter } from 'mongodb';
import type { TaskSnapshot, TaskStatus } from '../../model.js';
import { TaskStatus as Status, TERMINAL_STATUSES } from '../../model.js';
import type { StoreConnection } from './connection.js';
import { toSnapshot, type TaskDocument } from './documents.js';

export interface TaskQuery {
  parent?: string;
  status?: TaskStatus;
  limit: number;
}

export async function listTasks(store: StoreConnection, query: TaskQuery): Promise<TaskSnapshot[]> {
  const filter: Filter<TaskDocument> = {};
  if (query.parent) filter.parent = query.parent;
  if (query.status) filter.status = query.status;
  const docs = await store.tasks.find(filter).sort({ createdAt: -1 }).limit(query.limit).toArray();
  return docs.map(toSnapshot);
}

export interface ParentStatus {
  parent: string;
  counts: Record<TaskStatus, number>;
  /** Age of the oldest task that is ready but not claimed, in ms; null when none waits. */
  oldestPendingMs: number | null;
  runningLeases: number;
}

export async function parentStatus(store: StoreConnection, parent: string): Promise<ParentStatus> {
  const now = store.clock.now();
  const statuses = Object.values(Status);
  const counts = await Promise.all(
    statuses.map((status) => store.tasks.countDocuments({ parent, status })),
  );
  const oldest = await store.tasks.findOne(
    { parent, status: Status.Pending, runAt: { $lte: now } },
    { sort: { runAt: 1 }, projection: { runAt: 1 } },
  );
  const byStatus = Object.fromEntries(statuses.map((s, i) => [s, counts[i] ?? 0]));
  return {
    parent,
    counts: byStatus as Record<TaskStatus, number>,
    oldestPendingMs: oldest ? now.getTime() - oldest.runAt.getTime() : null,
    runningLeases: byStatus[Status.Leased] ?? 0,
  };
}

/**
 * Runs a finished task again: it goes back to pending now with one more attempt allowed.
 * Its failures stay on it. Returns null for an unknown id, false for a task not yet finished.
 */
export async function retryTask(store: StoreConnection, id: string): Promise<boolean | null> {
  const _id = new ObjectId(id);
  const current = await store.tasks.findOne({ _id }, { projection: { status: 1, attempts: 1 } });
  if (!current) return null;

  const now = store.clock.now();
  const result = await store.tasks.updateOne(
    { _id, status: { $in: [...TERMINAL_STATUSES] } },
    {
      $set: {
        status: Status.Pending,
        runAt: now,
        reply: null,
        finishedAt: null,
        updatedAt: now,
        maxAttempts: current.attempts + 1,
      },
      $unset: { cancelReason: '' },
    },
  );
  return result.modifiedCount === 1;
}

export interface PurgeQuery {
  before: Date;
  parent?: string;
}

function purgeFilter(query: PurgeQuery): Filter<TaskDocument> {
  return {
    status: { $in: [...TERMINAL_STATUSES] },
    finishedAt: { $lt: query.before },
    ...(query.parent ? { parent: query.parent } : {}),
  };
}

export function countPurgeable(store: StoreConnection, query: PurgeQuery): Promise<number> {
  return store.tasks.countDocuments(purgeFilter(query));
}

/**
 * Removes finished tasks that ended before `before`, a batch at a time; with `archive`, each
 * batch is first copied into `tasks_archive`. Only on an operator's explicit request.
 * Reports progress after each batch.
 */
export async function purgeFinished(
  store: StoreConnection,
  query: PurgeQuery & { archive: boolean; batchSize: number },
  onProgress: (done: number) => void,
): Promise<number> {
  let done = 0;
  for (;;) {
    const batch = await store.tasks.find(purgeFilter(query)).limit(query.batchSize).toArray();
    if (batch.length === 0) return done;

    if (query.archive) {
      // Upserts, so a purge interrupted between archive and delete can simply be run again.
      await store.db.collection<TaskDocument>('tasks_archive').bulkWrite(
        batch.map((doc) => ({
          replaceOne: { filter: { _id: doc._id }, replacement: doc, upsert: true },
        })),
      );
    }
    const ids = batch.map((doc) => doc._id);
    const result = await store.tasks.deleteMany({ _id: { $in: ids }, ...purgeFilter(query) });
    done += result.deletedCount;
    onProgress(done);
  }
}
