// A client reads a parent once for a burst of sends rather than once per send. That trust must
// never let a send outlive its parent's deletion by another client, and a refused delete must not
// hold anyone's sends up.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import Tumnus, { ErrorCode } from '../sdk/index.js';
import { useTestDatabase } from './support/test-database.js';

const database = useTestDatabase();
let sender: Tumnus;
let operator: Tumnus;
let raw: MongoClient;

beforeAll(() => {
  sender = new Tumnus(database.uri);
  operator = new Tumnus(database.uri);
  raw = new MongoClient(database.uri);
});

afterAll(async () => {
  await Promise.all([sender.close(), operator.close(), raw.close()]);
});

const stored = (collection: string, filter: object) =>
  raw.db(database.dbName).collection(collection).countDocuments(filter);

it('refuses a send right after another client deleted its parent, writing nothing', async () => {
  await operator.taskParent.create({ name: 'Retired' });
  const first = await new sender.Task('Retired').send({ n: 1 }); // the sender now trusts it

  expect(await operator.taskParent.delete('Retired', { cancelUnfinished: true })).toBe(true);
  const refused = await new sender.Task('Retired')
    .send({ n: 2 })
    .catch((error: { code?: string }) => error.code);

  expect(refused).toBe(ErrorCode.ParentNotFound);
  expect(await stored('tasks', { parent: 'Retired' })).toBe(1);
  expect(await stored('tasks', { parent: 'Retired', status: { $in: ['pending', 'leased'] } })).toBe(
    0,
  );
  expect(await stored('events', { parent: 'Retired', type: 'created' })).toBe(1);
  expect((await sender.tasks.handle(first.id).result()).status).toBe('cancelled');
});

it('keeps accepting sends while a delete it refuses is under way', async () => {
  await operator.taskParent.create({ name: 'Busy' });
  await new sender.Task('Busy').send({ n: 0 }); // unfinished: no responder

  const [deleted, ...sent] = await Promise.all([
    operator.taskParent.delete('Busy').catch((error: { code?: string }) => error.code),
    ...[1, 2, 3, 4, 5].map((n) =>
      new sender.Task('Busy').send({ n }).then(
        (handle) => handle.id,
        (error: { code?: string }) => error.code,
      ),
    ),
  ]);

  expect(deleted).toBe(ErrorCode.ParentHasUnfinishedTasks);
  expect(sent.every((id) => typeof id === 'string' && /^[0-9a-f]{24}$/.test(id))).toBe(true);
  expect(await stored('tasks', { parent: 'Busy', status: 'pending' })).toBe(6);
});

it('says a parent left mid-deletion is being deleted; a second delete finishes it', async () => {
  await operator.taskParent.create({ name: 'Interrupted' });
  await new sender.Task('Interrupted').send({ n: 1 });
  // What a delete that crashed during its wait leaves behind.
  await raw
    .db(database.dbName)
    .collection<{ _id: string }>('parents')
    .updateOne({ _id: 'Interrupted' }, { $set: { deleting: true } });

  const refused = await new operator.Task('Interrupted')
    .send({ n: 2 })
    .catch((error: { code?: string; message: string }) => error);
  expect(refused).toMatchObject({ code: ErrorCode.ParentNotFound });
  expect((refused as Error).message).toMatch(/is being deleted.*delete\(\) again/);

  expect(await operator.taskParent.delete('Interrupted', { cancelUnfinished: true })).toBe(true);
  expect(await stored('tasks', { parent: 'Interrupted', status: 'cancelled' })).toBe(1);
});
