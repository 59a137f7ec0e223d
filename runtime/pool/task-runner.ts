import { FailureReason } from '../../sdk/errors.js';
import type { ClaimedWork } from '../../sdk/internal/claimed-work.js';
import { assertStorable } from '../../sdk/internal/storable.js';
import type { TaskClaimer } from '../../sdk/internal/task-claimer.js';
import type { HandlerTask } from '../handler-types.js';
import type { Logger } from '../logger.js';
import { fromErrorRecord, toErrorRecord } from './error-record.js';
import type { HandlerPool } from './handler-pool.js';
import { ProgressWriter } from './progress-writer.js';
import {
  LOG_LEVELS,
  type HandlerLogLevel,
  type RunOutcome,
  type SupervisorCalls,
} from './protocol.js';
import { TaskChannel } from './task-channel.js';

export interface TaskRunnerOptions {
  /** Handler file per parent name. */
  handlerFiles: ReadonlyMap<string, string>;
  /** How long an aborted handler may keep running before its thread is terminated. */
  abortGraceMs: number;
}

/** Log fields a handler may not set: they are the runtime's own bindings. */
const RESERVED_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'name', 'component']);

/**
 * Runs claimed attempts on the pool and writes their outcome through the claim: the result as
 * success, a throw as a failed attempt, a dead thread as `worker-crashed`. Every attempt is
 * tracked until its thread is done with it, so shutdown can wait for all of them.
 */
export class TaskRunner {
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly pool: HandlerPool,
    private readonly claimer: () => TaskClaimer,
    private readonly options: TaskRunnerOptions,
    private readonly loggers: { pool: Logger; handler: Logger },
  ) {}

  get inFlight(): number {
    return this.running.size;
  }

  /** The claimer's `execute`: takes ownership of `work` and never throws. */
  execute(work: ClaimedWork): void {
    const attempt = this.run(work).catch((error: unknown) =>
      this.loggers.pool.error({ err: error, taskId: work.task.id }, 'attempt outcome not written'),
    );
    this.running.add(attempt);
    void attempt.finally(() => this.running.delete(attempt));
  }

  /** Resolves once every attempt's thread has answered or died. */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  private async run(work: ClaimedWork): Promise<void> {
    const file = this.options.handlerFiles.get(work.task.parent);
    if (file === undefined) {
      // Unreachable while the claimer only claims parents that have a handler.
      await work.fail(new Error(`no handler for parent ${work.task.parent}`), FailureReason.Threw);
      return;
    }

    const bindings = { parent: work.task.parent, taskId: work.task.id };
    const log = this.loggers.pool.child(bindings);
    const channel = new TaskChannel(this.supervisorCalls(work, bindings));
    const terminate = new AbortController();
    const stopWatching = this.watchAbort(work, channel, terminate);
    const startedAt = performance.now();

    try {
      const task = handlerTask(work);
      const request = { kind: 'run' as const, handlerFile: file, task, ...channel.threadPorts };
      const outcome = await this.pool.run(request, terminate.signal);
      await this.settle(work, outcome, log);
    } catch (error) {
      await this.threadFailed(work, error, log);
    } finally {
      stopWatching();
      channel.close();
      log.debug({ durationMs: Math.round(performance.now() - startedAt) }, 'attempt done');
    }
  }

  private async settle(work: ClaimedWork, outcome: RunOutcome, log: Logger): Promise<void> {
    if (!outcome.ok) {
      log.debug({ reason: outcome.reason, error: outcome.error.message }, 'handler failed');
      await work.fail(fromErrorRecord(outcome.error), outcome.reason);
      return;
    }
    try {
      // The thread checked the shape; the size needs the BSON encoder, which lives here.
      assertStorable(outcome.result, 'result');
    } catch (error) {
      const refused = fromErrorRecord({ ...toErrorRecord(error), retryable: false });
      await work.fail(refused, FailureReason.NotStorable);
      return;
    }
    await work.complete({ status: 'success', payload: outcome.result });
  }

  private async threadFailed(work: ClaimedWork, error: unknown, log: Logger): Promise<void> {
    if (work.isSettled) {
      // Timed out, lost or released first: the thread was terminated on purpose (for this
      // attempt or another on the same thread), and the attempt's outcome is already written.
      log.debug({ err: error }, 'thread stopped after its attempt ended');
      return;
    }
    // The thread died under a live attempt: its own handler's doing or, with several tasks per
    // thread, another one's. Either way the handler did not finish, so the attempt is retried.
    log.warn({ err: error }, 'handler thread died');
    const { message, code } = toErrorRecord(error);
    const crash = fromErrorRecord({
      name: 'WorkerCrashedError',
      message: `the handler's thread died: ${message}`,
      ...(code !== undefined ? { code } : {}),
      retryable: true,
    });
    await work.fail(crash, FailureReason.WorkerCrashed);
  }

  /**
   * When the attempt ends from outside (time limit, lost lease, shutdown), tells the handler
   * through `ctx.signal`, then terminates its thread if it has not finished `abortGraceMs` later.
   *
   * LIMITATION: the claimer frees the slot at once, so the next claimed task may wait in the
   * pool's queue (its time limit running) until the aborted handler's thread stops or is killed;
   * with several tasks per thread it may instead start on that thread and die with it.
   */
  private watchAbort(work: ClaimedWork, channel: TaskChannel, terminate: AbortController) {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      channel.abortThread(toErrorRecord(work.signal.reason));
      timer = setTimeout(() => terminate.abort(work.signal.reason), this.options.abortGraceMs);
    };
    work.signal.addEventListener('abort', onAbort, { once: true });
    return () => {
      work.signal.removeEventListener('abort', onAbort);
      clearTimeout(timer);
    };
  }

  private supervisorCalls(work: ClaimedWork, bindings: object): SupervisorCalls {
    const handlerLog = this.loggers.handler.child({ ...bindings, attempt: work.task.attempts });
    const progress = new ProgressWriter(work);
    return {
      log: (level, message, fields) => writeHandlerLog(handlerLog, level, message, fields),
      heartbeat: () => this.claimer().renew(work),
      progress: (value) => progress.write(value),
    };
  }
}

function handlerTask(work: ClaimedWork): HandlerTask {
  const { id, parent, payload, attempts, maxAttempts, createdAt } = work.task;
  return { id, parent, payload, attempt: attempts, maxAttempts, createdAt };
}

function writeHandlerLog(
  logger: Logger,
  level: HandlerLogLevel,
  message: string,
  fields: Record<string, unknown>,
): void {
  const safeLevel = LOG_LEVELS.includes(level) ? level : 'info';
  const safeFields = Object.fromEntries(
    Object.entries(fields ?? {}).filter(([key]) => !RESERVED_FIELDS.has(key)),
  );
  logger[safeLevel](safeFields, String(message));
}
