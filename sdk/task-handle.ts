import type { ClientCore } from './internal/client-core.js';
import type { TaskResult, TaskSnapshot } from './model.js';
import { findTask, findTaskEvents } from './internal/store/index.js';
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
