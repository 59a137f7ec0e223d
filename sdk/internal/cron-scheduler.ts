import { Cron } from 'croner';
import type { Logger } from './logger.js';
import {
  createTask,
  findParent,
  newTaskId,
  listSchedules,
  recordFire,
  type ScheduleRecord,
  type StoreConnection,
} from './store/index.js';

/** How often schedules are re-read, to pick up ones added or changed elsewhere. */
const RELOAD_EVERY_MS = 30_000;

interface ArmedSchedule {
  record: ScheduleRecord;
  cron: Cron;
}

/**
 * Creates the tasks of recurring schedules. Every supervisor runs one; each fire is created
 * exactly once across all of them, because its task carries the idempotency key
 * `cron:<name>:<fire time>` and the unique index lets only the first insert through.
 *
 * Catch-up policy: a fire missed while nothing was running is made up once, at start-up — only
 * the latest missed fire, never a burst of all of them.
 */
export class CronScheduler {
  private armed: ArmedSchedule[] = [];
  private timer: NodeJS.Timeout | null = null;
  private reloadTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly store: StoreConnection,
    private readonly logger: Logger,
    private readonly parents?: readonly string[],
  ) {}

  async start(): Promise<void> {
    await this.reload();
    this.reloadTimer = setInterval(() => void this.reload(), RELOAD_EVERY_MS);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.reloadTimer) clearInterval(this.reloadTimer);
  }

  private async reload(): Promise<void> {
    try {
      const records = await listSchedules(this.store, this.parents);
      this.armed = records.flatMap((record) => this.arm(record));
      await this.fireDue();
    } catch (error) {
      this.logger.warn({ err: error }, 'schedules reload failed');
    }
  }

  private arm(record: ScheduleRecord): ArmedSchedule[] {
    try {
      return [{ record, cron: new Cron(record.cron, { timezone: record.timezone, paused: true }) }];
    } catch (error) {
      this.logger.error({ err: error, schedule: record.name }, 'schedule pattern invalid');
      return [];
    }
  }

  /** Creates the latest due fire of every schedule that has not had it yet, then re-arms. */
  private async fireDue(): Promise<void> {
    const now = this.store.clock.now();
    for (const schedule of this.armed) {
      const due = schedule.cron.previousRuns(1, new Date(now.getTime() + 1))[0];
      const since = schedule.record.lastFireAt ?? schedule.record.createdAt;
      if (due && due > since) await this.fire(schedule.record, due);
    }
    this.scheduleNext();
  }

  private async fire(record: ScheduleRecord, fireAt: Date): Promise<void> {
    try {
      const parent = await findParent(this.store, record.parent);
      if (!parent || parent.deleting) return;

      const { task, created, withdrawn } = await createTask(this.store, parent, {
        id: newTaskId(),
        payload: record.payload,
        runAt: fireAt,
        maxAttempts: parent.maxAttempts,
        idempotencyKey: `cron:${record.name}:${fireAt.toISOString()}`,
      });
      if (withdrawn) return;
      if (created) {
        this.logger.debug({ schedule: record.name, fireAt, taskId: task.id }, 'schedule fired');
      }
      await recordFire(this.store, record.parent, record.name, fireAt);
      record.lastFireAt = fireAt;
    } catch (error) {
      this.logger.warn({ err: error, schedule: record.name, fireAt }, 'schedule fire failed');
    }
  }

  /** One timer for the earliest next fire of all schedules. */
  private scheduleNext(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);

    const now = this.store.clock.now();
    const next = this.armed
      .map((schedule) => schedule.cron.nextRun(now)?.getTime() ?? Infinity)
      .reduce((a, b) => Math.min(a, b), Infinity);
    if (next === Infinity) return;

    // Timers cannot wait longer than ~24.8 days; a reload re-arms long before that anyway.
    const delay = Math.min(Math.max(0, next - now.getTime()), RELOAD_EVERY_MS);
    this.timer = setTimeout(() => void this.fireDue(), delay);
  }
}
