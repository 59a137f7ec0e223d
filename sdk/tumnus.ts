import { ClientCore } from './internal/client-core.js';
import { registerClient, unregisterClient } from './internal/default-client.js';
import { createDefaultLogger } from './internal/logger.js';
import { parseTumnusOptions, TUMNUS_DEFAULTS, type TumnusOptions } from './options.js';
import { bindTaskClass, type BoundTaskClass } from './task.js';
import { TaskParents } from './task-parents.js';
import { Tasks } from './tasks.js';

/**
 * A Tumnus client. Nothing connects until the first operation.
 *
 * ```ts
 * const { taskParent, tasks, Task, close } = new Tumnus(process.env.MONGO_URI);
 * ```
 * Every member is an own property, so destructuring works; `connect` is optional; `close` ends
 * streams, responders and the connection.
 */
export class Tumnus {
  readonly taskParent: TaskParents;
  readonly tasks: Tasks;
  /** `Task` bound to this client: `new Task('SendEmail').send(payload)`. */
  readonly Task: BoundTaskClass;
  /**
   * Connects now rather than at the first operation, and opens the change stream that results
   * reach waiting senders on. Optional: without it the first `send(..., { waitForComplete })`
   * does this and waits for it (the server holds a new stream's first read for up to a second).
   * Rejects with `CONNECTION_FAILED` when the server cannot be reached.
   */
  readonly connect: () => Promise<void>;
  readonly close: () => Promise<void>;

  constructor(uriOrOptions: string | TumnusOptions) {
    const options = parseTumnusOptions(uriOrOptions);
    const logger = options.logger ?? createDefaultLogger();
    const core = new ClientCore(
      {
        uri: options.uri,
        ...(options.dbName ? { dbName: options.dbName } : {}),
        ...(options.appName ? { appName: options.appName } : {}),
        serverSelectionTimeoutMs:
          options.serverSelectionTimeoutMs ?? TUMNUS_DEFAULTS.serverSelectionTimeoutMs,
      },
      logger,
    );
    registerClient(core);

    this.taskParent = new TaskParents(core);
    this.tasks = new Tasks(core);
    this.Task = bindTaskClass(core);
    this.connect = () => core.completions.ready();
    this.close = async () => {
      unregisterClient(core);
      await core.close();
    };
  }
}
