// Races of the sends that trust a recent parent reading and register their waiter before they
// insert (found in review):
// - close() must reject a waiting send still in flight with CLIENT_CLOSED, as it rejects every
//   other pending wait (close-pending-wait.test.ts), not with a retryable CONNECTION_FAILED that
//   invites a retry on a closed client;
// - a send must never resolve with a task that no longer exists: two clients repeating one
//   idempotency key while the parent is being deleted share one task, and the send that created
//   it withdraws (deletes) it while the other returns its id as sent.
import { MongoClient, ObjectId } from 'mongodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import Tumnus, { ErrorCode } from '../sdk/index.js';
import { useTestDatabase } from './support/test-database.js';

const database = useTestDatabase();
let operator: Tumnus;
let raw: MongoClient;

beforeAll(() => {
  operator = new Tumnus(database.uri);
  raw = new MongoClient(database.uri);
});

afterAll(async () => {
  await Promise.all([operator.close(), raw.close()]);
});

it('rejects a waiting send in flight with CLIENT_CLOSED when the client closes', async () => {
  await operator.taskParent.create({ name: 'Unanswered' });
  const outcomes: unknown[] = [];
  for (const delayMs of [0, 1, 3]) {
    const client = new Tumnus(database.uri);
    await new client.Task('Unanswered').send({ warm: true }); // connected, parent trusted
    const sending = new client.Task('Unanswered').send({ delayMs }, { waitForComplete: true }).then(
      () => 'resolved',
      (error: { code?: string }) => error.code,
    );
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    await client.close();
    outcomes.push(
      await Promise.race([
        sending,
        new Promise((resolve) => setTimeout(() => resolve('still pending'), 5_000)),
      ]),
    );
  }
  expect(outcomes).toEqual([
    ErrorCode.ClientClosed,
    ErrorCode.ClientClosed,
    ErrorCode.ClientClosed,
  ]);
});

it('never resolves a send with a task that a racing send withdrew', async () => {
  const a = new Tumnus(database.uri);
  const b = new Tumnus(database.uri);
  try {
    await operator.taskParent.create({ name: 'Closing' });
    // Both clients now trust their reading of Closing for a second.
    await Promise.all([new a.Task('Closing').send({ warm: 1 }), new b.Task('Closing').send({})]);

    const deleting = operator.taskParent.delete('Closing', { cancelUnfinished: true });
    const parents = raw
      .db(database.dbName)
      .collection<{ _id: string; deleting?: boolean }>('parents');
    while (!(await parents.findOne({ _id: 'Closing', deleting: true }))) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }

    const sent = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        [a, b].map((client) =>
          new client.Task('Closing').send({ i }, { idempotencyKey: `order-${i}` }).then(
            (handle) => handle.id,
            (error: { code?: string }) => error.code,
          ),
        ),
      ).flat(),
    );
    expect(await deleting).toBe(true);

    const ids = sent.filter((id): id is string => /^[0-9a-f]{24}$/.test(String(id)));
    const tasks = raw.db(database.dbName).collection('tasks');
    const existing = await tasks.countDocuments({
      _id: { $in: ids.map((id) => new ObjectId(id)) },
    });
    // Every send either refused (PARENT_NOT_FOUND) or returned a task that exists.
    expect({ resolved: ids.length, missing: ids.length - existing }).toEqual({
      resolved: ids.length,
      missing: 0,
    });
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

it('refuses a waiting send whose signal already aborted, writing nothing', async () => {
  await operator.taskParent.create({ name: 'Aborted' });
  const signal = AbortSignal.abort(new Error('gave up before sending'));
  const outcome = await new operator.Task('Aborted')
    .send({}, { waitForComplete: true, signal })
    .then(
      () => 'resolved',
      (error: Error) => error.message,
    );
  expect(outcome).toBe('gave up before sending');
  expect(
    await raw.db(database.dbName).collection('tasks').countDocuments({ parent: 'Aborted' }),
  ).toBe(0);
});
