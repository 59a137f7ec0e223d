import { ObjectId } from 'mongodb';
import type { TaskSnapshot } from '../../model.js';
import { TaskStatus } from '../../model.js';
import type { StoreConnection } from './connection.js';
import { toSnapshot, type TaskDocument } from './documents.js';
import { cancelTask } from './cancel-task.js';
import { isDuplicateKeyError } from './duplicate-key.js';

export interface NewTask {
  /** The id to give the task (from `newTaskId()`); a fresh one when absent. */
  id?: string;
  parent: string;
  payload: unknown;
  /** Absolute start time; null means now by the database clock. */
  runAt: Date | null;
  /** Start this long after now by the database clock (used when `runAt` is null). */
  delayMs: number;
  maxAttempts: number;
  /** At most one task per parent and key: a repeated send returns the first task. */
  idempotencyKey?: string;
}

export interface InsertedTask {
  task: TaskSnapshot;
  /** False when an earlier send with the same idempotency key had already created it. */
  created: boolean;
}

export async function insertTask(store: StoreConnection, input: NewTask): Promise<InsertedTask> {
  const now = store.clock.now();
  const doc: TaskDocument = {
    _id: input.id ? new ObjectId(input.id) : new ObjectId(),
    parent: input.parent,
    status: TaskStatus.Pending,
    payload: input.payload,
    runAt: input.runAt ?? new Date(now.getTime() + input.delayMs),
    attempts: 0,
    maxAttempts: input.maxAttempts,
    lease: null,
    reply: null,
    failures: [],
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
  };

  if (input.idempotencyKey === undefined) {
    await store.tasks.insertOne(doc);
    return { task: toSnapshot(doc), created: true };
  }
  return insertOnce(store, { ...doc, dedupeKey: dedupeKey(input.parent, input.idempotencyKey) });
}

/**
 * The unique index on `dedupeKey` makes concurrent duplicates collide; the loser reads the
 * winner.
 */
async function insertOnce(store: StoreConnection, doc: TaskDocument): Promise<InsertedTask> {
  const filter = { dedupeKey: doc.dedupeKey };
  try {
    const stored = await store.tasks.findOneAndUpdate(
      filter,
      { $setOnInsert: doc },
      { upsert: true, returnDocument: 'after' },
    );
    if (stored) return { task: toSnapshot(stored), created: stored._id.equals(doc._id) };
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
  const existing = await store.tasks.findOne(filter);
  if (!existing) throw new Error(`idempotent insert found no task for ${doc.dedupeKey}`);
  return { task: toSnapshot(existing), created: false };
}

/**
 * Takes back a task whose send was refused after it was written (its parent began deletion in
 * between). Never claimed and without an idempotency key: it is removed, as if never written.
 * Otherwise it is cancelled.
 */
export async function withdrawTask(store: StoreConnection, id: string, reason: string) {
  const _id = new ObjectId(id);
  // A task with an idempotency key is only ever cancelled: another send repeating the key may
  // already have been given this task's id, and must find the task when it looks.
  const removed = await store.tasks.deleteOne({
    _id,
    status: TaskStatus.Pending,
    attempts: 0,
    dedupeKey: { $exists: false },
  });
  if (removed.deletedCount === 1) return;
  await cancelTask(store, id, reason);
}

function dedupeKey(parent: string, key: string): string {
  return `${parent}:${key}`;
}

/** A fresh task id, so that what announces a task can be written before the task itself. */
export function newTaskId(): string {
  return new ObjectId().toHexString();
}

/** The task an earlier send with this idempotency key created, if any. */
export async function findByIdempotencyKey(
  store: StoreConnection,
  parent: string,
  key: string,
): Promise<TaskSnapshot | null> {
  const doc = await store.tasks.findOne({ dedupeKey: dedupeKey(parent, key) });
  return doc ? toSnapshot(doc) : null;
}
