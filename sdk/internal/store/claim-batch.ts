import { randomUUID } from 'node:crypto';
import { TaskStatus } from '../../model.js';
import type { StoreConnection } from './connection.js';
import { toSnapshot } from './documents.js';
import type { ClaimedTask } from './leases.js';

/**
 * Claims up to `limit` of the oldest ready tasks of `parents` in three round trips, however many
 * it gets: read the candidates' ids in claim order, lease the ones still pending in one
 * `updateMany` under one fresh token, read back the ones this call won. A claimer racing for the
 * same candidates gets the others. The shared token fences as well as one per task would: every
 * holder write names the task's id as well as the token.
 *
 * Returns null when nothing is ready, and an empty list when every candidate was taken by
 * another claimer in between (worth another look).
 */
export async function claimReadyTasks(
  store: StoreConnection,
  parents: readonly string[],
  owner: string,
  leaseMs: number,
  limit: number,
): Promise<ClaimedTask[] | null> {
  const now = store.clock.now();
  const ready = { parent: { $in: [...parents] }, status: TaskStatus.Pending, runAt: { $lte: now } };
  const candidates = await store.tasks
    .find(ready, { sort: { runAt: 1 }, limit, projection: { _id: 1 } })
    .toArray();
  if (candidates.length === 0) return null;

  const token = randomUUID();
  const ids = candidates.map((doc) => doc._id);
  const leased = await store.tasks.updateMany(
    { ...ready, _id: { $in: ids } },
    {
      $set: {
        status: TaskStatus.Leased,
        lease: { token, owner, expiresAt: new Date(now.getTime() + leaseMs) },
        updatedAt: now,
      },
      $inc: { attempts: 1 },
    },
  );
  if (leased.modifiedCount === 0) return [];

  const won = await store.tasks
    .find({ _id: { $in: ids }, status: TaskStatus.Leased, 'lease.token': token })
    .sort({ runAt: 1 })
    .toArray();
  return won.map((doc) => ({ task: toSnapshot(doc), token }));
}
