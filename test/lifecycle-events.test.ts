// Lifecycle events: observers get every event of a parent (broadcast), a handle gets one task's
// events, senders get progress, listener errors are contained, and a subscriber resumes.
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import Tumnus, { type Task, type TaskEvent } from '../sdk/index.js';
import { startTsProcess } from './support/child-process.js';
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

it('contains a throwing listener: delivery goes on, and the error is logged', async () => {
  const lines: string[] = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
  const isolated = new Tumnus({ uri: database.uri, logger });
  let calls = 0;
  try {
    const subscription = isolated.tasks.parent('Report').on('succeeded', () => {
      calls += 1;
      throw new Error('listener bug');
    });
    await subscription.ready;
    await new client.Task('Report').send({}, { waitForComplete: true });
    await new client.Task('Report').send({}, { waitForComplete: true });
    await until(() => calls === 2 && lines.length === 2);
    const logged = lines.map(
      (line) => JSON.parse(line) as { msg: string; err: { message: string } },
    );
    expect(logged.map((l) => [l.msg, l.err.message])).toEqual([
      ['event listener failed', 'listener bug'],
      ['event listener failed', 'listener bug'],
    ]);
  } finally {
    await isolated.close();
  }
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

it('delivers every event type to an observer in another process', async () => {
  await client.taskParent.create({ name: 'Watched', maxAttempts: 2, backoffMs: 20, leaseMs: 800 });
  const observer = startTsProcess('test/fixtures/observer-process.ts', {
    TUMNUS_URI: database.uri,
    PARENT: 'Watched',
  });
  try {
    await observer.waitFor('observer ready');
    const answer = async (task: Task) => {
      const payload = task.payload as { mode: string };
      if (payload.mode === 'fail') return { status: 'failed' as const, payload: {} };
      if (payload.mode === 'throw') throw new Error('always');
      await task.progress(1);
      return { status: 'success' as const };
    };
    const responder = client.tasks.parent('Watched').on('created', answer);
    await responder.ready;

    const ok = await new client.Task('Watched').send({ mode: 'ok' }, { waitForComplete: true });
    const failed = await new client.Task('Watched').send(
      { mode: 'fail' },
      { waitForComplete: true },
    );
    const dead = await new client.Task('Watched').send(
      { mode: 'throw' },
      { waitForComplete: true },
    );
    const cancelled = await new client.Task('Watched').send({ mode: 'ok' }, { delay: 60_000 });
    await cancelled.cancel();
    await responder.close();

    // A holder that dies without answering: its lease expires and a live claimer reaps it.
    const doomed = startTsProcess('test/fixtures/responder-process.ts', {
      TUMNUS_URI: database.uri,
      PARENT: 'Watched',
      MODE: 'hang',
    });
    await doomed.waitFor('responder ready');
    const hung = await new client.Task('Watched').send({ mode: 'ok' });
    await doomed.waitFor(`claimed ${hung.id}`);
    await doomed.stop('SIGKILL');
    const reaper = client.tasks.parent('Watched').on('created', answer, { sweepIntervalMs: 200 });
    await reaper.ready;
    await hung.result({ timeoutMs: 20_000 });
    await reaper.close();

    const seen = (type: string, taskId: string) =>
      observer.output().includes(`event ${JSON.stringify({ type, taskId })}`);
    const expectations: [string, string][] = [
      ['created', ok.taskId],
      ['started', ok.taskId],
      ['progress', ok.taskId],
      ['succeeded', ok.taskId],
      ['failed', failed.taskId],
      ['retrying', dead.taskId],
      ['dead', dead.taskId],
      ['cancelled', cancelled.id],
      ['lease-expired', hung.id],
    ];
    await until(() => expectations.every(([type, id]) => seen(type, id)));
  } finally {
    expect(await observer.stop()).toBe(0);
  }
}, 60_000);
