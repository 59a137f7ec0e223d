import { ErrorCode, TumnusError } from './errors.js';
import type { TaskEvent } from './events.js';
import type { ClaimedWork } from './internal/claimed-work.js';
import { clientClosedError, parentNotFound, type ClientCore } from './internal/client-core.js';
import { defaultClient } from './internal/default-client.js';
import type { Logger } from './internal/logger.js';
import { assertStorable } from './internal/storable.js';
import {
  asConnectionFailure,
  createTask,
  newTaskId,
  type StoreConnection,
} from './internal/store/index.js';
import { assertParentName, assertPlainObject, assertKnownKeys } from './internal/validate.js';
import {
  ResultStatus,
  type TaskParentRecord,
  type TaskReply,
  type TaskResult,
  type TaskSnapshot,
} from './model.js';
import { parseSendOptions, type ParsedSendOptions, type SendOptions } from './options.js';
import { TaskHandle } from './task-handle.js';
import { toTaskResult } from './task-result.js';

/** `send(payload, { waitForComplete: true })`: resolves with the result, not a handle. */
export type WaitingSendOptions = SendOptions & { waitForComplete: true };

const receivedWork = new WeakMap<Task<unknown, unknown>, ClaimedWork>();
const replyLoggers = new WeakMap<ClaimedWork, Logger>();

/**
 * A task of a parent. Senders create one with `new Task('SendEmail')` and `send` a payload;
 * responders receive one per delivery and `send` their reply (`{ status, payload }`).
 *
 * `new Task(...)` on the `Task` returned by `new Tumnus(uri)` uses that client. A bare
 * `import { Task } from 'tumnus'` uses the most recently created, still open client.
 */
export class Task<P = unknown, R = unknown> {
  readonly parent: string;
  /** Set once the task is sent, or on a task delivered to a responder. */
  id: string | undefined;
  /** The sent payload; on a delivered task, what the sender sent. */
  payload: P | undefined;
  /** On a delivered task: which claim this is, from 1. */
  attempt: number | undefined;

  constructor(parent: string) {
    assertParentName(parent, 'parent');
    this.parent = parent;
  }

  /** The client this task talks through; overridden by the `Task` a `Tumnus` client returns. */
  protected client(): ClientCore {
    return defaultClient();
  }

  /** On a task delivered to a responder: commits the reply. Nothing else can be sent after it. */
  send(reply: TaskReply<R>): Promise<void>;
  /**
   * Writes the task and waits for its outcome (`failed` resolves too; Tumnus' own errors
   * reject).
   */
  send(payload: P, options: WaitingSendOptions): Promise<TaskResult<R>>;
  /** Writes the task; the handle's `result()` waits for the outcome later. */
  send(payload: P, options?: SendOptions): Promise<TaskHandle<R>>;
  send(
    payloadOrReply: P | TaskReply<R>,
    options?: SendOptions,
  ): Promise<void | TaskResult<R> | TaskHandle<R>> {
    const work = receivedWork.get(this as Task<unknown, unknown>);
    if (!work) return this.create(payloadOrReply as P, options);

    const replied = this.reply(work, payloadOrReply as TaskReply<R>, options);
    // The seed replies from a timer and drops this promise. A reply that cannot be recorded
    // (cancelled, lease lost) still rejects for whoever awaits it, but must not kill the
    // responder's process as an unhandled rejection: it is logged instead.
    replied.catch((error: unknown) =>
      replyLoggers.get(work)?.warn({ err: error, taskId: work.task.id }, 'reply not recorded'),
    );
    return replied;
  }

  /**
   * On a task delivered to a responder: records `value` as its latest progress and emits a
   * `progress` event to observers and to the sender's `onProgress`. At most 64 KiB as BSON.
   */
  async progress(value: unknown): Promise<void> {
    const work = receivedWork.get(this as Task<unknown, unknown>);
    if (!work) {
      throw new TumnusError(ErrorCode.TaskStateInvalid, 'only a delivered task reports progress');
    }
    assertStorable(value, 'progress', MAX_PROGRESS_BYTES);
    if (!(await work.progress(value))) {
      throw new TumnusError(ErrorCode.LeaseLost, `task ${work.task.id} is no longer held`, {
        taskId: work.task.id,
      });
    }
  }

  /** On a delivered task: aborts when the attempt times out or its lease is lost. */
  get signal(): AbortSignal | undefined {
    return receivedWork.get(this as Task<unknown, unknown>)?.signal;
  }

  private async create(payload: P, input: SendOptions | undefined) {
    if (this.id !== undefined) {
      throw new TumnusError(ErrorCode.TaskStateInvalid, `task ${this.id} was already sent`, {
        taskId: this.id,
      });
    }
    const options = parseSendOptions(input);
    assertStorable(payload, 'payload');

    const core = this.client();
    const id = newTaskId();
    const { parent, store, expected } = await this.prepare(core, id, options).catch(
      (error: unknown) => {
        throw sendFailure(core, error, 'nothing was sent');
      },
    );
    let stored: TaskSnapshot;
    try {
      stored = await this.insert(store, parent, payload, options, id);
    } catch (error) {
      expected?.abandon();
      throw sendFailure(
        core,
        error,
        options.idempotencyKey === undefined
          ? 'the task may or may not have been stored (sends with an idempotencyKey can be ' +
              'repeated safely)'
          : 'the task may or may not have been stored: send again with the same idempotencyKey ' +
              'to have it exactly once',
      );
    }
    this.id = stored.id;
    this.payload = payload;

    const handle = new TaskHandle<R>(stored.id, this.parent, core);
    if (!expected) return handle;
    // An idempotent repeat returned an earlier task: wait for that one the usual way.
    const result =
      stored.id === id
        ? expected.result.then((task) => toTaskResult<R>(task))
        : (expected.abandon(), handle.result(options.wait));
    if (!options.onProgress) return result;

    const onProgress = options.onProgress;
    const progress = core.events.subscribe(
      { taskId: stored.id, types: new Set(['progress']) },
      (event) => onProgress((event as TaskEvent<'progress'>).data.value),
    );
    try {
      const outcome = await result;
      // Progress is written before the result, but its stream event may still be in flight.
      await progress.catchUp(store);
      return outcome;
    } finally {
      await progress.close();
    }
  }

  /** Everything a send reads before it writes, and its waiter when it waits. */
  private async prepare(core: ClientCore, id: string, options: ParsedSendOptions) {
    // Re-checked after the insert (see createTask), so a recent answer is enough here.
    const parent = await core.requireRecentParent(this.parent);
    const store = await core.connection();
    const expected = options.waitForComplete
      ? await core.completions.expect(id, options.wait)
      : null;
    return { parent, store, expected };
  }

  /** Creates the task (see createTask); refused when its parent began deletion meanwhile. */
  private async insert(
    store: StoreConnection,
    parent: TaskParentRecord,
    payload: P,
    options: ParsedSendOptions,
    id: string,
  ): Promise<TaskSnapshot> {
    const key = options.idempotencyKey;
    const { task, withdrawn } = await createTask(store, parent, {
      id,
      payload,
      runAt: options.runAt ?? new Date(store.clock.now().getTime() + options.delayMs),
      maxAttempts: options.maxAttempts ?? parent.maxAttempts,
      ...(key !== undefined ? { idempotencyKey: key } : {}),
    });
    if (withdrawn) {
      this.client().recentParents.forget(this.parent);
      throw parentNotFound(this.parent);
    }
    return task;
  }

  private async reply(work: ClaimedWork, reply: TaskReply<R>, options: unknown): Promise<void> {
    if (options !== undefined) {
      throw new TumnusError(ErrorCode.InvalidArgument, 'a reply takes no options');
    }
    assertPlainObject(reply, 'reply');
    assertKnownKeys(reply, ['status', 'payload'], 'reply');
    if (reply.status !== ResultStatus.Success && reply.status !== ResultStatus.Failed) {
      throw new TumnusError(
        ErrorCode.InvalidArgument,
        "reply.status must be 'success' or 'failed'",
      );
    }
    assertStorable(reply.payload, 'reply.payload');

    if (work.isSettled) {
      throw new TumnusError(
        ErrorCode.TaskStateInvalid,
        `task ${work.task.id} was already answered, timed out or handed to another responder`,
        { taskId: work.task.id },
      );
    }
    const committed = await work.complete({ status: reply.status, payload: reply.payload });
    if (!committed) {
      throw new TumnusError(
        ErrorCode.LeaseLost,
        `the lease on task ${work.task.id} was lost before the reply; the reply was discarded`,
        { taskId: work.task.id },
      );
    }
  }
}

/** Largest progress value stored on a task. */
const MAX_PROGRESS_BYTES = 64 * 1024;

/** Wraps a claimed task for a responder: same class, `send` replies. */
export function deliveredTask<P, R>(work: ClaimedWork, logger: Logger): Task<P, R> {
  const task = Object.create(Task.prototype) as Task<P, R>;
  Object.assign(task, {
    parent: work.task.parent,
    id: work.task.id,
    payload: work.task.payload as P,
    attempt: work.task.attempts,
  });
  receivedWork.set(task as Task<unknown, unknown>, work);
  replyLoggers.set(work, logger);
  return task;
}

/** The `Task` class a `Tumnus` client hands out, bound to that client. */
export type BoundTaskClass = new <P = unknown, R = unknown>(parent: string) => Task<P, R>;

export function bindTaskClass(core: ClientCore): BoundTaskClass {
  return class BoundTask<P, R> extends Task<P, R> {
    protected override client(): ClientCore {
      return core;
    }
  };
}

/**
 * What a send rejects with when the database failed it: CLIENT_CLOSED when the failure was this
 * client closing under it, CONNECTION_FAILED (saying what may be left) when the server went away.
 */
function sendFailure(core: ClientCore, error: unknown, consequence: string): unknown {
  if (core.isClosed) return clientClosedError();
  return asConnectionFailure(error, core.settings.uri, consequence);
}
