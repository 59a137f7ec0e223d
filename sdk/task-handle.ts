import type { ClientCore } from './internal/client-core.js';
import { isTerminal, type TaskResult, type TaskSnapshot } from './model.js';
import { cancelTask, findParent, findTask, findTaskEvents } from './internal/store/index.js';
import {
  TASK_EVENT_TYPES,
  type TaskEvent,
  type TaskEventListener,
  type TaskEventType,
} from './events.js';
import { ErrorCode, TumnusError } from './errors.js';
import { toTaskResult } from './task-result.js';
import { parseWaitOptions, type WaitForResultOptions } from './options.js';

/**
 * A sent task, by id. Any process can make one (`tasks.handle(id)`) and wait for its result.
 */
export class TaskHandle<R = unknown> {
  constructor(
    readonly id: string,
    readonly parent: string | undefined,
    private readonly core: ClientCore,
  ) {}

  /**
   * Resolves with the committed outcome, whether the task finished long ago or finishes later.
   * Rejects only for Tumnus' own errors: connection, unknown task, or `timeoutMs` passing
   * (`WAIT_TIMEOUT`; the task keeps running).
   */
  async result(options: WaitForResultOptions = {}): Promise<TaskResult<R>> {
    const parsed = parseWaitOptions(options, 'options');
    const task = await this.core.completions.wait(this.id, parsed);
    return toTaskResult<R>(task);
  }

  /**
   * Observes this one task's lifecycle events (`'progress'`, `'started'`, ...): first those
   * already recorded, then live ones, each once.
   */
  on<E extends TaskEventType>(
    event: E,
    listener: TaskEventListener<E>,
  ): { ready: Promise<void>; close(): Promise<void> } {
    if (!TASK_EVENT_TYPES.includes(event)) {
      throw new TumnusError(ErrorCode.InvalidArgument, `unknown event ${JSON.stringify(event)}`);
    }
    const subscription = this.core.events.subscribe(
      { taskId: this.id, types: new Set([event]) },
      listener as TaskEventListener,
    );
    return { ready: subscription.ready, close: () => subscription.close() };
  }

  /** Every recorded event of this task, oldest first (within the retention window). */
  async events(): Promise<TaskEvent[]> {
    return findTaskEvents(await this.core.connection(), this.id);
  }

  /**
   * Cancels the task unless it already finished: a pending task never runs; a running attempt's
   * `AbortSignal` fires (within a third of the lease, when its holder next renews) and its reply
   * is discarded. Waiters resolve with `status: 'cancelled'`. Returns the task's final result.
   */
  async cancel(reason = 'cancelled by request'): Promise<TaskResult<R>> {
    if (typeof reason !== 'string' || reason.length > 1_000) {
      throw new TumnusError(
        ErrorCode.InvalidArgument,
        'reason must be a string of at most 1000 characters',
      );
    }
    const store = await this.core.connection();
    const { task, cancelled } = await cancelTask(store, this.id, reason);
    if (!task) {
      throw new TumnusError(ErrorCode.TaskNotFound, `task ${this.id} does not exist`, {
        taskId: this.id,
      });
    }
    if (cancelled) {
      const parent = await findParent(store, task.parent);
      store.eventLog.emit({
        type: 'cancelled',
        parent: task.parent,
        taskId: task.id,
        data: { reason },
        retentionDays: parent?.retentionDays ?? 30,
      });
    }
    if (!isTerminal(task.status)) throw new Error(`task ${task.id} is still ${task.status}`);
    return toTaskResult<R>(task);
  }

  /** The task as stored right now. */
  async get(): Promise<TaskSnapshot> {
    const task = await findTask(await this.core.connection(), this.id);
    if (!task) {
      throw new TumnusError(ErrorCode.TaskNotFound, `task ${this.id} does not exist`, {
        taskId: this.id,
      });
    }
    return task;
  }
}
