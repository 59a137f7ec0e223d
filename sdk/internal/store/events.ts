import { ObjectId, type ChangeStream } from 'mongodb';
import type { TaskEvent, TaskEventMap, TaskEventType } from '../../events.js';
import type { StoreConnection } from './connection.js';
import type { EventDocument } from './documents.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface NewEvent<E extends TaskEventType> {
  type: E;
  parent: string;
  taskId: string;
  data: TaskEventMap[E];
  /** The parent's retention class: the event expires this many days after it happened. */
  retentionDays: number;
}

/** Longest an event waits in memory before it is written. */
const FLUSH_DELAY_MS = 5;
const MAX_BATCH = 500;

/**
 * Records lifecycle events in batches: emitting never waits for the database, so events add no
 * round trip to a task's hot path. Each batch is one unordered `insertMany`.
 *
 * LIMITATION: events are written after the task update they describe, not in a transaction with
 * it (transactions would exclude standalone servers); a crash in between loses those events,
 * never the task's state, which stays the source of truth.
 */
export class EventLog {
  private buffer: EventDocument[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: StoreConnection,
    private readonly onError: (error: unknown, lost: number) => void,
  ) {}

  emit<E extends TaskEventType>(event: NewEvent<E>): void {
    this.buffer.push(this.toDocument(event));
    if (this.buffer.length >= MAX_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
  }

  /**
   * Writes one event now, rejecting when it cannot be written: for an event that must be stored
   * before what it announces (a task's `created` comes before the task itself).
   */
  async write<E extends TaskEventType>(event: NewEvent<E>): Promise<void> {
    await this.store.events.insertOne(this.toDocument(event));
  }

  private toDocument<E extends TaskEventType>(event: NewEvent<E>): EventDocument {
    const at = this.store.clock.now();
    return {
      _id: new ObjectId(),
      type: event.type,
      parent: event.parent,
      taskId: event.taskId,
      at,
      data: event.data,
      expiresAt: new Date(at.getTime() + event.retentionDays * DAY_MS),
    };
  }

  /** Writes everything emitted so far. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length > 0) {
      this.flushing = this.flushing.then(() =>
        this.store.events
          .insertMany(batch, { ordered: false })
          .then(() => undefined)
          .catch((error: unknown) => this.onError(error, batch.length)),
      );
    }
    return this.flushing;
  }
}

/** Events of `parent` at or after `since`, oldest first: how an offline subscriber catches up. */
export async function findEventsSince(
  store: StoreConnection,
  parent: string,
  since: Date,
  limit: number,
): Promise<TaskEvent[]> {
  const docs = await store.events
    .find({ parent, at: { $gte: since } })
    .sort({ at: 1, _id: 1 })
    .limit(limit)
    .toArray();
  return docs.map(toEvent);
}

export async function findTaskEvents(store: StoreConnection, taskId: string): Promise<TaskEvent[]> {
  const docs = await store.events.find({ taskId }).sort({ at: 1, _id: 1 }).toArray();
  return docs.map(toEvent);
}

/** A change stream of new events (all parents; listeners filter). */
export class EventCursor {
  private readonly stream: ChangeStream<EventDocument>;

  constructor(store: StoreConnection) {
    this.stream = store.events.watch<EventDocument>([{ $match: { operationType: 'insert' } }]);
  }

  async establish(): Promise<TaskEvent | null> {
    const change = await this.stream.tryNext();
    return change && 'fullDocument' in change && change.fullDocument
      ? toEvent(change.fullDocument)
      : null;
  }

  async next(): Promise<TaskEvent | null> {
    const change = await this.stream.next();
    return 'fullDocument' in change && change.fullDocument ? toEvent(change.fullDocument) : null;
  }

  get closed(): boolean {
    return this.stream.closed;
  }

  close(): Promise<void> {
    return this.stream.close();
  }
}

function toEvent(doc: EventDocument): TaskEvent {
  return {
    id: doc._id.toHexString(),
    type: doc.type,
    parent: doc.parent,
    taskId: doc.taskId,
    at: doc.at,
    data: doc.data as never,
  };
}

// ---- Subscriber positions ---------------------------------------------------------------------

export interface SubscriberPosition {
  at: Date;
  eventId: string;
}

export async function loadPosition(
  store: StoreConnection,
  subscriberId: string,
): Promise<SubscriberPosition | null> {
  const doc = await store.subscriptions.findOne({ _id: subscriberId });
  return doc ? { at: doc.at, eventId: doc.eventId } : null;
}

export async function savePosition(
  store: StoreConnection,
  subscriberId: string,
  position: SubscriberPosition,
  retentionDays: number,
): Promise<void> {
  const now = store.clock.now();
  await store.subscriptions.updateOne(
    { _id: subscriberId },
    {
      $set: {
        at: position.at,
        eventId: position.eventId,
        updatedAt: now,
        // A subscriber silent for longer than the events it could resume from is forgotten.
        expiresAt: new Date(now.getTime() + retentionDays * DAY_MS),
      },
    },
    { upsert: true },
  );
}
