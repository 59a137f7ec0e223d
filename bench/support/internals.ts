// Reaches into a Tumnus client for what only a benchmark needs to see. The SDK keeps these
// private on purpose; nothing here is API.
import type { MongoClient } from 'mongodb';
import type Tumnus from '../../sdk/index.js';
import type { ClientCore } from '../../sdk/internal/client-core.js';

export function coreOf(client: Tumnus): ClientCore {
  return (client.tasks as unknown as { core: ClientCore }).core;
}

/** The driver client behind a Tumnus client (connects it if needed). */
export async function mongoClientOf(client: Tumnus): Promise<MongoClient> {
  const store = await coreOf(client).connection();
  return store.client;
}

/** Tasks with at least one registered waiter in this client. */
export function waitedTaskCount(client: Tumnus): number {
  const watcher = coreOf(client).completions as unknown as { waiters: Map<string, unknown> };
  return watcher.waiters.size;
}

export function openCompletionStreams(client: Tumnus): number {
  return coreOf(client).completions.openStreams;
}
