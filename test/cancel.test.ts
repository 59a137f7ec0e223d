// Cancelling tasks and deleting parents: nothing orphaned, no waiter left hanging.
import { afterAll, beforeAll, expect, it } from 'vitest';
import Tumnus, { ErrorCode, type Task } from '../sdk/index.js';
import { useTestDatabase } from './support/test-database.js';

const database = useTestDatabase();
let client: Tumnus;

beforeAll(() => {
  client = new Tumnus(database.uri);
});

afterAll(async () => {
  await client.close();
});

it('cancels a pending task: it never runs and its waiter resolves cancelled', async () => {
  await client.taskParent.create({ name: 'Scheduled' });
  let runs = 0;
  const responder = client.tasks.parent('Scheduled').on('created', () => {
    runs += 1;
    return { status: 'success' };
  });
  await responder.ready;

  const handle = await new client.Task('Scheduled').send({}, { delay: 1_000 });
  const waiting = handle.result();
  const cancelled = await handle.cancel('changed my mind');
  expect(cancelled).toMatchObject({ status: 'cancelled', payload: { reason: 'changed my mind' } });
  expect(await waiting).toMatchObject({ status: 'cancelled', taskStatus: 'cancelled' });

  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect(runs).toBe(0);
  expect((await handle.events()).map((e) => e.type)).toEqual(['created', 'cancelled']);
  await responder.close();
});

it('aborts a running attempt and discards its late reply', async () => {
  await client.taskParent.create({ name: 'Running', leaseMs: 600 });
  let held: Task | undefined;
  const responder = client.tasks.parent('Running').on('created', (task) => {
    held = task;
  });
  await responder.ready;

  const handle = await new client.Task('Running').send({});
  await until(() => held !== undefined);
  const aborted = new Promise<void>((resolve) =>
    held!.signal!.addEventListener('abort', () => resolve()),
  );

  const result = await handle.cancel();
  expect(result.status).toBe('cancelled');
  await aborted;
  const late = (await held!.send({ status: 'success' }).catch((e: unknown) => e)) as {
    code: string;
  };
  expect([ErrorCode.TaskStateInvalid, ErrorCode.LeaseLost]).toContain(late.code);
  expect((await handle.get()).status).toBe('cancelled');
  await responder.close();
});

it('leaves a finished task as it is', async () => {
  await client.taskParent.create({ name: 'Done' });
  const responder = client.tasks.parent('Done').on('created', () => ({ status: 'success' }));
  await responder.ready;
  const result = await new client.Task('Done').send({}, { waitForComplete: true });
  expect((await client.tasks.handle(result.taskId).cancel()).status).toBe('success');
  await responder.close();
});

it('refuses to delete a parent with unfinished tasks, then cancels them on request', async () => {
  await client.taskParent.create({ name: 'Doomed' });
  const handles = await Promise.all([1, 2, 3].map((n) => new client.Task('Doomed').send({ n })));
  const waiters = handles.map((h) => h.result());

  const refused = (await client.taskParent.delete('Doomed').catch((e: unknown) => e)) as {
    code: string;
  };
  expect(refused.code).toBe(ErrorCode.ParentHasUnfinishedTasks);
  expect(await client.taskParent.get('Doomed')).not.toBeNull();
  // A refused delete leaves the parent usable.
  await new client.Task('Doomed').send({ n: 4 });

  expect(await client.taskParent.delete('Doomed', { cancelUnfinished: true })).toBe(true);
  expect((await Promise.all(waiters)).map((r) => r.status)).toEqual([
    'cancelled',
    'cancelled',
    'cancelled',
  ]);
  expect(await client.taskParent.get('Doomed')).toBeNull();

  const error = (await new client.Task('Doomed').send({}).catch((e: unknown) => e)) as {
    code: string;
  };
  expect(error.code).toBe(ErrorCode.ParentNotFound);
  expect(await client.taskParent.delete('Doomed')).toBe(false);
});

async function until(check: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
