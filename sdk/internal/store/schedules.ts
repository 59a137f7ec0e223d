import type { StoreConnection } from './connection.js';

/** A recurring task: one task of `parent` per fire of `cron` in `timezone`. */
export interface ScheduleDocument {
  _id: string;
  parent: string;
  name: string;
  cron: string;
  timezone: string;
  payload: unknown;
  createdAt: Date;
  /** The latest fire time a task was created for. */
  lastFireAt: Date | null;
}

export type ScheduleRecord = Omit<ScheduleDocument, '_id'>;

function scheduleId(parent: string, name: string): string {
  return `${parent}:${name}`;
}

export async function upsertSchedule(
  store: StoreConnection,
  schedule: Pick<ScheduleRecord, 'parent' | 'name' | 'cron' | 'timezone' | 'payload'>,
): Promise<ScheduleRecord> {
  const now = store.clock.now();
  const doc = await store.schedules.findOneAndUpdate(
    { _id: scheduleId(schedule.parent, schedule.name) },
    {
      $set: { cron: schedule.cron, timezone: schedule.timezone, payload: schedule.payload },
      $setOnInsert: {
        parent: schedule.parent,
        name: schedule.name,
        createdAt: now,
        lastFireAt: null,
      },
    },
    { upsert: true, returnDocument: 'after' },
  );
  if (!doc) throw new Error(`schedule upsert returned nothing for ${schedule.name}`);
  return toRecord(doc);
}

export async function deleteSchedule(
  store: StoreConnection,
  parent: string,
  name: string,
): Promise<boolean> {
  const result = await store.schedules.deleteOne({ _id: scheduleId(parent, name) });
  return result.deletedCount === 1;
}

export async function listSchedules(
  store: StoreConnection,
  parents?: readonly string[],
): Promise<ScheduleRecord[]> {
  const filter = parents ? { parent: { $in: [...parents] } } : {};
  const docs = await store.schedules.find(filter).sort({ _id: 1 }).toArray();
  return docs.map(toRecord);
}

/** Records that the fire at `fireAt` has its task; never moves backwards. */
export async function recordFire(
  store: StoreConnection,
  parent: string,
  name: string,
  fireAt: Date,
): Promise<void> {
  await store.schedules.updateOne(
    { _id: scheduleId(parent, name) },
    { $max: { lastFireAt: fireAt } },
  );
}

function toRecord(doc: ScheduleDocument): ScheduleRecord {
  return {
    parent: doc.parent,
    name: doc.name,
    cron: doc.cron,
    timezone: doc.timezone,
    payload: doc.payload,
    createdAt: doc.createdAt,
    lastFireAt: doc.lastFireAt,
  };
}
