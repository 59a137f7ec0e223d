/**
 * The seed's sender: sends one `SendEmail` task and waits for its outcome.
 *
 *   TUMNUS_MONGO_URI=mongodb://... npx tsx examples/main.ts [recipient]
 *
 * Two levels of errors, as the seed asks:
 * 1. Tumnus itself fails (no database, no `SendEmail` parent, gave up waiting): `send` rejects
 *    with a TumnusError that has a `code`. Exit code 2.
 * 2. The email fails (SMTP server down, address refused): `send` resolves with
 *    `status: 'failed'` and the reason in `payload.error`. Exit code 1.
 */
import Tumnus from 'tumnus';
import { requireMongoUri } from './mongo-uri.js';

// Someone has to answer: the runtime's SendEmail handler or examples/respond-to-task.ts.
const WAIT_TIMEOUT_MS = 120_000;

const { Task, close } = new Tumnus(requireMongoUri());

async function main(): Promise<number> {
  const task = new Task('SendEmail');
  const result = await task.send(
    {
      to: process.argv[2] ?? 'contact@organization.com',
      subject: 'Hello from Tumnus',
      body: '<div>Hello world!</div>',
    },
    { waitForComplete: true, timeoutMs: WAIT_TIMEOUT_MS },
  );

  console.log(result);
  if (result.status === 'failed') {
    console.error('The email was not sent:', result.payload);
    return 1;
  }
  return 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error('Tumnus could not run the task:', error);
  process.exitCode = 2;
} finally {
  await close();
}
