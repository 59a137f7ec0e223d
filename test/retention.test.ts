// Tasks are kept forever; events and subscriber positions expire through TTL indexes on the
// parent's 30, 60 or 90-day class, keyed on a field the schema requires to be a real date.
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import Tumnus, { ErrorCode } from '../sdk/index.js';
import { useTestDatabase } from './support/test-database.js';

const database = useTestDatabase();
const DAY_MS = 24 * 60 * 60 * 1000;
let client: Tumnus;
let raw: MongoClient;

beforeAll(async () => {
  client = new Tumnus(database.uri);
  raw = await MongoClient.connect(database.uri);
});

afterAll(async () => {
  await client.close();
  await raw.close();
});

const db = () => raw.db(database.dbName);

it('puts TTL indexes on events and subscriptions, and none on tasks', async () => {
  await client.taskParent.create({ name: 'Anything' });

  for (const name of ['events', 'subscriptions']) {
    const indexes = await db().collection(name).indexes();
    const retention = indexes.find((index) => index.name === 'retention');
    expect(retention).toMatchObject({ key: { expiresAt: 1 }, expireAfterSeconds: 0 });
  }
  const taskIndexes = await db().collection('tasks').indexes();
  expect(taskIndexes.filter((index) => index.expireAfterSeconds !== undefined)).toEqual([]);
});

it.each([30, 60, 90] as const)(
  'expires events of a %i-day parent at the end of its window',
  async (days) => {
    const parent = `Kept${days}`;
    await client.taskParent.create({ name: parent, retentionDays: days });
    const responder = client.tasks.parent(parent).on('created', () => ({ status: 'success' }));
    await responder.ready;

    const result = await new client.Task(parent).send({}, { waitForComplete: true });
    await responder.close();
    // Events trail the task state they describe by a batch (a few ms): wait for the last one.
    const handle = client.tasks.handle(result.taskId);
    let events = await handle.events();
    for (let i = 0; i < 100 && events.length < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      events = await handle.events();
    }
    expect(events.map((e) => e.type)).toEqual(['created', 'started', 'succeeded']);

    const stored = await db().collection('events').find({ taskId: result.taskId }).toArray();
    for (const event of stored) {
      expect(event.expiresAt).toBeInstanceOf(Date);
      expect((event.expiresAt as Date).getTime() - (event.at as Date).getTime()).toBe(
        days * DAY_MS,
      );
    }
    const task = await db().collection('tasks').findOne({ parent });
    expect(task?.expiresAt).toBeUndefined();
  },
);

it('refuses a retention class other than 30, 60 or 90', async () => {
  const error = (await client.taskParent
    .create({ name: 'Odd', retentionDays: 45 as never })
    .catch((e: unknown) => e)) as { code: string };
  expect(error.code).toBe(ErrorCode.InvalidArgument);
});

it('requires expiresAt to be a real date on a server that enforces validators', async (context) => {
  const write = db()
    .collection('events')
    .insertOne({ type: 'created', parent: 'X', taskId: 'x', at: new Date(), expiresAt: 'soon' });
  const error = await write.then(
    () => null,
    (e: unknown) => e as { code?: number },
  );
  // mongo-java-server stores validators but does not enforce them (docs/test-server.md).
  if (database.kind === 'java-wire-server' && error === null) context.skip();
  expect(error?.code).toBe(121);
});

it('removes an event past its window but never a task (real mongod: TTL monitor)', async (context) => {
  // mongo-java-server has no TTL monitor: nothing is ever removed there (docs/test-server.md).
  if (database.kind !== 'mongod') context.skip();
  const now = new Date();
  await db()
    .collection('events')
    .insertOne({
      type: 'created',
      parent: 'Old',
      taskId: 'old',
      at: now,
      expiresAt: new Date(now.getTime() - 1_000),
    });
  await db()
    .collection('tasks')
    .insertOne({ parent: 'Old', status: 'succeeded', createdAt: new Date(0) });

  const deadline = Date.now() + 90_000;
  while ((await db().collection('events').countDocuments({ taskId: 'old' })) > 0) {
    if (Date.now() > deadline) throw new Error('TTL monitor did not remove the expired event');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  expect(await db().collection('tasks').countDocuments({ parent: 'Old' })).toBe(1);
}, 120_000);
