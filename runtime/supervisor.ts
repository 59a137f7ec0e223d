import { CronScheduler } from '../sdk/internal/cron-scheduler.js';
import { ownerId } from '../sdk/internal/owner-id.js';
import { redactUri } from '../sdk/internal/redact-uri.js';
import { upsertParent, type StoreConnection } from '../sdk/internal/store/index.js';
import type { TaskParentRecord } from '../sdk/model.js';
import { PARENT_DEFAULTS } from '../sdk/options.js';
import type { ResolvedConfig } from './config.js';
import { openDatabase, type RuntimeDatabase } from './database.js';
import { Engine } from './engine.js';
import { loadHandlers, type LoadedHandler } from './handler-loader.js';
import type { Logger } from './logger.js';
import { SupervisorRegistration } from './supervisor-registration.js';

/**
 * The runtime's main-thread side: loads the handlers, opens the database (embedded when no URI
 * is configured), makes sure every handler's parent exists and starts the engine that runs their
 * tasks. Without handlers it only hosts the database. `stop` drains and closes all of it.
 */
export class Supervisor {
  private stopping: Promise<void> | null = null;

  private constructor(
    private readonly config: ResolvedConfig,
    private readonly database: RuntimeDatabase,
    private readonly engine: Engine | null,
    private readonly scheduler: CronScheduler,
    private readonly registration: SupervisorRegistration,
    private readonly logger: Logger,
  ) {}

  static async start(config: ResolvedConfig, logger: Logger): Promise<Supervisor> {
    const startedAt = performance.now();
    const log = logger.child({ component: 'supervisor' });
    const discovery = logger.child({ component: 'discovery' });
    const handlers = await loadHandlers(config.handlersDir, discovery);
    logHandlers(log, config.handlersDir, handlers);

    const database = await openDatabase(config, logger);
    let engine: Engine | null;
    try {
      engine = await startEngine(config, database.store, handlers, logger);
    } catch (error) {
      await database.close();
      throw error;
    }

    // Every supervisor fires every schedule; idempotency keys make each fire a single task.
    const scheduler = new CronScheduler(database.store, logger.child({ component: 'scheduler' }));
    await scheduler.start();

    // Heartbeats in `supervisors`, so `tumnus-runtime status` can list the live runtimes.
    const registration = await SupervisorRegistration.start(
      database.store,
      {
        id: engine?.owner ?? ownerId('runtime'),
        poolSize: engine?.threads ?? 0,
        parents: handlers.map((h) => h.parent),
      },
      log,
    );
    const supervisor = new Supervisor(config, database, engine, scheduler, registration, log);
    supervisor.logReady(handlers, performance.now() - startedAt);
    return supervisor;
  }

  /** Stops claiming, waits up to `graceMs` for in-flight attempts, gives back the rest, closes. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const startedAt = performance.now();
    const { graceMs } = this.config;
    this.logger.info({ inFlight: this.engine?.inFlight ?? 0, graceMs }, 'runtime stopping');

    this.scheduler.stop();
    const released = (await this.engine?.stop(graceMs)) ?? 0;
    await this.registration.stop();
    await this.database.close();

    const durationMs = Math.round(performance.now() - startedAt);
    this.logger.info({ released, durationMs }, 'runtime stopped');
  }

  private logReady(handlers: LoadedHandler[], startupMs: number): void {
    this.logger.info(
      {
        mongoUri: redactUri(this.database.uri),
        database: this.database.store.db.databaseName,
        handlers: handlers.map((h) => h.parent),
        concurrency: this.engine?.threads ?? 0,
        tasksPerThread: this.engine?.tasksPerThread ?? 0,
        embedded: this.database.embedded?.kind,
        startupMs: Math.round(startupMs),
      },
      'runtime ready',
    );
  }
}

function logHandlers(log: Logger, handlersDir: string, handlers: LoadedHandler[]): void {
  if (handlers.length === 0) {
    log.warn({ handlersDir }, 'no handlers found');
    return;
  }
  log.info({ handlersDir, handlers: handlers.map((h) => h.parent) }, 'handlers registered');
}

async function startEngine(
  config: ResolvedConfig,
  store: StoreConnection,
  handlers: LoadedHandler[],
  logger: Logger,
): Promise<Engine | null> {
  if (handlers.length === 0) return null;
  const parents = await ensureParents(store, handlers);
  return Engine.start(config, store, handlers, parents, logger);
}

/** Creates each handler's parent if missing; a handler's `options` overwrite those fields. */
async function ensureParents(
  store: StoreConnection,
  handlers: LoadedHandler[],
): Promise<Map<string, TaskParentRecord>> {
  const parents = new Map<string, TaskParentRecord>();
  for (const { parent, policy } of handlers) {
    parents.set(parent, await upsertParent(store, parent, policy, PARENT_DEFAULTS));
  }
  return parents;
}
