import type { TaskParentRecord } from '../../model.js';
import type { StoreConnection } from './connection.js';
import type { ParentDocument } from './documents.js';

export type ParentPolicy = Omit<TaskParentRecord, 'name' | 'createdAt' | 'deleting'>;

/**
 * Creates the parent if it does not exist, so that `create` is safe to call from every process at
 * start-up. Fields given in `explicit` are written either way; `defaults` only fill a new parent.
 */
export async function upsertParent(
  store: StoreConnection,
  name: string,
  explicit: Partial<ParentPolicy>,
  defaults: ParentPolicy,
): Promise<TaskParentRecord> {
  const now = store.clock.now();
  const onInsert: Record<string, unknown> = { createdAt: now };
  for (const [key, value] of Object.entries(defaults)) {
    if (!(key in explicit)) onInsert[key] = value;
  }
  const update = Object.keys(explicit).length
    ? { $set: explicit, $setOnInsert: onInsert }
    : { $setOnInsert: onInsert };

  const doc = await store.parents.findOneAndUpdate({ _id: name }, update, {
    upsert: true,
    returnDocument: 'after',
  });
  if (!doc) throw new Error(`parent upsert returned nothing for ${name}`);
  return toRecord(doc);
}

export async function findParent(
  store: StoreConnection,
  name: string,
): Promise<TaskParentRecord | null> {
  const doc = await store.parents.findOne({ _id: name });
  return doc ? toRecord(doc) : null;
}

export async function listParents(store: StoreConnection): Promise<TaskParentRecord[]> {
  const docs = await store.parents.find({}).sort({ _id: 1 }).toArray();
  return docs.map(toRecord);
}

function toRecord(doc: ParentDocument): TaskParentRecord {
  return {
    name: doc._id,
    maxAttempts: doc.maxAttempts,
    leaseMs: doc.leaseMs,
    timeoutMs: doc.timeoutMs,
    backoffMs: doc.backoffMs,
    retentionDays: (doc.retentionDays ?? 30) as TaskParentRecord['retentionDays'],
    ...(doc.deleting ? { deleting: true } : {}),
    createdAt: doc.createdAt,
  };
}

/**
 * Marks a parent as being deleted: from then on `send` refuses its tasks, so that none can be
 * created while its unfinished ones are cancelled.
 */
export async function markParentDeleting(store: StoreConnection, name: string): Promise<boolean> {
  const result = await store.parents.updateOne({ _id: name }, { $set: { deleting: true } });
  return result.matchedCount === 1;
}

export async function unmarkParentDeleting(store: StoreConnection, name: string): Promise<void> {
  await store.parents.updateOne({ _id: name }, { $unset: { deleting: '' } });
}

export async function deleteParent(store: StoreConnection, name: string): Promise<boolean> {
  const result = await store.parents.deleteOne({ _id: name });
  return result.deletedCount === 1;
}
