import type { ClientCore } from './internal/client-core.js';
import { findParent, listParents, upsertParent } from './internal/store/index.js';
import { assertParentName } from './internal/validate.js';
import type { TaskParentRecord } from './model.js';
import { PARENT_DEFAULTS, parseParentOptions, type TaskParentOptions } from './options.js';

/** Task parents: the named queues that decide whether a task may be created. */
export class TaskParents {
  constructor(private readonly core: ClientCore) {}

  /**
   * Creates a parent, or updates the policy fields given for an existing one. Safe to call from
   * every process at start-up.
   */
  async create(options: TaskParentOptions): Promise<TaskParentRecord> {
    const { name, policy } = parseParentOptions(options);
    const store = await this.core.connection();
    return upsertParent(store, name, policy, PARENT_DEFAULTS);
  }

  async get(name: string): Promise<TaskParentRecord | null> {
    assertParentName(name);
    return findParent(await this.core.connection(), name);
  }

  async list(): Promise<TaskParentRecord[]> {
    return listParents(await this.core.connection());
  }
}
