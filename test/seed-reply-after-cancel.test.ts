// The seed's responder replies from a timer and drops the reply's promise. A reply that can no
// longer be recorded (the task was cancelled, or its lease lost, meanwhile) must not take the
// responder process down with an unhandled rejection: the README promises that reply is
// discarded, and the responder goes on serving other tasks.
import { afterAll, beforeAll, expect, it } from 'vitest';
import Tumnus from '../sdk/index.js';
import { startTsProcess, type RunningProcess } from './support/child-process.js';
import { useTestDatabase } from './support/test-database.js';

const database = useTestDatabase();
let client: Tumnus;
let responder: RunningProcess;

beforeAll(async () => {
  client = new Tumnus(database.uri);
  await client.taskParent.create({ name: 'SendEmail' });
  responder = startTsProcess('test/fixtures/seed-responder.ts', {
    TUMNUS_URI: database.uri,
    PARENT: 'SendEmail',
    REPLY_MS: '1500',
  });
  await responder.waitFor('responder ready');
});

afterAll(async () => {
  await responder.stop('SIGKILL');
  await client.close();
});

it('keeps a seed responder alive when its dropped reply comes after a cancel', async () => {
  const handle = await new client.Task('SendEmail').send({ to: 'a@example.com' });
  await responder.waitFor(`claimed ${handle.id}`);
  expect((await handle.cancel('customer left')).status).toBe('cancelled');

  await responder.waitFor(`replying ${handle.id}`);
  const exited = await Promise.race([
    responder.exited.then(() => true),
    new Promise((resolve) => setTimeout(() => resolve(false), 2_000)),
  ]);
  expect(exited, responder.output()).toBe(false);

  // And it still answers the next task.
  const next = await new client.Task('SendEmail').send({}, { waitForComplete: true });
  expect(next.status).toBe('success');
});
