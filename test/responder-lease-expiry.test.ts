// A responder that dies mid-task loses its lease; the task is delivered again afterwards, and
// errors thrown by a responder fail the attempt and are retried.
import { afterAll, beforeAll, expect, it } from 'vitest';
import Tumnus from '../sdk/index.js';
import { startTsProcess } from './support/child-process.js';
import { useTestDatabase } from './support/test-database.js';

const database = useTestDatabase();
let client: Tumnus;

beforeAll(() => {
  client = new Tumnus(database.uri);
});

afterAll(async () => {
  await client.close();
});

it('redelivers the task of a killed responder after its lease expires', async () => {
  await client.taskParent.create({ name: 'Fragile', leaseMs: 1_000 });
  const doomed = startTsProcess('test/fixtures/responder-process.ts', {
    TUMNUS_URI: database.uri,
    PARENT: 'Fragile',
    MODE: 'hang',
  });
  await doomed.waitFor('responder ready');

  const handle = await new client.Task('Fragile').send({ n: 1 });
  await doomed.waitFor(`claimed ${handle.id}`);
  await doomed.stop('SIGKILL');

  const survivor = client.tasks
    .parent('Fragile')
    .on('created', (task) => ({ status: 'success', payload: { attempt: task.attempt } }), {
      sweepIntervalMs: 200,
    });
  await survivor.ready;

  const result = await handle.result({ timeoutMs: 15_000 });
  expect(result.status).toBe('success');
  expect(result.payload).toEqual({ attempt: 2 });
  expect(result.failures).toHaveLength(1);
  expect(result.failures[0]).toMatchObject({ reason: 'lease-expired', attempt: 1 });
  await survivor.close();
});

it('retries a responder that throws, then reports the last error once attempts run out', async () => {
  await client.taskParent.create({ name: 'Throws', maxAttempts: 2, backoffMs: 50 });
  let calls = 0;
  const responder = client.tasks.parent('Throws').on('created', () => {
    calls += 1;
    throw new Error(`boom ${calls}`);
  });
  await responder.ready;

  const result = await new client.Task('Throws').send(
    {},
    { waitForComplete: true, timeoutMs: 15_000 },
  );
  expect(result.status).toBe('failed');
  expect(result.taskStatus).toBe('dead');
  expect(result.attempts).toBe(2);
  expect(result.payload).toMatchObject({ error: { message: 'boom 2', reason: 'threw' } });
  expect(result.failures.map((f) => f.message)).toEqual(['boom 1', 'boom 2']);
  expect(calls).toBe(2);
  await responder.close();
});
