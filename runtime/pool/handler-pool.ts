import { Piscina } from 'piscina';
import type { HandlerConfig } from '../handler-types.js';
import type { Logger } from '../logger.js';
import type { RunOutcome, RunRequest, ThreadData, WarmRequest } from './protocol.js';

export interface HandlerPoolOptions {
  /** Threads in the pool: all started up front and kept. */
  threads: number;
  /** Heap limit per thread; a thread that exceeds it dies alone. */
  maxOldGenerationSizeMb: number;
  handlerConfig: HandlerConfig;
}

/**
 * The Piscina pool of handler threads. A thread runs one attempt at a time; a thread that dies
 * (out of memory, `process.exit`, an uncaught error) rejects its attempt and is replaced.
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
      concurrentTasksPerWorker: 1,
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

  /**
   * Loads every handler in every thread before the first task. Threads take one request each, so
   * `threads` concurrent requests normally reach every thread once; a thread that missed out
   * loads a handler on its first task of that parent.
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

/** The thread entry next to this build: `.js` from dist, `.ts` when running from source. */
function threadFile(): string {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`../worker/thread${extension}`, import.meta.url).href;
}
