import type { StoreConnection } from './connection.js';
import { heldBy } from './leases.js';

/**
 * Stores the latest progress a handler reported on the task it holds. Fenced by the lease token
 * like every holder write: false when the lease was lost or the task already finished.
 */
export async function recordProgress(
  store: StoreConnection,
  id: string,
  token: string,
  progress: unknown,
): Promise<boolean> {
  const now = store.clock.now();
  const result = await store.tasks.updateOne(heldBy(id, token), {
    $set: { progress, progressAt: now, updatedAt: now },
  });
  return result.matchedCount === 1;
}
