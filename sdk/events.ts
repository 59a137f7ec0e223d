import type { FailureRecord } from './errors.js';
import type { TaskReply } from './model.js';

/**
 * Lifecycle events of tasks, one typed map. Observers receive every event of a parent
 * (broadcast); only a `'created'` listener registered with `on` *claims* tasks (see ParentTasks).
 */
export interface TaskEventMap {
  /** A task was written by a sender. */
  created: { runAt: Date };
  /** A responder or handler claimed the task and started an attempt. */
  started: { attempt: number; owner: string };
  /** The holder reported progress (`ctx.progress(value)` / `task.progress(value)`). */
  progress: { attempt: number; value: unknown };
  /** The task was answered with `{ status: 'success' }`. */
  succeeded: { attempt: number; reply: TaskReply };
  /** The task was answered with `{ status: 'failed' }`: a final business outcome. */
  failed: { attempt: number; reply: TaskReply };
  /** An attempt threw, timed out or crashed; the task will run again at `retryAt`. */
  retrying: { attempt: number; failure: FailureRecord; retryAt: Date };
  /** The last attempt failed; the task is finished. */
  dead: { attempt: number; failure: FailureRecord };
  /** The task was cancelled before it finished. */
  cancelled: { reason: string };
  /** A holder stopped renewing its lease; the task was taken back. */
  'lease-expired': { attempt: number; owner: string };
}

export type TaskEventType = keyof TaskEventMap;

export const TASK_EVENT_TYPES: readonly TaskEventType[] = Object.freeze([
  'created',
  'started',
  'progress',
  'succeeded',
  'failed',
  'retrying',
  'dead',
  'cancelled',
  'lease-expired',
]);

export interface TaskEvent<E extends TaskEventType = TaskEventType> {
  /** Unique per event; also the subscriber's resume position. */
  id: string;
  type: E;
  parent: string;
  taskId: string;
  at: Date;
  data: TaskEventMap[E];
}

export type TaskEventListener<E extends TaskEventType = TaskEventType> = (
  event: TaskEvent<E>,
) => void | Promise<void>;
