import { ErrorCode, TumnusError } from './errors.js';
import type { ClientCore } from './internal/client-core.js';
import { isTaskId } from './internal/store/index.js';
import { assertParentName } from './internal/validate.js';
import { parseResponderOptions, type ResponderOptions } from './options.js';
import { Responder, type CreatedListener } from './responder.js';
import { TaskHandle } from './task-handle.js';

/** Events a parent's listeners can subscribe to. */
export interface ParentEvents<P, R> {
  /**
   * A task is ready to be worked on. Unlike an observer, a `'created'` listener *claims* the
   * task: each task goes to exactly one listener across all processes.
   */
  created: CreatedListener<P, R>;
}

/** The tasks of one parent. */
export class ParentTasks<P = unknown, R = unknown> {
  constructor(
    private readonly core: ClientCore,
    readonly name: string,
  ) {}

  on<E extends keyof ParentEvents<P, R>>(
    event: E,
    listener: ParentEvents<P, R>[E],
    options?: ResponderOptions,
  ): Responder {
    if (event !== 'created') {
      throw new TumnusError(ErrorCode.InvalidArgument, `unknown event ${JSON.stringify(event)}`);
    }
    if (typeof listener !== 'function') {
      throw new TumnusError(ErrorCode.InvalidArgument, 'listener must be a function');
    }
    const responder = new Responder(
      this.core,
      this.name,
      listener as CreatedListener<unknown, unknown>,
      parseResponderOptions(options),
      this.core.logger.child({ component: 'responder', parent: this.name }),
    );
    this.core.own(responder);
    return responder;
  }
}

/** Entry point for responders and for following tasks by id. */
export class Tasks {
  constructor(private readonly core: ClientCore) {}

  parent<P = unknown, R = unknown>(name: string): ParentTasks<P, R> {
    assertParentName(name, 'name');
    return new ParentTasks<P, R>(this.core, name);
  }

  /** A handle on a task sent by any process, to wait for its result or read its state. */
  handle<R = unknown>(id: string): TaskHandle<R> {
    if (typeof id !== 'string' || !isTaskId(id)) {
      throw new TumnusError(ErrorCode.InvalidArgument, 'id must be a 24-character hex task id');
    }
    return new TaskHandle<R>(id, undefined, this.core);
  }
}
