import type { ObjectId } from 'mongodb';
import type { FailureRecord } from '../../errors.js';
import type { TaskEventType } from '../../events.js';
import type { LeaseRecord, TaskReply, TaskSnapshot, TaskStatus } from '../../model.js';

/** The shape of a task in the `tasks` collection. */
export interface TaskDocument {
  _id: ObjectId;
  parent: string;
  status: TaskStatus;
  payload: unknown;
  runAt: Date;
  attempts: number;
  maxAttempts: number;
  lease: LeaseRecord | null;
  reply: TaskReply | null;
  failures: FailureRecord[];
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
  /** The lease token of the holder that wrote the latest outcome (reply, failure or release). */
  outcomeToken?: string;
  cancelReason?: string;
  /** `<parent>:<idempotency key>`, unique where present. */
  dedupeKey?: string;
  /** The latest `ctx.progress(value)` of the attempt holding the lease, and when it came. */
  progress?: unknown;
  progressAt?: Date;
}

export interface ParentDocument {
  _id: string;
  maxAttempts: number;
  leaseMs: number;
  timeoutMs: number;
  backoffMs: number;
  retentionDays: number;
  createdAt: Date;
  /** Set while the parent is being deleted: sends are refused. */
  deleting?: boolean;
}

/** A lifecycle event in the `events` collection; removed by a TTL index at `expiresAt`. */
export interface EventDocument {
  _id: ObjectId;
  type: TaskEventType;
  parent: string;
  taskId: string;
  at: Date;
  data: unknown;
  expiresAt: Date;
}

/** Where an event subscriber stopped, so it can resume after being offline. */
export interface SubscriptionDocument {
  _id: string;
  at: Date;
  eventId: string;
  updatedAt: Date;
  expiresAt: Date;
}

export const CollectionName = Object.freeze({
  Parents: 'parents',
  Tasks: 'tasks',
  Events: 'events',
  Subscriptions: 'subscriptions',
  Schedules: 'schedules',
  Supervisors: 'supervisors',
  StreamPositions: 'stream_positions',
});

export function toSnapshot(doc: TaskDocument): TaskSnapshot {
  return {
    id: doc._id.toHexString(),
    parent: doc.parent,
    status: doc.status,
    payload: doc.payload,
    runAt: doc.runAt,
    attempts: doc.attempts,
    maxAttempts: doc.maxAttempts,
    lease: doc.lease ?? null,
    reply: doc.reply ?? null,
    failures: doc.failures ?? [],
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    finishedAt: doc.finishedAt ?? null,
    ...(doc.cancelReason !== undefined ? { cancelReason: doc.cancelReason } : {}),
    ...(doc.progress !== undefined ? { progress: doc.progress } : {}),
  };
}
