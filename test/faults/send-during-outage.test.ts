// A send while the database is unreachable rejects with CONNECTION_FAILED (retryable), never
// with a raw driver error, and says whether the task may exist: before its first write nothing
// was sent; once it began writing, the task may or may not be stored, and a repeat with the same
// idempotency key makes it exactly once. The outage is a wire proxy dropping every connection.
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import Tumnus, { ErrorCode, TumnusError } from '../../sdk/index.js';
import { useTestDatabase } from '../support/test-database.js';
import { WireProxy } from './support/wire-proxy.js';

const database = useTestDatabase();
let proxy: WireProxy;
let sender: Tumnus;
let raw: MongoClient;

beforeAll(async () => {
  proxy = await WireProxy.start(database.serverUri);
  sender = new Tumnus({
    uri: proxy.uri(database.serverUri, database.dbName),
    serverSelectionTimeoutMs: 500,
  });
  raw = new MongoClient(database.uri);
  await sender.taskParent.create({ name: 'Warm' });
  await sender.taskParent.create({ name: 'Cold' });
});

afterAll(async () => {
  await sender.close();
  await proxy.close();
  await raw.close();
});

it('rejects with CONNECTION_FAILED, saying whether the task may exist', async () => {
  // The sender now trusts its reading of Warm, so its next send goes straight to writing.
  await new sender.Task('Warm').send({ n: 0 });
  proxy.cut();

  const writing = await rejection(
    new sender.Task('Warm').send({ n: 1 }, { idempotencyKey: 'order-1' }),
  );
  const reading = await rejection(new sender.Task('Cold').send({ n: 1 }));
  for (const error of [writing, reading]) {
    expect(error).toBeInstanceOf(TumnusError);
    expect(error).toMatchObject({ code: ErrorCode.ConnectionFailed, retryable: true });
  }
  expect(writing.message).toMatch(/may or may not have been stored/);
  expect(reading.message).toMatch(/nothing was sent/);

  proxy.heal();
  const repeated = await new sender.Task('Warm').send({ n: 1 }, { idempotencyKey: 'order-1' });
  const again = await new sender.Task('Warm').send({ n: 1 }, { idempotencyKey: 'order-1' });
  expect(again.id).toBe(repeated.id);
  const tasks = raw.db(database.dbName).collection('tasks');
  expect(await tasks.countDocuments({ parent: 'Warm', 'payload.n': 1 })).toBe(1);
  expect(await tasks.countDocuments({ parent: 'Cold' })).toBe(0);
});

async function rejection(promise: Promise<unknown>): Promise<TumnusError> {
  try {
    await promise;
  } catch (error) {
    return error as TumnusError;
  }
  throw new Error('expected a rejection');
}
