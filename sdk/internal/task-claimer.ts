import { FailureReason, toFailureRecord } from '../errors.js';
import type { TaskEventMap, TaskEventType } from '../events.js';
import type { TaskReply, TaskSnapshot } from '../model.js';
import { retryDelayMs } from './backoff.js';
import type { Logger } from './logger.js';
import { followStream } from './stream-follower.js';
import {
  claimNextTask,
  claimReadyTasks,
  commitReply,
  findNextRunAt,
  isChangeStreamUnsupported,
  reapExpiredLeases,
  recordProgress,
  loadStreamPosition,
  saveStreamPosition,
  recordFailure,
  releaseLease,
  renewLease,
  watchPendingTasks,
  type StoreConnection,
  type TaskCursor,
} from './store/index.js';
import { ClaimedWork, type LeaseCommitter } from './claimed-work.js';
import { writeFenced } from './fenced-write.js';

/** Most tasks one batch claim takes (a backlog is claimed in batches up to the free room). */
const MAX_CLAIM_BATCH = 100;

export interface TaskClaimerOptions {
  /** Parents whose tasks this claimer takes. */
  parents: readonly string[];
  /** Most tasks held at once. */
  concurrency: number;
  /** Lease length; renewed every third of it while a task is held. */
  leaseMs: number;
  /** Retry backoff base, per parent. */
  backoffMs: (parent: string) => number;
  /** Handler time limit, per parent; past it the attempt fails with reason `timeout`. */
  timeoutMs: (parent: string) => number;
  /** Who holds the leases (host, pid, instance): shown to operators. */
  owner: string;
  /** Safety-net period for reaping expired leases and claiming whatever the stream missed. */
  sweepIntervalMs: number;
  /** Event retention class per parent, in days. @default 30 */
  retentionDays?: (parent: string) => number;
  /**
   * Persist the change stream's position under this name and continue from it after a restart
   * (when the server still has that history). @default not persisted
   */
  streamName?: string;
  /** Takes ownership of a claimed task; must end it with complete, fail or release. */
  execute(work: ClaimedWork): void;
}

/**
 * Claims tasks for a set of parents and keeps their leases alive until they are answered.
 *
 * A change stream on pending tasks buys latency; correctness rests on the periodic sweep, which
 * reaps expired leases and claims whatever is ready, so a missed event only costs time.
 */
export class TaskClaimer implements LeaseCommitter {
  private readonly held = new Map<string, ClaimedWork>();
  private readonly deadlines = new Map<ClaimedWork, NodeJS.Timeout>();
  private cursor: TaskCursor | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private wakeTimer: NodeJS.Timeout | null = null;
  private wakeAt = Infinity;
  private renewTimer: NodeJS.Timeout | null = null;
  private renewing = false;
  private sweeping = false;
  private pumping = false;
  private pumpAgain = false;
  private maybeBacklog = true;
  /** The last pump stopped because the concurrency was used up, not for lack of tasks. */
  private stoppedAtCapacity = false;
  private stopped = false;
  private savedToken: unknown = null;
  private drained: (() => void) | null = null;

  constructor(
    private readonly store: StoreConnection,
    private readonly options: TaskClaimerOptions,
    private readonly logger: Logger,
  ) {}

  get inFlight(): number {
    return this.held.size;
  }

  async start(): Promise<void> {
    await this.openStream();
    this.sweepTimer = setInterval(() => void this.sweep(), this.options.sweepIntervalMs);
    this.renewTimer = setInterval(
      () => void this.renewAll(),
      Math.max(50, this.options.leaseMs / 3),
    );
    // The first sweep claims any backlog; start() returns once claiming has begun rather than
    // after the backlog is worked off (sweep() reports its own errors).
    void this.sweep();
  }

  /** Stops claiming. Held tasks stay with their executors; see `drain`. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of [this.sweepTimer, this.wakeTimer]) if (timer) clearTimeout(timer);
    await this.persistStreamPosition();
    await this.cursor?.close();
  }

  /**
   * Stops claiming, waits up to `graceMs` for held tasks to be answered, then gives back every
   * lease still held without spending the task's attempt. Returns how many were given back.
   */
  async drain(graceMs: number): Promise<number> {
    // Leases are renewed through the grace period; the timer stops even when a step fails (the
    // database gone), or it would keep the process alive after close.
    try {
      await this.stop();
      if (this.held.size > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, graceMs);
          this.drained = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }

      const leftovers = [...this.held.values()];
      await Promise.all(leftovers.map((work) => work.release()));
      return leftovers.length;
    } finally {
      if (this.renewTimer) clearInterval(this.renewTimer);
    }
  }

  async close(): Promise<void> {
    try {
      await this.stop();
    } finally {
      if (this.renewTimer) clearInterval(this.renewTimer);
    }
  }

  // ---- LeaseCommitter: how ClaimedWork writes its outcome ------------------------------------

  async commit(work: ClaimedWork, reply: TaskReply): Promise<boolean> {
    const committed = await this.finish(work, () =>
      commitReply(this.store, work.task.id, work.token, reply),
    );
    if (committed) {
      const type = reply.status === 'success' ? 'succeeded' : 'failed';
      this.emit(type, work.task, { attempt: work.task.attempts, reply });
    }
    return committed;
  }

  async fail(work: ClaimedWork, error: unknown, reason: FailureReason): Promise<boolean> {
    const { task } = work;
    const now = this.store.clock.now();
    const failure = toFailureRecord(error, reason, task.attempts, now);
    const retry = failure.retryable && task.attempts < task.maxAttempts;
    const retryAt = retry
      ? new Date(now.getTime() + retryDelayMs(this.options.backoffMs(task.parent), task.attempts))
      : null;

    const recorded = await this.finish(work, () =>
      recordFailure(this.store, task.id, work.token, failure, retryAt),
    );
    if (recorded && retryAt)
      this.emit('retrying', task, { attempt: task.attempts, failure, retryAt });
    if (recorded && !retryAt) this.emit('dead', task, { attempt: task.attempts, failure });
    return recorded;
  }

  private emit<E extends TaskEventType>(
    type: E,
    task: { id: string; parent: string },
    data: TaskEventMap[E],
  ): void {
    this.store.eventLog.emit({
      type,
      parent: task.parent,
      taskId: task.id,
      data,
      retentionDays: this.options.retentionDays?.(task.parent) ?? 30,
    });
  }

  async progress(work: ClaimedWork, value: unknown): Promise<boolean> {
    const held = await recordProgress(this.store, work.task.id, work.token, value);
    if (!held) return false;
    this.emit('progress', work.task, { attempt: work.task.attempts, value });
    // Written before the call returns, so a task's progress events always precede its result.
    await this.store.eventLog.flush();
    return true;
  }

  async release(work: ClaimedWork): Promise<boolean> {
    return this.finish(work, () => releaseLease(this.store, work.task.id, work.token));
  }

  private async finish(work: ClaimedWork, write: () => Promise<boolean>): Promise<boolean> {
    try {
      const lease = { taskId: work.task.id, token: work.token };
      // The work stays held meanwhile, so its lease keeps being renewed through a retry.
      const held = await writeFenced(this.store, lease, write, this.logger);
      if (!held) this.logger.warn({ taskId: work.task.id }, 'lease lost before the outcome');
      return held;
    } finally {
      this.forget(work);
      if (this.held.size === 0) this.drained?.();
      if (this.maybeBacklog) void this.pump();
    }
  }

  /**
   * Drops `work` from the held set and disarms its time limit. Only its own entry: after a lost
   * lease, the same task may be held again here by a newer attempt.
   */
  private forget(work: ClaimedWork): void {
    clearTimeout(this.deadlines.get(work));
    this.deadlines.delete(work);
    if (this.held.get(work.task.id) === work) this.held.delete(work.task.id);
  }

  // ---- Claiming ---------------------------------------------------------------------------------

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        await this.claimWhileCapacity();
      } while (this.pumpAgain && !this.stopped);
    } catch (error) {
      // A claim cut short by stop() (the connection closing under it) is not a failure.
      if (!this.stopped) this.logger.warn({ err: error }, 'claim failed');
    } finally {
      this.pumping = false;
    }
  }

  /**
   * Claims until the concurrency is used up or nothing is ready. Without a known backlog a claim
   * takes one task in one round trip (light load); once one found work, or the last pump stopped
   * at full capacity, the free room is claimed in batches of three round trips each, so a backlog
   * costs round trips per batch rather than per task.
   */
  private async claimWhileCapacity(): Promise<void> {
    const { parents, owner, leaseMs, concurrency } = this.options;
    let backlog = this.stoppedAtCapacity;
    while (!this.stopped && this.held.size < concurrency) {
      const room = Math.min(concurrency - this.held.size, MAX_CLAIM_BATCH);
      const claimed =
        backlog && room > 1
          ? await claimReadyTasks(this.store, parents, owner, leaseMs, room)
          : await claimNextTask(this.store, parents, owner, leaseMs).then((c) => (c ? [c] : null));
      if (!claimed) {
        this.maybeBacklog = false;
        this.stoppedAtCapacity = false;
        await this.scheduleWake();
        return;
      }
      for (const { task, token } of claimed) this.dispatch(task, token);
      backlog = true;
    }
    this.maybeBacklog = true;
    this.stoppedAtCapacity = true;
  }

  private dispatch(task: TaskSnapshot, token: string): void {
    const timeoutMs = this.options.timeoutMs(task.parent);
    const work = new ClaimedWork(task, token, Date.now() + timeoutMs, this);
    // This claimer still holding an older attempt means that attempt's lease expired and was
    // reaped (by another claimer) before a renewal noticed: tell it now, so it stops and cannot
    // shadow the new one.
    const stale = this.held.get(task.id);
    if (stale) {
      this.forget(stale);
      stale.loseLease();
    }
    this.held.set(task.id, work);
    this.armDeadline(work, timeoutMs);
    this.emit('started', task, { attempt: task.attempts, owner: this.options.owner });
    this.logger.debug(
      { taskId: task.id, parent: task.parent, attempt: task.attempts },
      'task claimed',
    );

    try {
      this.options.execute(work);
    } catch (error) {
      void work.fail(error, FailureReason.Threw);
    }
  }

  /**
   * Fails the attempt at its time limit, on a timer of its own: the time limit does not wait for
   * the next lease renewal, which may be far longer away.
   */
  private armDeadline(work: ClaimedWork, timeoutMs: number): void {
    const timer = setTimeout(() => {
      this.deadlines.delete(work);
      work
        .timeOut()
        .catch((error: unknown) =>
          this.logger.warn({ err: error, taskId: work.task.id }, 'timeout not recorded'),
        );
    }, timeoutMs);
    this.deadlines.set(work, timer);
  }

  private async sweep(): Promise<void> {
    // A sweep stuck waiting for an unreachable server is not joined by another every period.
    if (this.stopped || this.sweeping) return;
    this.sweeping = true;
    try {
      await this.store.clock.refresh();
      await this.persistStreamPosition();
      // Not the leases held here: their holder is alive, merely late to renew (a busy machine,
      // a database outage), and renews them next.
      const own = [...this.held.values()].map((work) => work.token);
      const reaped = await reapExpiredLeases(this.store, this.options.parents, own);
      for (const lease of reaped) {
        const task = { id: lease.taskId, parent: lease.parent };
        this.emit('lease-expired', task, { attempt: lease.attempt, owner: lease.owner });
        if (lease.dead) this.emit('dead', task, { attempt: lease.attempt, failure: lease.failure });
      }
      if (reaped.length > 0) this.logger.info({ reaped: reaped.length }, 'expired leases reaped');
      this.maybeBacklog = true;
      await this.pump();
    } catch (error) {
      this.logger.warn({ err: error }, 'sweep failed');
    } finally {
      this.sweeping = false;
    }
  }

  /** One timer for the earliest future task, so scheduled work starts on time without polling. */
  private async scheduleWake(): Promise<void> {
    const next = await findNextRunAt(this.store, this.options.parents);
    if (next) this.wakeAtTime(next);
  }

  private wakeAtTime(runAt: Date): void {
    const at = runAt.getTime();
    if (at >= this.wakeAt || this.stopped) return;

    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    const delay = Math.max(0, at - this.store.clock.now().getTime());
    this.wakeTimer = setTimeout(() => {
      this.wakeAt = Infinity;
      this.maybeBacklog = true;
      void this.pump();
    }, delay);
  }

  // ---- Leases -----------------------------------------------------------------------------------

  /**
   * Extends one held lease now (a handler's heartbeat). False when the task is no longer held
   * here: answered, timed out, or taken by another holder (its executor's signal then aborts).
   */
  async renew(work: ClaimedWork): Promise<boolean> {
    if (work.isSettled || this.held.get(work.task.id) !== work) return false;
    const held = await renewLease(this.store, work.task.id, work.token, this.options.leaseMs);
    if (!held && this.held.get(work.task.id) === work) {
      this.forget(work);
      this.logger.warn({ taskId: work.task.id }, 'lease lost');
      work.loseLease();
    }
    return held;
  }

  private async renewAll(): Promise<void> {
    // While the server is unreachable a round may wait for it; rounds do not pile up meanwhile.
    if (this.renewing) return;
    this.renewing = true;
    try {
      const rounds = await Promise.allSettled([...this.held.values()].map((w) => this.renew(w)));
      const failed = rounds.filter((round) => round.status === 'rejected');
      if (failed.length > 0) {
        this.logger.warn({ err: failed[0]!.reason, failed: failed.length }, 'lease renewal failed');
      }
    } finally {
      this.renewing = false;
    }
  }

  // ---- Stream -----------------------------------------------------------------------------------

  private async openStream(): Promise<void> {
    const cursor = await this.openSavedOrFresh();
    if (!cursor) return;
    this.cursor = cursor;
    void this.follow(cursor);
  }

  /** The stream from its saved position when there is one the server still has, else fresh. */
  private async openSavedOrFresh(): Promise<TaskCursor | null> {
    const name = this.options.streamName;
    const saved = name ? await loadStreamPosition(this.store, name) : null;
    const cursor = watchPendingTasks(this.store, this.options.parents, saved ?? undefined);
    try {
      const first = await cursor.establish();
      if (first) this.onPending(first);
      return cursor;
    } catch (error) {
      await cursor.close().catch(() => undefined);
      if (saved && !isChangeStreamUnsupported(error)) {
        // The history behind the saved position is gone (ChangeStreamHistoryLost, or a token
        // the server cannot read): start from now; the start-up sweep claims the backlog.
        this.logger.warn({ err: error, streamName: name }, 'stream position lost, starting fresh');
        const fresh = watchPendingTasks(this.store, this.options.parents);
        await fresh.establish();
        return fresh;
      }
      if (!isChangeStreamUnsupported(error)) throw error;
      this.logger.warn(
        { sweepIntervalMs: this.options.sweepIntervalMs },
        'change streams unavailable, polling',
      );
      return null;
    }
  }

  private async persistStreamPosition(): Promise<void> {
    const token = this.cursor?.resumeToken;
    if (!this.options.streamName || !token || token === this.savedToken) return;
    try {
      await saveStreamPosition(this.store, this.options.streamName, token as never);
      this.savedToken = token;
    } catch (error) {
      this.logger.warn({ err: error }, 'stream position not saved');
    }
  }

  /** Follows the stream; after a failure, a fresh stream and a catch-up sweep. */
  private follow(cursor: TaskCursor): Promise<void> {
    return followStream(cursor, {
      name: 'task',
      open: () => watchPendingTasks(this.store, this.options.parents),
      onItem: (task) => this.onPending(task),
      onReopened: (reopened) => (this.cursor = reopened as TaskCursor),
      catchUp: () => this.sweep(),
      isStopped: () => this.stopped,
      logger: this.logger,
    });
  }

  private onPending(task: TaskSnapshot): void {
    if (task.runAt.getTime() > this.store.clock.now().getTime()) {
      this.wakeAtTime(task.runAt);
      return;
    }
    this.maybeBacklog = true;
    if (this.held.size < this.options.concurrency) void this.pump();
  }
}
