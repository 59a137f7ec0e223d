import { Piscina } from 'piscina';
import type { HandlerConfig } from '../handler-types.js';
import type { Logger } from '../logger.js';
import type { RunOutcome, RunRequest, ThreadData, WarmRequest } from './protocol.js';

export interface HandlerPoolOptions {
  /** Threads in the pool: all started up front and kept. */
  threads: number;
  /** Attempts one thread runs at once. */
  tasksPerThread: number;
  /** Heap limit per thread; a thread that exceeds it dies, the other threads carry on. */
  maxOldGenerationSizeMb: number;
  handlerConfig: HandlerConfig;
}

/**
 * The Piscina pool of handler threads. A thread runs up to `tasksPerThread` attempts at once; a
 * thread that dies (out of memory, `process.exit`, an uncaught error) is replaced.
 *
 * Sharing a thread shares its fate. When a thread dies, or is terminated because one attempt
 * ignored its aborted signal for `abortGraceMs`, every attempt running on it rejects: the others
 * fail with reason `worker-crashed` (with the error that ended the thread) and are retried like
 * any crashed attempt, so each of them spends an attempt (a task on its last attempt ends
 * `dead`). That includes an attempt started on the thread during the grace period, since the
 * balancer cannot tell a doomed thread from a busy one. The attempts also share one event loop,
 * so a handler that blocks it (CPU work, a busy loop) stalls the others. Hence the default of one
 * attempt per thread; more suits handlers that mostly await I/O.
 */
export class HandlerPool {
  private readonly piscina: Piscina<RunRequest | WarmRequest, RunOutcome | null>;

  constructor(
    readonly options: HandlerPoolOptions,
    private readonly logger: Logger,
  ) {
    const workerData: ThreadData = { handlerConfig: options.handlerConfig };
    this.piscina = new Piscina({
      filename: threadFile(),
      minThreads: options.threads,
      maxThreads: options.threads,
      concurrentTasksPerWorker: options.tasksPerThread,
      loadBalancer: leastBusyThread(options.tasksPerThread),
      // 'sync' would block an idle thread in Atomics.wait and freeze whatever a handler left
      // running (sockets, timers) between tasks.
      atomics: 'async',
      resourceLimits: { maxOldGenerationSizeMb: options.maxOldGenerationSizeMb },
      workerData,
    });
    // Piscina reports a thread that dies while idle as a pool 'error'; unhandled, it would throw.
    this.piscina.on('error', (error: unknown) =>
      this.logger.error({ err: error }, 'pool thread failed'),
    );
  }

  get threads(): number {
    return this.piscina.maxThreads;
  }

  get tasksPerThread(): number {
    return this.options.tasksPerThread;
  }

  /**
   * Loads every handler in every thread before the first task. The balancer gives each request
   * an idle thread while there is one, so `threads` concurrent requests reach every thread once
   * when all of them are up, as at start. A thread still starting (replacing one that died) is
   * not offered, and with several tasks per thread its request goes to a busy thread instead:
   * the thread that missed out loads a handler on its first task of that parent.
   */
  async warm(handlerFiles: string[]): Promise<void> {
    const request: WarmRequest = { kind: 'warm', handlerFiles };
    await Promise.all(Array.from({ length: this.threads }, () => this.piscina.run(request)));
  }

  /** Rejects when the thread dies or `signal` aborts (which terminates the thread). */
  async run(request: RunRequest, signal: AbortSignal): Promise<RunOutcome> {
    const outcome = await this.piscina.run(request, {
      transferList: [request.calls, request.control],
      signal,
    });
    if (outcome === null) throw new Error('pool thread answered a run request with nothing');
    return outcome;
  }

  /** Terminates every thread now; running attempts reject. */
  async destroy(): Promise<void> {
    await this.piscina.destroy();
  }
}

// Piscina does not export the types of its `loadBalancer` option.
type LoadBalancer = NonNullable<
  NonNullable<ConstructorParameters<typeof Piscina>[0]>['loadBalancer']
>;

/**
 * Piscina's own balancer never puts a task that carries an AbortSignal on a busy thread
 * ("abortable tasks cannot share threads", whatever `concurrentTasksPerWorker` says), and every
 * attempt carries one: aborting it is how a handler that ignores its time limit gets its thread
 * terminated. So this one fills threads up to `tasksPerThread`, least busy first, abortable or
 * not. An idle thread always wins, which also sends `threads` warm requests to `threads` threads.
 */
function leastBusyThread(tasksPerThread: number): LoadBalancer {
  return (_task, threads) => {
    let chosen: (typeof threads)[number] | null = null;
    let lowestUsage = tasksPerThread;
    for (const thread of threads) {
      // Piscina counts a thread running exactly one abortable task as infinitely busy.
      const usage = thread.isRunningAbortableTask ? 1 : thread.currentUsage;
      if (usage < lowestUsage) {
        chosen = thread;
        lowestUsage = usage;
      }
    }
    return chosen;
  };
}

/** The thread entry next to this build: `.js` from dist, `.ts` when running from source. */
function threadFile(): string {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`../worker/thread${extension}`, import.meta.url).href;
}
