// Lifecycle events: observers get every event of a parent (broadcast), a handle gets one task's
// events, senders get progress, listener errors are contained, and a subscriber resumes.
import { afterAll, beforeAll, expect, it } from 'vitest';
import Tumnus, { type TaskEvent } from '../sdk/index.js';
import { useTestDatabase } from './support/test-database.js';

const database = useTestDatabase();
let client: Tumnus;
let observerClient: Tumnus;

beforeAll(async () => {
  client = new Tumnus(database.uri);
  observerClient = new Tumnus(database.uri);
  await client.taskParent.create({ name: 'Report', maxAttempts: 2, backoffMs: 20 });
  const responder = client.tasks.parent('Report').on('created', async (task) => {
    const payload = task.payload as { fail?: boolean; steps?: number };
    if (payload.fail) throw new Error('cannot report');
    for (let step = 1; step <= (payload.steps ?? 0); step++) await task.progress({ step });
    return { status: 'success', payload: { done: true } };
  });
  await responder.ready;
});

afterAll(async () => {
  await client.close();
  await observerClient.close();
});

function collect(types: Parameters<Tumnus['tasks']['parent']>[0]) {
  const events: TaskEvent[] = [];
  const subscription = observerClient.tasks
    .parent(types)
    .observe(['created', 'started', 'progress', 'succeeded', 'retrying', 'dead'], (e) => {
      events.push(e);
    });
  return { events, subscription };
}

async function until(check: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

it('broadcasts a task lifecycle to every observer, in order', async () => {
  const first = collect('Report');
  const second = collect('Report');
  await Promise.all([first.subscription.ready, second.subscription.ready]);

  const result = await new client.Task('Report').send({ steps: 2 }, { waitForComplete: true });
  const types = (events: TaskEvent[]) =>
    events.filter((e) => e.taskId === result.taskId).map((e) => e.type);
  await until(
    () => types(first.events).includes('succeeded') && types(second.events).includes('succeeded'),
  );

  const expected = ['created', 'started', 'progress', 'progress', 'succeeded'];
  expect(types(first.events)).toEqual(expected);
  expect(types(second.events)).toEqual(expected);
  await first.subscription.close();
  await second.subscription.close();
});

it('reports retrying and dead with the failure', async () => {
  const { events, subscription } = collect('Report');
  await subscription.ready;
  const result = await new client.Task('Report').send({ fail: true }, { waitForComplete: true });
  await until(() => events.some((e) => e.type === 'dead' && e.taskId === result.taskId));

  const mine = events.filter((e) => e.taskId === result.taskId);
  expect(mine.map((e) => e.type)).toEqual(['created', 'started', 'retrying', 'started', 'dead']);
  expect(mine.at(-1)?.data).toMatchObject({ attempt: 2, failure: { message: 'cannot report' } });
  await subscription.close();
});

it('passes progress to the waiting sender and to a task handle', async () => {
  const seen: unknown[] = [];
  const result = await new client.Task('Report').send(
    { steps: 3 },
    { waitForComplete: true, onProgress: (value) => seen.push(value) },
  );
  expect(result.status).toBe('success');
  expect(seen).toEqual([{ step: 1 }, { step: 2 }, { step: 3 }]);

  const fromHandle: unknown[] = [];
  const watcher = observerClient.tasks.handle(result.taskId).on('progress', (e) => {
    fromHandle.push(e.data.value);
  });
  await watcher.ready;
  expect(fromHandle).toEqual([{ step: 1 }, { step: 2 }, { step: 3 }]);
  await watcher.close();
});

it('contains a throwing listener: delivery goes on', async () => {
  let calls = 0;
  const subscription = observerClient.tasks.parent('Report').on('succeeded', () => {
    calls += 1;
    throw new Error('listener bug');
  });
  await subscription.ready;
  await new client.Task('Report').send({}, { waitForComplete: true });
  await new client.Task('Report').send({}, { waitForComplete: true });
  await until(() => calls === 2);
  await subscription.close();
});

it('resumes a subscriber from its saved position after being offline', async () => {
  const received: string[] = [];
  const listen = (c: Tumnus) =>
    c.tasks.parent('Report').on('succeeded', (e) => void received.push(e.taskId), {
      subscriberId: 'audit',
    });

  const online = new Tumnus(database.uri);
  const before = listen(online);
  await before.ready;
  const first = await new client.Task('Report').send({}, { waitForComplete: true });
  await until(() => received.includes(first.taskId));
  await online.close();

  const missed = await new client.Task('Report').send({}, { waitForComplete: true });

  const back = new Tumnus(database.uri);
  try {
    const after = listen(back);
    await after.ready;
    await until(() => received.includes(missed.taskId));
    expect(received.filter((id) => id === missed.taskId)).toHaveLength(1);
  } finally {
    await back.close();
  }
});
