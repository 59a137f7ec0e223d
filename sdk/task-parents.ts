import { setTimeout as delay } from 'node:timers/promises';
import type { ClientCore } from './internal/client-core.js';
import { PARENT_TRUST_MS } from './internal/recent-parents.js';
import { ErrorCode, TumnusError } from './errors.js';
import {
  countUnfinished,
  deleteParent,
  deleteSchedule,
  listSchedules,
  upsertSchedule,
  type ScheduleRecord,
  findParent,
  findUnfinishedIds,
  listParents,
  markParentDeleting,
  unmarkParentDeleting,
  upsertParent,
  type StoreConnection,
} from './internal/store/index.js';
import { TaskHandle } from './task-handle.js';
import { assertKnownKeys, assertParentName, assertPlainObject } from './internal/validate.js';
import type { TaskParentRecord } from './model.js';
import {
  PARENT_DEFAULTS,
  parseParentOptions,
  parseScheduleOptions,
  type ScheduleOptions,
  type TaskParentOptions,
} from './options.js';

/** Past the longest a send trusts an earlier reading of a parent, with room for its reply. */
const PARENT_DELETE_SETTLE_MS = PARENT_TRUST_MS + 500;

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
    this.core.recentParents.forget(name);
    return upsertParent(store, name, policy, PARENT_DEFAULTS);
  }

  async get(name: string): Promise<TaskParentRecord | null> {
    assertParentName(name);
    return findParent(await this.core.connection(), name);
  }

  /**
   * Deletes a parent. While it has unfinished (pending, scheduled or running) tasks this is
   * refused with `PARENT_HAS_UNFINISHED_TASKS`, unless `cancelUnfinished` is set: then each is
   * cancelled first (a `cancelled` event each; waiters resolve with `cancelled`). Finished tasks
   * stay, as every task does. Returns false when there was no such parent.
   */
  async delete(name: string, options: { cancelUnfinished?: boolean } = {}): Promise<boolean> {
    assertParentName(name);
    assertPlainObject(options, 'options');
    assertKnownKeys(options, ['cancelUnfinished'], 'options');
    const store = await this.core.connection();
    this.core.recentParents.forget(name);

    // Refusing early marks nothing, so a refused delete does not hold up anyone's sends.
    if (!options.cancelUnfinished) await this.refuseIfUnfinished(store, name);

    // From here on sends are refused, so no task can slip in behind the check below.
    if (!(await markParentDeleting(store, name))) return false;
    try {
      // A send in any process may still trust a reading of the parent taken just before the
      // mark (RecentParents). Past this wait every send reads the mark before it inserts, and
      // the few already between their read and their insert take their task back themselves.
      await delay(PARENT_DELETE_SETTLE_MS);
      if (options.cancelUnfinished) await this.cancelAll(name);
      await this.refuseIfUnfinished(store, name);
    } catch (error) {
      await unmarkParentDeleting(store, name);
      throw error;
    }
    return deleteParent(store, name);
  }

  private async refuseIfUnfinished(store: StoreConnection, name: string): Promise<void> {
    const left = await countUnfinished(store, name);
    if (left.pending + left.leased > 0) {
      throw new TumnusError(
        ErrorCode.ParentHasUnfinishedTasks,
        `task parent ${name} has ${left.pending} pending and ${left.leased} running tasks; ` +
          'let them finish or pass { cancelUnfinished: true }',
      );
    }
  }

  private async cancelAll(name: string): Promise<void> {
    const store = await this.core.connection();
    for (;;) {
      const ids = await findUnfinishedIds(store, name, 500);
      if (ids.length === 0) return;
      await Promise.all(
        ids.map((id) => new TaskHandle(id, name, this.core).cancel('task parent deleted')),
      );
    }
  }

  /**
   * Adds (or updates) a recurring schedule: one task of `parent` per fire of `cron` in
   * `timezone` (default UTC), created by the running supervisors — exactly once per fire across
   * all of them. A fire missed while no supervisor ran is made up once at start-up (only the
   * latest one, never a burst).
   */
  async schedule(parent: string, options: ScheduleOptions): Promise<ScheduleRecord> {
    assertParentName(parent, 'parent');
    const schedule = parseScheduleOptions(options);
    const store = await this.core.connection();
    await this.core.requireParent(parent);
    return upsertSchedule(store, { parent, ...schedule });
  }

  async unschedule(parent: string, name: string): Promise<boolean> {
    assertParentName(parent, 'parent');
    assertParentName(name, 'name');
    return deleteSchedule(await this.core.connection(), parent, name);
  }

  async schedules(parent?: string): Promise<ScheduleRecord[]> {
    if (parent !== undefined) assertParentName(parent, 'parent');
    return listSchedules(await this.core.connection(), parent ? [parent] : undefined);
  }

  async list(): Promise<TaskParentRecord[]> {
    return listParents(await this.core.connection());
  }
}
