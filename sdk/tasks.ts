import { ErrorCode, TumnusError } from './errors.js';
import { TASK_EVENT_TYPES, type TaskEventListener, type TaskEventType } from './events.js';
import type { ClientCore } from './internal/client-core.js';
import type { Subscription } from './internal/event-hub.js';
import { isTaskId } from './internal/store/index.js';
import { assertKnownKeys, assertParentName, assertPlainObject } from './internal/validate.js';
import { parseResponderOptions, type ResponderOptions } from './options.js';
import { Responder, type CreatedListener } from './responder.js';
import { TaskHandle } from './task-handle.js';

/**
 * What `on(event, listener)` takes. `'created'` is special: its listener is a *responder* that
 * claims each task (one listener per task across all processes). Every other event has
 * *observers*: each observer receives every event of the parent (broadcast).
 */
export type ParentListeners<P, R> = {
  created: CreatedListener<P, R>;
} & { [E in Exclude<TaskEventType, 'created'>]: TaskEventListener<E> };

export interface ObserveOptions {
  /**
   * Save this observer's position under this id, and on restart deliver what it missed while
   * offline (within the parent's retention window). Resumed delivery is at least once: dedupe by
   * `event.id`.
   */
  subscriberId?: string;
  /** Told when the saved position is older than the retained events, so some were lost. */
  onGap?: (info: { since: Date }) => void;
}

/** A running observer. */
export interface EventSubscription {
  ready: Promise<void>;
  close(): Promise<void>;
}

/** The tasks of one parent. */
export class ParentTasks<P = unknown, R = unknown> {
  constructor(
    private readonly core: ClientCore,
    readonly name: string,
  ) {}

  /** `'created'`: start a responder that claims tasks. Any other event: observe it. */
  on(event: 'created', listener: CreatedListener<P, R>, options?: ResponderOptions): Responder;
  on<E extends Exclude<TaskEventType, 'created'>>(
    event: E,
    listener: TaskEventListener<E>,
    options?: ObserveOptions,
  ): EventSubscription;
  on(
    event: TaskEventType,
    listener: (arg: never) => unknown,
    options?: ResponderOptions | ObserveOptions,
  ): Responder | EventSubscription {
    assertEventType(event);
    assertListener(listener);
    if (event !== 'created') {
      return this.observe(event, listener as TaskEventListener, options as ObserveOptions);
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

  /**
   * Observes events of this parent without claiming anything, `'created'` included. Each
   * observer, in every process, receives every event (broadcast).
   */
  observe<E extends TaskEventType>(
    events: E | readonly E[],
    listener: TaskEventListener<E>,
    options: ObserveOptions = {},
  ): EventSubscription {
    const types = Array.isArray(events) ? events : [events as E];
    types.forEach(assertEventType);
    assertListener(listener);
    assertPlainObject(options, 'options');
    assertKnownKeys(options, ['subscriberId', 'onGap'], 'options');

    const subscription: Subscription = this.core.events.subscribe(
      { parent: this.name, types: new Set(types) },
      listener as TaskEventListener,
      { ...options, retentionDays: 30 },
    );
    return { ready: subscription.ready, close: () => subscription.close() };
  }
}

/** Entry point for responders, observers and following tasks by id. */
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

function assertEventType(event: unknown): asserts event is TaskEventType {
  if (!TASK_EVENT_TYPES.includes(event as TaskEventType)) {
    throw new TumnusError(
      ErrorCode.InvalidArgument,
      `unknown event ${JSON.stringify(event)} (known: ${TASK_EVENT_TYPES.join(', ')})`,
    );
  }
}

function assertListener(listener: unknown): void {
  if (typeof listener !== 'function') {
    throw new TumnusError(ErrorCode.InvalidArgument, 'listener must be a function');
  }
}
