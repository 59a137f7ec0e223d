import { FailureReason } from '../errors.js';
import type { TaskReply, TaskSnapshot } from '../model.js';

/** How a claimed task writes its outcome: implemented by the claimer that holds the lease. */
export interface LeaseCommitter {
  commit(work: ClaimedWork, reply: TaskReply): Promise<boolean>;
  fail(work: ClaimedWork, error: unknown, reason: FailureReason): Promise<boolean>;
  release(work: ClaimedWork): Promise<boolean>;
  progress(work: ClaimedWork, value: unknown): Promise<boolean>;
}

/**
 * One claimed attempt of a task, owned by whoever executes it (an SDK responder or a pool
 * thread). Exactly one outcome is written per attempt; later calls are ignored and return false.
 * `signal` aborts when the attempt times out or its lease is lost, so the executor can stop.
 */
export class ClaimedWork {
  private readonly abort = new AbortController();
  private settled = false;

  constructor(
    readonly task: TaskSnapshot,
    readonly token: string,
    /** Local-clock time after which the attempt counts as timed out. */
    readonly deadline: number,
    private readonly committer: LeaseCommitter,
  ) {}

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get isSettled(): boolean {
    return this.settled;
  }

  complete(reply: TaskReply): Promise<boolean> {
    return this.once(() => this.committer.commit(this, reply));
  }

  fail(error: unknown, reason: FailureReason): Promise<boolean> {
    return this.once(() => this.committer.fail(this, error, reason));
  }

  /**
   * Stores `value` as the task's latest progress and emits a `progress` event. False once the
   * attempt has ended or lost its lease.
   */
  progress(value: unknown): Promise<boolean> {
    if (this.settled) return Promise.resolve(false);
    return this.committer.progress(this, value);
  }

  /** Gives the task back untouched (shutdown): it does not use up an attempt. */
  release(): Promise<boolean> {
    this.abort.abort(new Error('released: the holder is shutting down'));
    return this.once(() => this.committer.release(this));
  }

  /** Called by the claimer when the handler ran past the parent's time limit. */
  async timeOut(): Promise<void> {
    const error = new Error(`the handler did not answer within its time limit`);
    error.name = 'TaskTimeoutError';
    this.abort.abort(error);
    await this.fail(error, FailureReason.Timeout);
  }

  /** Called by the claimer when another holder took the task: nothing may be written any more. */
  loseLease(): void {
    this.settled = true;
    const error = new Error('the lease on this task was lost');
    error.name = 'LeaseLostError';
    this.abort.abort(error);
  }

  private async once(write: () => Promise<boolean>): Promise<boolean> {
    if (this.settled) return false;
    this.settled = true;
    return write();
  }
}
