import { reconnectDelayMs } from './backoff.js';
import type { Logger } from './logger.js';
import { isTransientError, outcomeWrittenBy, type StoreConnection } from './store/index.js';

/** How many times an outcome write is tried through transient database errors. */
const TRIES = 6;

/**
 * Runs a lease holder's outcome write (a reply, a failure, a release), trying again through
 * transient database errors (a dropped connection, a primary stepping down, a client being
 * rebuilt) so that a finished attempt's result survives a short outage. Repeating is safe
 * because the write is fenced by the lease token. A write whose reply was lost may have landed:
 * `outcomeWrittenBy` says so before the write is tried again, so the holder does not mistake its
 * own outcome for a lost lease. Resolves false when the lease was lost; rejects with the last
 * error once the tries are used up.
 */
export async function writeFenced(
  store: StoreConnection,
  held: { taskId: string; token: string },
  write: () => Promise<boolean>,
  logger: Logger,
): Promise<boolean> {
  for (let failures = 0; ;) {
    try {
      if (failures > 0 && (await outcomeWrittenBy(store, held.taskId, held.token))) return true;
      return await write();
    } catch (error) {
      failures += 1;
      if (!isTransientError(error) || store.isClosed || failures >= TRIES) throw error;
      logger.warn(
        { err: error, taskId: held.taskId, failuresInARow: failures },
        'outcome write failed',
      );
      await new Promise((resolve) => setTimeout(resolve, reconnectDelayMs(failures)));
    }
  }
}
