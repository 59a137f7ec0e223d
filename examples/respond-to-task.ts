/**
 * The seed's responder: answers `SendEmail` tasks from this process, failing 40 % of them on
 * purpose, so that senders see both outcomes. It does not send real email; the runtime's
 * `handlers/SendEmail.ts` does. Run one or the other: when both run, each task still goes to
 * exactly one of them, whichever claims it first.
 *
 *   TUMNUS_MONGO_URI=mongodb://... npx tsx examples/respond-to-task.ts     (Ctrl-C to stop)
 */
import Tumnus from 'tumnus';
import type { Task } from 'tumnus';
import { requireMongoUri } from './mongo-uri.js';

const FAILURE_RATE = 0.4;
const THINKING_MS = 500;

const { tasks, close } = new Tumnus(requireMongoUri());

function respondToTask(task: Task): void {
  console.log(`Task ${task.id ?? '?'} received (attempt ${task.attempt ?? '?'}):`, task.payload);

  // Stands in for real work; the task's lease stays alive until the reply.
  setTimeout(() => {
    const reply =
      Math.random() < FAILURE_RATE
        ? { status: 'failed' as const, payload: { error: '40 % of these accounts fail.' } }
        : { status: 'success' as const };
    task.send(reply).then(
      () => console.log(`Task ${task.id ?? '?'} answered ${reply.status}`),
      // E.g. the lease ran out first: the task goes to another responder, nothing is lost.
      (error: unknown) => console.error(`Task ${task.id ?? '?'}: reply not recorded:`, error),
    );
  }, THINKING_MS);
}

// Each task is delivered to exactly one responder, however many processes listen.
const responder = tasks.parent('SendEmail').on('created', respondToTask);
try {
  await responder.ready;
} catch (error) {
  console.error('Could not listen for SendEmail tasks (run create-task-parent.ts first?):', error);
  await close();
  process.exit(1);
}
console.log('Listening for SendEmail tasks. Ctrl-C to stop.');

async function stop(): Promise<void> {
  // Tasks not yet answered are handed back, not lost: another responder will take them.
  await close();
  process.exit(0);
}
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
