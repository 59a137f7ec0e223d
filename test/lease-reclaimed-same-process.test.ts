// A holder that stalls past its lease (a long GC pause, a blocked event loop) may find the task
// reaped and claimed again — by the same responder. The stale attempt must then be told it lost
// the lease, and its late reply must not make the responder forget the new attempt: the new one
// keeps counting against concurrency and is still given back on close.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MongoClient, ObjectId } from 'mongodb';
import Tumnus, { ErrorCode, type Task } from '../sdk/index.js';
import { useTestDatabase } from './support/test-database.js';

const database = useTestDatabase();
let client: Tumnus;
let raw: MongoClient;

beforeAll(async () => {
  client = new Tumnus(database.uri);
  raw = new MongoClient(database.uri);
  await client.taskParent.create({ name: 'Stalled', leaseMs: 60_000, maxAttempts: 5 });
});

afterAll(async () => {
  await client.close();
  await raw.close();
});

it('keeps the new attempt held when the stale one replies late', async () => {
  const deliveries: Task[] = [];
  const responder = client.tasks
    .parent('Stalled')
    .on('created', (task) => void deliveries.push(task), {
      concurrency: 2,
      sweepIntervalMs: 100,
    });
  await responder.ready;

  const first = await new client.Task('Stalled').send({ n: 1 });
  await until(() => deliveries.length === 1);
  const stale = deliveries[0]!;

  // The holder stalled past its lease and another process's reaper took the task back (what a
  // reaper writes; a claimer never reaps the leases it holds itself). The same responder claims
  // it again before its own renewal (a 60 s lease renews every 20 s) notices.
  const tasks = raw.db(database.dbName).collection('tasks');
  await tasks.updateOne(
    { _id: new ObjectId(first.id) },
    { $set: { status: 'pending', lease: null, runAt: new Date() } },
  );
  await until(() => deliveries.length === 2);
  const fresh = deliveries[1]!;
  expect(fresh.id).toBe(stale.id);
  expect(fresh.attempt).toBe(2);
  expect(stale.signal?.aborted).toBe(true);

  const late = (await stale.send({ status: 'success' }).catch((e: unknown) => e)) as {
    code: string;
  };
  expect([ErrorCode.LeaseLost, ErrorCode.TaskStateInvalid]).toContain(late.code);

  // Concurrency 2 with the new attempt still running: one more task runs, the next must wait.
  const second = await new client.Task('Stalled').send({ n: 2 });
  const third = await new client.Task('Stalled').send({ n: 3 });
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  expect(deliveries.map((task) => task.id)).toEqual([first.id, first.id, second.id]);

  // Closing gives both running attempts back.
  await responder.close();
  for (const id of [first.id, second.id, third.id]) {
    const doc = await tasks.findOne({ _id: new ObjectId(id) });
    expect(doc).toMatchObject({ status: 'pending', lease: null });
  }
});

async function until(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
