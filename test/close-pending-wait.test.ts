// close() rejects every pending wait with CLIENT_CLOSED, including one that was still attaching
// (connecting, opening the shared stream) when close() was called: none may hang.
import { afterAll, expect, it } from 'vitest';
import Tumnus, { ErrorCode } from '../sdk/index.js';
import { useTestDatabase } from './support/test-database.js';

const database = useTestDatabase();
const setup = new Tumnus(database.uri);

afterAll(async () => {
  await setup.close();
});

it('rejects a wait that was still attaching when the client closed', async () => {
  await setup.taskParent.create({ name: 'Unanswered' });
  const { id } = await new setup.Task('Unanswered').send({});

  const client = new Tumnus(database.uri);
  await client.taskParent.get('Unanswered'); // connected, as a busy client would be
  const waiting = client.tasks.handle(id).result();
  const closing = client.close();

  const outcome = await Promise.race([
    waiting.then(
      () => 'resolved',
      (error: { code?: string }) => error.code,
    ),
    new Promise((resolve) => setTimeout(() => resolve('still pending'), 5_000)),
  ]);
  await closing;
  expect(outcome).toBe(ErrorCode.ClientClosed);
});
