// Deleting a parent while a send is in flight leaves no unfinished task behind: the send is
// either refused (PARENT_NOT_FOUND) or its task is seen, and cancelled or refused, by the delete.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import Tumnus, { ErrorCode } from '../sdk/index.js';
import { startDelayProxy, type DelayProxy } from './support/delay-proxy.js';
import { useTestDatabase } from './support/test-database.js';

const database = useTestDatabase();
const DELAY_MS = 150;
let admin: Tumnus;
let slowSender: Tumnus;
let proxy: DelayProxy;
let raw: MongoClient;

beforeAll(async () => {
  admin = new Tumnus(database.uri);
  raw = new MongoClient(database.uri);
  proxy = await startDelayProxy(database.uri, DELAY_MS);
  slowSender = new Tumnus(proxy.uri);
  await slowSender.taskParent.list(); // connected before the race
});

afterAll(async () => {
  await slowSender.close();
  await proxy.close();
  await admin.close();
  await raw.close();
});

for (const cancelUnfinished of [false, true]) {
  it(`orphans no task when a send races delete (cancelUnfinished: ${cancelUnfinished})`, async () => {
    const name = cancelUnfinished ? 'Cancelling' : 'Refusing';
    await admin.taskParent.create({ name });

    // The slow sender's parent check reaches the server after DELAY_MS, its insert after three
    // times that; the delete runs in between.
    const sending = new slowSender.Task(name).send({}).then(
      (handle) => handle.id,
      (error: { code?: string }) => error.code,
    );
    await new Promise((resolve) => setTimeout(resolve, DELAY_MS * 1.6));
    const deleted = await admin.taskParent
      .delete(name, { cancelUnfinished })
      .catch((error: { code?: string }) => error.code);
    const sent = await sending;

    const unfinished = await raw
      .db(database.dbName)
      .collection('tasks')
      .countDocuments({ parent: name, status: { $in: ['pending', 'leased'] } });
    if (deleted === true) {
      expect({ sent, unfinished }).toEqual({ sent: ErrorCode.ParentNotFound, unfinished: 0 });
    } else {
      expect(deleted).toBe(ErrorCode.ParentHasUnfinishedTasks);
    }
  });
}
