import { ErrorCode, TumnusError } from '../../../sdk/errors.js';
import { ClientCore } from '../../../sdk/internal/client-core.js';
import { createDefaultLogger } from '../../../sdk/internal/logger.js';
import { isTaskId, type StoreConnection } from '../../../sdk/internal/store/index.js';
import { TaskHandle } from '../../../sdk/task-handle.js';
import { TaskParents } from '../../../sdk/task-parents.js';
import { resolveConfig } from '../../config/resolve-config.js';

/** Flags every operator command takes to find its database, resolved as `start` does. */
export interface ConnectionArgs {
  mongo?: string;
  db?: string;
  config?: string;
}

const SERVER_SELECTION_TIMEOUT_MS = 10_000;

/**
 * An operator command's connection: the SDK's client core over the configured database (one
 * MongoClient, connected on first use), with its parents and task handles. Never starts an
 * embedded database: a command against a database nobody named is a mistake, not a default.
 */
export class OperatorSession {
  readonly parents: TaskParents;

  private constructor(private readonly core: ClientCore) {
    this.parents = new TaskParents(core);
  }

  /** Resolves flags > config file > environment like `start`; refuses when no URI results. */
  static async open(args: ConnectionArgs): Promise<OperatorSession> {
    const config = await resolveConfig({
      flags: { mongoUri: args.mongo, dbName: args.db },
      configFile: args.config,
    });
    if (config.mongoUri === undefined) {
      throw new TumnusError(
        ErrorCode.ConfigInvalid,
        'no MongoDB URI configured: pass --mongo, set TUMNUS_MONGO_URI or mongoUri in the ' +
          'config file (operator commands never start an embedded database)',
      );
    }

    const core = new ClientCore(
      {
        uri: config.mongoUri,
        ...(config.dbName !== undefined ? { dbName: config.dbName } : {}),
        appName: 'tumnus-cli',
        serverSelectionTimeoutMs: SERVER_SELECTION_TIMEOUT_MS,
      },
      createDefaultLogger(),
    );
    return new OperatorSession(core);
  }

  store(): Promise<StoreConnection> {
    return this.core.connection();
  }

  /** A handle on task `id`; a malformed id is refused before any query. */
  task(id: string): TaskHandle {
    assertTaskId(id);
    return new TaskHandle(id, undefined, this.core);
  }

  close(): Promise<void> {
    return this.core.close();
  }
}

export function assertTaskId(id: string): void {
  if (!isTaskId(id)) {
    throw new TumnusError(
      ErrorCode.InvalidArgument,
      `a task id is 24 hexadecimal characters (got ${JSON.stringify(id.slice(0, 40))})`,
    );
  }
}
