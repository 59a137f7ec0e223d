import { ErrorCode, TumnusError, WaitTimeoutError } from '../errors.js';
import { isTerminal, type TaskSnapshot } from '../model.js';
import { clientClosedError, type ClientCore } from './client-core.js';
import { reconnectDelayMs } from './backoff.js';
import type { Logger } from './logger.js';
import { followStream } from './stream-follower.js';
import {
  findFinishedTasks,
  findTask,
  isChangeStreamUnsupported,
  isTransientError,
  watchFinishedTasks,
  type StoreConnection,
  type TaskCursor,
} from './store/index.js';

/** How often waiters look for results when the server has no change streams (standalone). */
const POLL_INTERVAL_MS = 250;
/** How many task ids one catch-up query asks about. */
const CATCH_UP_BATCH = 1_000;
/** How many times a waiter's first read is tried through transient database errors. */
const ATTACH_TRIES = 6;

interface Waiter {
  resolve(task: TaskSnapshot): void;
  reject(error: unknown): void;
  /** Stops waiting without settling: for a task that will not exist after all. */
  abandon(): void;
}

/** A wait for a task that is about to be inserted (see CompletionWatcher.expect). */
export interface ExpectedTask {
  readonly result: Promise<TaskSnapshot>;
  abandon(): void;
}

export interface WaitOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Delivers finished tasks to everyone in this process who waits for them, through one change
 * stream shared by all waiters. Each waiter registers first, then reads its task once, so a task
 * that finished before the wait (an hour ago, or a millisecond ago) resolves from the stored
 * document, and one that finishes later arrives on the stream. After a stream failure the watcher
 * reopens the stream and re-reads every waited task before relying on the stream again.
 */
export class CompletionWatcher {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private opening: Promise<void> | null = null;
  private cursor: TaskCursor | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly core: ClientCore,
    private readonly logger: Logger,
  ) {}

  /** Number of change streams this watcher holds open (0 or 1): for tests and benchmarks. */
  get openStreams(): number {
    return this.cursor && !this.cursor.closed ? 1 : 0;
  }

  /**
   * Registers the waiter before anything is awaited, so that `close()` rejects it whatever stage
   * it is in (connecting, opening the shared stream, reading the task).
   */
  wait(taskId: string, options: WaitOptions = {}): Promise<TaskSnapshot> {
    if (this.closed) return Promise.reject(clientClosedError());
    const { promise, waiter } = this.register(taskId, options);
    void this.attach(taskId, waiter);
    return promise;
  }

  /** Connects and establishes the shared stream, so the next wait starts on an open one. */
  async ready(): Promise<void> {
    if (this.closed) throw clientClosedError();
    await this.ensureWatching(await this.core.connection());
  }

  /**
   * Waits for a task this process is about to insert, with no read of it: the waiter is
   * registered and the shared stream established before the caller inserts, so nothing the task
   * does can precede the stream. Saves a round trip per request/reply. The caller abandons the
   * wait if the insert fails or yields another task (an idempotent repeat).
   */
  async expect(taskId: string, options: WaitOptions = {}): Promise<ExpectedTask> {
    if (this.closed) throw clientClosedError();
    // Stopped before it began: refuse before anything is written.
    options.signal?.throwIfAborted();
    const { promise, waiter } = this.register(taskId, options);
    // close() may reject it while the caller is still inserting; the caller reads it after.
    promise.catch(() => undefined);
    try {
      await this.ensureWatching(await this.core.connection());
    } catch (error) {
      waiter.abandon();
      throw error;
    }
    return { result: promise, abandon: () => waiter.abandon() };
  }

  private async attach(taskId: string, waiter: Waiter, failures = 0): Promise<void> {
    try {
      const store = await this.core.connection();
      await this.ensureWatching(store);
      const current = await findTask(store, taskId);
      if (!current) {
        throw new TumnusError(ErrorCode.TaskNotFound, `task ${taskId} does not exist`, { taskId });
      }
      if (isTerminal(current.status)) this.deliver(current);
    } catch (error) {
      // A dropped connection or a server coming back: the waiter stays registered and reads again.
      if (isTransientError(error) && failures + 1 < ATTACH_TRIES && !this.closed) {
        this.logger.warn(
          { err: error, taskId, failuresInARow: failures + 1 },
          'wait attach failed',
        );
        await sleep(reconnectDelayMs(failures + 1));
        if (this.waiters.get(taskId)?.has(waiter)) await this.attach(taskId, waiter, failures + 1);
        return;
      }
      waiter.reject(error);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);

    const closedError = clientClosedError();
    for (const waiters of this.waiters.values()) {
      for (const waiter of waiters) waiter.reject(closedError);
    }
    this.waiters.clear();
    await this.cursor?.close();
  }

  private register(taskId: string, options: WaitOptions) {
    let waiter!: Waiter;
    const promise = new Promise<TaskSnapshot>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => finish(() => reject(options.signal?.reason));
      const finish = (settle: () => void) => {
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        this.settle(taskId, waiter);
        settle();
      };

      waiter = {
        resolve: (task) => finish(() => resolve(task)),
        reject: (error) => finish(() => reject(error)),
        abandon: () => finish(() => undefined),
      };
      if (options.timeoutMs !== undefined) {
        const timeoutMs = options.timeoutMs;
        timer = setTimeout(() => waiter.reject(new WaitTimeoutError(taskId, timeoutMs)), timeoutMs);
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      // An already aborted signal fires no 'abort' event.
      if (options.signal?.aborted) onAbort();
    });

    let set = this.waiters.get(taskId);
    if (!set) this.waiters.set(taskId, (set = new Set()));
    set.add(waiter);
    return { promise, waiter };
  }

  private settle(taskId: string, waiter: Waiter): void {
    const set = this.waiters.get(taskId);
    if (!set?.delete(waiter) || set.size > 0) return;
    this.waiters.delete(taskId);
  }

  private deliver(task: TaskSnapshot): void {
    const set = this.waiters.get(task.id);
    if (!set) return;
    for (const waiter of [...set]) waiter.resolve(task);
  }

  private ensureWatching(store: StoreConnection): Promise<void> {
    this.opening ??= this.openStream(store).catch((error: unknown) => {
      this.opening = null;
      throw error;
    });
    return this.opening;
  }

  private async openStream(store: StoreConnection): Promise<void> {
    const cursor = watchFinishedTasks(store);
    try {
      const first = await cursor.establish();
      if (first) this.deliver(first);
    } catch (error) {
      await cursor.close().catch(() => undefined);
      if (!isChangeStreamUnsupported(error)) throw error;
      if (this.closed) return;

      this.logger.warn({ pollIntervalMs: POLL_INTERVAL_MS }, 'change streams unavailable, polling');
      this.schedulePoll(store);
      return;
    }
    if (this.closed) {
      // close() ran while the stream was opening and could not close it.
      await cursor.close();
      return;
    }
    this.cursor = cursor;
    void this.follow(store, cursor);
  }

  /** Follows the stream; after a failure, a fresh stream and one read of every waited task. */
  private follow(store: StoreConnection, cursor: TaskCursor): Promise<void> {
    return followStream(cursor, {
      name: 'completion',
      open: () => watchFinishedTasks(store),
      onItem: (task) => this.deliver(task),
      onReopened: (reopened) => (this.cursor = reopened as TaskCursor),
      catchUp: () => this.catchUp(store),
      isStopped: () => this.closed,
      logger: this.logger,
    });
  }

  private async catchUp(store: StoreConnection): Promise<void> {
    const ids = [...this.waiters.keys()];
    for (let i = 0; i < ids.length; i += CATCH_UP_BATCH) {
      const finished = await findFinishedTasks(store, ids.slice(i, i + CATCH_UP_BATCH));
      for (const task of finished) this.deliver(task);
    }
  }

  private schedulePoll(store: StoreConnection): void {
    if (this.closed) return;
    this.pollTimer = setTimeout(() => {
      this.catchUp(store)
        .catch((error: unknown) => this.logger.warn({ err: error }, 'result poll failed'))
        .finally(() => this.schedulePoll(store));
    }, POLL_INTERVAL_MS);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
