import { ObjectId } from 'mongodb';
import type { TaskSnapshot } from '../../model.js';
import { TaskStatus } from '../../model.js';
import type { StoreConnection } from './connection.js';
import { toSnapshot, type TaskDocument } from './documents.js';

export interface NewTask {
  parent: string;
  payload: unknown;
  runAt: Date | null;
  maxAttempts: number;
}

export async function insertTask(store: StoreConnection, task: NewTask): Promise<TaskSnapshot> {
  const now = store.clock.now();
  const doc: TaskDocument = {
    _id: new ObjectId(),
    parent: task.parent,
    status: TaskStatus.Pending,
    payload: task.payload,
    runAt: task.runAt ?? now,
    attempts: 0,
    maxAttempts: task.maxAttempts,
    lease: null,
    reply: null,
    failures: [],
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
  };

  await store.tasks.insertOne(doc);
  return toSnapshot(doc);
}
