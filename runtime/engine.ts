import { hostname } from 'node:os';
import { ownerId } from '../sdk/internal/owner-id.js';
import type { StoreConnection } from '../sdk/internal/store/index.js';
import { TaskClaimer } from '../sdk/internal/task-claimer.js';
import type { TaskParentRecord } from '../sdk/model.js';
import { PARENT_DEFAULTS } from '../sdk/options.js';
import type { ResolvedConfig } from './config.js';
import type { LoadedHandler } from './handler-loader.js';
import type { Logger } from './logger.js';
import { HandlerPool } from './pool/handler-pool.js';
import { TaskRunner } from './pool/task-runner.js';

/**
 * What runs tasks: one TaskClaimer for every handler's parent, feeding a thread pool with room for
 * as many attempts as the claimer's concurrency (threads × tasks per thread), so a claimed task
 * never waits for a slot.
 */
export class Engine {
  private constructor(
    /** The lease owner id its claims carry (`runtime@<host>:<pid>:<random>`). */
    readonly owner: string,
    private readonly pool: HandlerPool,
    private readonly runner: TaskRunner,
    private readonly claimer: TaskClaimer,
  ) {}

  static async start(
    config: ResolvedConfig,
    store: StoreConnection,
    handlers: readonly LoadedHandler[],
    parents: ReadonlyMap<string, TaskParentRecord>,
    logger: Logger,
  ): Promise<Engine> {
    const pool = new HandlerPool(
      {
        threads: config.concurrency,
        tasksPerThread: config.tasksPerThread,
        maxOldGenerationSizeMb: config.maxOldGenerationSizeMb,
        handlerConfig: { smtp: config.smtp },
      },
      logger.child({ component: 'pool' }),
    );
    try {
      await warmHandlers(pool, handlers, logger.child({ component: 'pool' }));
      const owner = ownerId('runtime');
      const runner = createRunner(config, handlers, pool, () => claimer, logger);
      const claimer = createClaimer(config, store, parents, { pool, runner, owner }, logger);
      await claimer.start();
      return new Engine(owner, pool, runner, claimer);
    } catch (error) {
      await pool.destroy();
      throw error;
    }
  }

  get threads(): number {
    return this.pool.threads;
  }

  get tasksPerThread(): number {
    return this.pool.tasksPerThread;
  }

  get inFlight(): number {
    return this.runner.inFlight;
  }

  /**
   * Stops claiming, waits up to `graceMs` for attempts in flight, gives back the leases of the
   * rest (their attempt is not spent), then terminates the threads. Returns how many it gave back.
   */
  async stop(graceMs: number): Promise<number> {
    const released = await this.claimer.drain(graceMs);
    await this.pool.destroy();
    await this.runner.settled();
    return released;
  }
}

/**
 * Loads the handlers in every thread before the first task. A handler that loaded in the
 * supervisor but throws or kills its thread when a pool thread loads it (a native addon that is
 * not thread-safe, code that checks `isMainThread`) does not stop the runtime: its tasks fail
 * their attempts (`threw` or `worker-crashed`), retried with backoff up to `maxAttempts`, while
 * the other handlers work. A dead thread is replaced without loading anything, so this cannot
 * become a restart loop. When warming fails, each handler is warmed alone to name the culprit.
 */
async function warmHandlers(
  pool: HandlerPool,
  handlers: readonly LoadedHandler[],
  log: Logger,
): Promise<void> {
  const files = handlers.map((h) => h.file);
  const failed = await warm(pool, files);
  if (failed === undefined) return;

  // A dead thread does not say which module killed it: warm each handler alone to find out.
  for (const { parent, file } of handlers) {
    const error = handlers.length === 1 ? failed : await warm(pool, [file]);
    if (error !== undefined) {
      log.error({ err: error, parent, handlerFile: file }, 'handler failed to load in a thread');
    }
  }
}

/** Warms every thread with `files`; resolves with the error rather than throwing it. */
async function warm(pool: HandlerPool, files: string[]): Promise<unknown> {
  try {
    await pool.warm(files);
    return undefined;
  } catch (error) {
    return error ?? new Error('warming the pool failed');
  }
}

function createRunner(
  config: ResolvedConfig,
  handlers: readonly LoadedHandler[],
  pool: HandlerPool,
  claimer: () => TaskClaimer,
  logger: Logger,
): TaskRunner {
  const handlerFiles = new Map(handlers.map((h) => [h.parent, h.file]));
  const loggers = {
    pool: logger.child({ component: 'pool' }),
    handler: logger.child({ component: 'handler' }),
  };
  return new TaskRunner(
    pool,
    claimer,
    { handlerFiles, abortGraceMs: config.abortGraceMs },
    loggers,
  );
}

function createClaimer(
  config: ResolvedConfig,
  store: StoreConnection,
  parents: ReadonlyMap<string, TaskParentRecord>,
  { pool, runner, owner }: { pool: HandlerPool; runner: TaskRunner; owner: string },
  logger: Logger,
): TaskClaimer {
  const records = [...parents.values()];
  // LIMITATION: policies are read once at start-up; a parent's policy changed later (by
  // taskParent.create elsewhere) applies to this runtime only after a restart.
  const policy = (name: string) => parents.get(name) ?? PARENT_DEFAULTS;
  return new TaskClaimer(
    store,
    {
      parents: records.map((p) => p.name),
      concurrency: pool.threads * pool.tasksPerThread,
      // LIMITATION: one claimer writes one lease length for all its parents, so the shortest
      // leaseMs applies to every handler; it is renewed every third of that while a task runs.
      leaseMs: Math.min(...records.map((p) => p.leaseMs)),
      backoffMs: (name) => policy(name).backoffMs,
      timeoutMs: (name) => policy(name).timeoutMs,
      retentionDays: (name) => policy(name).retentionDays,
      owner,
      sweepIntervalMs: config.sweepIntervalMs,
      // A restarted supervisor on this host continues its stream where the last one stopped.
      streamName: `supervisor:${hostname()}:${records
        .map((p) => p.name)
        .sort()
        .join(',')}`,
      execute: (work) => runner.execute(work),
    },
    logger.child({ component: 'claimer' }),
  );
}
