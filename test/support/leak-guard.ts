import { afterAll, beforeAll } from 'vitest';

/**
 * Fails a test file that leaves network connections open: an unclosed MongoClient (and with it its
 * change streams and pool), a leftover SMTP client, a server still listening.
 *
 * How: Node's own list of the handles that keep the event loop alive
 * (`process.getActiveResourcesInfo()`) is counted by type before the file's first hook and after
 * its last one. An open MongoClient always holds at least one TCP socket (its monitor), so it
 * shows up without the driver or the SDK having to report anything. Sockets finish closing a
 * moment after `close()` resolves, so the count is given a short grace period before failing.
 *
 * LIMITATION: counts only this test worker's own handles; clients opened inside worker threads or
 * child processes that a test starts are not seen here (those die with their thread or process).
 */

/** Handle types that mean an open connection or listening server. */
const WATCHED = Object.freeze(['TCPSocketWrap', 'TCPServerWrap', 'TLSWrap']);
const GRACE_MS = 2_000;
const POLL_MS = 25;
const QUIET_POLL_MS = 50;

export type NetworkHandleCounts = Record<string, number>;

/** How many handles of each watched type this process holds now. */
export function countNetworkHandles(): NetworkHandleCounts {
  const counts: NetworkHandleCounts = Object.fromEntries(WATCHED.map((type) => [type, 0]));
  for (const type of process.getActiveResourcesInfo()) {
    if (type in counts) counts[type] = (counts[type] ?? 0) + 1;
  }
  return counts;
}

/** Handle types with more open now than in `baseline`, with how many more. */
export function excessOver(baseline: NetworkHandleCounts): NetworkHandleCounts {
  const now = countNetworkHandles();
  const excess: NetworkHandleCounts = {};
  for (const type of WATCHED) {
    const extra = (now[type] ?? 0) - (baseline[type] ?? 0);
    if (extra > 0) excess[type] = extra;
  }
  return excess;
}

/** Resolves with the excess once it is gone, or with what is still open after `graceMs`. */
export async function settledExcess(
  baseline: NetworkHandleCounts,
  graceMs = GRACE_MS,
): Promise<NetworkHandleCounts> {
  const deadline = Date.now() + graceMs;
  let excess = excessOver(baseline);
  while (Object.keys(excess).length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    excess = excessOver(baseline);
  }
  return excess;
}

/**
 * The counts once they held still for one poll (at most `GRACE_MS`): a worker that ran another
 * file before may still be closing that file's sockets, which would inflate a baseline.
 */
export async function quietNetworkHandles(): Promise<NetworkHandleCounts> {
  const deadline = Date.now() + GRACE_MS;
  let previous = countNetworkHandles();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, QUIET_POLL_MS));
    const now = countNetworkHandles();
    if (WATCHED.every((type) => now[type] === previous[type])) return now;
    previous = now;
  }
  return previous;
}

let baseline: NetworkHandleCounts | undefined;

// Registered from the setup file, so vitest runs this beforeAll first and this afterAll last:
// the file's own cleanup hooks (closing clients, dropping its database) have finished by then.
beforeAll(async () => {
  baseline = await quietNetworkHandles();
});

afterAll(async () => {
  if (!baseline) return;
  const excess = await settledExcess(baseline);
  if (Object.keys(excess).length === 0) return;

  const listed = Object.entries(excess)
    .map(([type, count]) => `${count} ${type}`)
    .join(', ');
  throw new Error(
    `this test file left network handles open (${listed}): close every MongoClient, change ` +
      'stream, server and mail transport it opens, in afterEach/afterAll or a finally block',
  );
});
