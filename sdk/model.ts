import type { FailureRecord } from './errors.js';

/** Where a task is in its life. Terminal states never change again. */
export const TaskStatus = Object.freeze({
  /** Waiting for `runAt` and a free responder or handler. */
  Pending: 'pending',
  /** Claimed: a responder or handler holds a lease on it. */
  Leased: 'leased',
  /** Answered with `{ status: 'success' }`. */
  Succeeded: 'succeeded',
  /** Answered with `{ status: 'failed' }`: a business outcome, not retried. */
  Failed: 'failed',
  /** Every attempt threw, timed out or crashed; `failures` holds each one. */
  Dead: 'dead',
  /** Cancelled before it finished (`handle.cancel()`); a running attempt is aborted. */
  Cancelled: 'cancelled',
});
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

export const TERMINAL_STATUSES: readonly TaskStatus[] = Object.freeze([
  TaskStatus.Succeeded,
  TaskStatus.Failed,
  TaskStatus.Dead,
  TaskStatus.Cancelled,
]);

export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** How a responder or handler answers a task. */
export const ResultStatus = Object.freeze({ Success: 'success', Failed: 'failed' });
export type ResultStatus = (typeof ResultStatus)[keyof typeof ResultStatus];

/** What a sender gets back: the committed answer, or `cancelled` for a cancelled task. */
export type OutcomeStatus = ResultStatus | 'cancelled';

/** A responder's answer to a task: `task.send({ status: 'success', payload })`. */
export interface TaskReply<R = unknown> {
  status: ResultStatus;
  payload?: R;
}

export interface TaskResult<R = unknown> {
  status: OutcomeStatus;
  /** The reply's payload; for a task that died, `{ error }` with the last attempt's failure. */
  payload: R | undefined;
  taskId: string;
  parent: string;
  /** How many times the task was claimed. */
  attempts: number;
  /** The final task state behind `status` (`failed` and `dead` both map to `failed`). */
  taskStatus: TaskStatus;
  /** Every failed attempt, oldest first. */
  failures: FailureRecord[];
  createdAt: Date;
  finishedAt: Date;
}

/** A task as stored, with its id as a string. */
export interface TaskSnapshot {
  id: string;
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
  /** Why the task was cancelled, when it was. */
  cancelReason?: string;
  /** The latest progress a holder reported. */
  progress?: unknown;
}

export interface LeaseRecord {
  token: string;
  owner: string;
  expiresAt: Date;
}

/** A task parent: the named queue that arbitrates whether a task may be created. */
export interface TaskParentRecord {
  name: string;
  maxAttempts: number;
  leaseMs: number;
  timeoutMs: number;
  backoffMs: number;
  /** Days its events and other non-task records are kept: 30, 60 or 90. Tasks are kept forever. */
  retentionDays: RetentionDays;
  createdAt: Date;
  /** True while the parent is being deleted: new tasks are refused. */
  deleting?: boolean;
}

export const RETENTION_CLASSES = Object.freeze([30, 60, 90] as const);
export type RetentionDays = (typeof RETENTION_CLASSES)[number];
