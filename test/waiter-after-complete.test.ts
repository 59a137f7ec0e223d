// A waiter never misses a result: it resolves whether the task finished before it attached,
// from another client, or from a handle made from the id alone.
import { afterAll, beforeAll, expect, it } from 'vitest';
import Tumnus, { ErrorCode } from '../sdk/index.js';
import { useTestDatabase } from './support/test-database.js';

const database = useTestDatabase();
let sender: Tumnus;
let responderClient: Tumnus;

beforeAll(async () => {
  sender = new Tumnus(database.uri);
  responderClient = new Tumnus(database.uri);
  await sender.taskParent.create({ name: 'Echo' });
  const responder = responderClient.tasks
    .parent('Echo')
    .on('created', (task) => ({ status: 'success', payload: task.payload }));
  await responder.ready;
});

afterAll(async () => {
  await sender.close();
  await responderClient.close();
});

it('resolves a waiter that attaches after the task finished', async () => {
  const handle = await new sender.Task('Echo').send({ n: 1 });
  await waitUntilFinished(handle);

  const result = await handle.result();
  expect(result).toMatchObject({ status: 'success', payload: { n: 1 }, taskId: handle.id });
});

it('resolves from a new client given only the task id', async () => {
  const handle = await new sender.Task('Echo').send({ n: 2 });
  await waitUntilFinished(handle);

  const later = new Tumnus(database.uri);
  try {
    const result = await later.tasks.handle(handle.id).result();
    expect(result).toMatchObject({ status: 'success', payload: { n: 2 } });
  } finally {
    await later.close();
  }
});

it('gives many concurrent waiters in one process one shared change stream', async () => {
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, n) =>
      new sender.Task('Echo').send({ n }, { waitForComplete: true }),
    ),
  );
  expect(results.map((r) => (r.payload as { n: number }).n)).toEqual([...Array(50).keys()]);
});

it('rejects a wait timeout with the task id, and the task still completes', async () => {
  const paused = new Tumnus(database.uri);
  try {
    await paused.taskParent.create({ name: 'Slow' });
    const error = (await new paused.Task('Slow')
      .send({}, { waitForComplete: true, timeoutMs: 200 })
      .catch((e: unknown) => e)) as { code: string; taskId: string };
    expect(error.code).toBe(ErrorCode.WaitTimeout);
    expect(error.taskId).toMatch(/^[0-9a-f]{24}$/);

    const responder = paused.tasks.parent('Slow').on('created', () => ({ status: 'success' }));
    await responder.ready;
    const result = await paused.tasks.handle(error.taskId).result({ timeoutMs: 10_000 });
    expect(result.status).toBe('success');
  } finally {
    await paused.close();
  }
});

it('rejects a handle on an unknown task id', async () => {
  const error = (await sender.tasks
    .handle('0123456789abcdef01234567')
    .result()
    .catch((e: unknown) => e)) as { code: string };
  expect(error.code).toBe(ErrorCode.TaskNotFound);
});

async function waitUntilFinished(handle: { get(): Promise<{ status: string }> }) {
  for (let i = 0; i < 200; i++) {
    const { status } = await handle.get();
    if (status === 'succeeded' || status === 'failed' || status === 'dead') return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('task did not finish');
}
