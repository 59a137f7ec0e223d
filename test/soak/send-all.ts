// Sends the soak's tasks with a bounded number of sends in flight, each with an idempotency key
// so that a failed send can be repeated without making a second task, and waits for every result.
// At most MAX_OUTSTANDING tasks are unfinished at a time: a steady load rather than one huge
// backlog, which the Java wire server cannot index (each claim query there scans every pending
// task: about 60 ms with 15,000 pending, against 10 ms with 500).
import type { TaskHandle, TaskResult, Tumnus } from '../../sdk/index.js';
import { sleep } from '../faults/support/fault-runtime.js';
import { progress } from './progress.js';

const IN_FLIGHT = 64;
const MAX_OUTSTANDING = 500;
const SEND_TRIES = 5;

export interface SentTasks {
  handles: TaskHandle[];
  /** Results by task id, filled as waiters settle. */
  results: Map<string, TaskResult>;
  /** Waiters that rejected instead (a Tumnus error), by task id. */
  waitErrors: Map<string, string>;
  /** Resolves once every waiter settled, or at `deadline` (epoch ms). */
  waitForTerminal(deadline: number): Promise<void>;
}

export async function sendAll(
  client: Tumnus,
  parent: string,
  count: number,
  deadline: number,
): Promise<SentTasks> {
  const handles: TaskHandle[] = [];
  const results = new Map<string, TaskResult>();
  const waitErrors = new Map<string, string>();
  const settled = () => results.size + waitErrors.size;
  let next = 0;

  const worker = async () => {
    while (next < count && Date.now() < deadline) {
      if (handles.length - settled() >= MAX_OUTSTANDING) {
        await sleep(50);
        continue;
      }
      const index = next++;
      const handle = await sendOnce(client, parent, index);
      handles.push(handle);
      handle.result().then(
        (result) => results.set(handle.id, result),
        (error: unknown) => waitErrors.set(handle.id, String(error)),
      );
      if (handles.length % 2_000 === 0)
        progress('sent', { tasks: handles.length, done: results.size });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));

  return {
    handles,
    results,
    waitErrors,
    async waitForTerminal(until) {
      let lastReport = 0;
      while (settled() < handles.length && Date.now() < until) {
        if (Date.now() - lastReport > 10_000) {
          progress('waiting', { done: results.size, of: handles.length });
          lastReport = Date.now();
        }
        await sleep(250);
      }
    },
  };
}

async function sendOnce(client: Tumnus, parent: string, index: number): Promise<TaskHandle> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await new client.Task(parent).send({ index }, { idempotencyKey: `soak-${index}` });
    } catch (error) {
      if (attempt === SEND_TRIES) throw error;
      await sleep(500 * attempt);
    }
  }
}
