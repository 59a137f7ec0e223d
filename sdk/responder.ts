import { FailureReason } from './errors.js';
import type { ClaimedWork } from './internal/claimed-work.js';
import type { ClientCore } from './internal/client-core.js';
import type { Logger } from './internal/logger.js';
import { TaskClaimer } from './internal/task-claimer.js';
import { ResultStatus, type TaskReply } from './model.js';
import type { ResponderOptions } from './options.js';
import { deliveredTask, type Task } from './task.js';
import { ownerId } from './internal/owner-id.js';

/**
 * Called once per claimed task. Reply with `task.send({ status, payload })`, now or later, or
 * return (or resolve with) a `{ status, payload }` reply. Throwing fails the attempt, which is
 * retried with backoff while attempts remain. Until a reply, the task's lease is kept alive.
 */
export type CreatedListener<P = unknown, R = unknown> = (
  task: Task<P, R>,
) => void | TaskReply<R> | Promise<void | TaskReply<R>>;

/**
 * A `'created'` listener at work: it shares each parent's tasks with every other responder and
 * handler, in this process and others. Each task goes to exactly one of them at a time.
 */
export class Responder {
  /** Resolves once the responder is claiming; rejects if it could not start (unknown parent). */
  readonly ready: Promise<void>;
  private claimer: TaskClaimer | null = null;
  private closed = false;

  constructor(
    private readonly core: ClientCore,
    private readonly parent: string,
    private readonly listener: CreatedListener<unknown, unknown>,
    private readonly options: Required<ResponderOptions>,
    private readonly logger: Logger,
  ) {
    this.ready = this.start();
    // A failed start is reported here; callers may also await `ready` to handle it themselves.
    this.ready.catch((error: unknown) =>
      this.logger.error({ err: error }, 'responder failed to start'),
    );
  }

  /** Stops claiming and gives back tasks not yet answered (without spending their attempt). */
  async close(graceMs = 0): Promise<void> {
    this.closed = true;
    this.core.disown(this);
    await this.ready.catch(() => undefined);
    await this.claimer?.drain(graceMs);
  }

  private async start(): Promise<void> {
    const parent = await this.core.requireParent(this.parent);
    const store = await this.core.connection();
    if (this.closed) return;

    this.claimer = new TaskClaimer(
      store,
      {
        parents: [this.parent],
        concurrency: this.options.concurrency,
        leaseMs: parent.leaseMs,
        backoffMs: () => parent.backoffMs,
        timeoutMs: () => parent.timeoutMs,
        retentionDays: () => parent.retentionDays,
        owner: ownerId('responder'),
        sweepIntervalMs: this.options.sweepIntervalMs,
        execute: (work) => this.execute(work),
      },
      this.logger,
    );
    await this.claimer.start();
    this.logger.debug({ parent: this.parent }, 'responder started');
  }

  private execute(work: ClaimedWork): void {
    const task = deliveredTask(work, this.logger);
    Promise.resolve()
      .then(() => this.listener(task))
      .then(
        async (returned) => {
          if (returned && isReply(returned) && !work.isSettled) await task.send(returned);
        },
        async (error: unknown) => {
          this.logger.debug({ err: error, taskId: work.task.id }, 'responder threw');
          await work.fail(error, FailureReason.Threw);
        },
      )
      .catch((error: unknown) =>
        this.logger.warn({ err: error, taskId: work.task.id }, 'reply failed'),
      );
  }
}

function isReply(value: unknown): value is TaskReply {
  const status = (value as { status?: unknown }).status;
  return status === ResultStatus.Success || status === ResultStatus.Failed;
}
