/**
 * Every error Tumnus itself raises is a `TumnusError` with a stable `code`. Codes are part of the
 * public API (listed in the README); messages are for humans and may change.
 *
 * Errors cross worker threads and processes as plain records, losing their prototype, so callers
 * should branch on `code`, never on `instanceof` of a subclass.
 */
export const ErrorCode = Object.freeze({
  InvalidArgument: 'INVALID_ARGUMENT',
  InvalidParentName: 'INVALID_PARENT_NAME',
  ParentNotFound: 'PARENT_NOT_FOUND',
  ParentHasUnfinishedTasks: 'PARENT_HAS_UNFINISHED_TASKS',
  PayloadNotStorable: 'PAYLOAD_NOT_STORABLE',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  TaskNotFound: 'TASK_NOT_FOUND',
  TaskStateInvalid: 'TASK_STATE_INVALID',
  WaitTimeout: 'WAIT_TIMEOUT',
  LeaseLost: 'LEASE_LOST',
  ConnectionFailed: 'CONNECTION_FAILED',
  InvalidUri: 'INVALID_URI',
  ClientClosed: 'CLIENT_CLOSED',
  NoDefaultClient: 'NO_DEFAULT_CLIENT',
  DatabaseError: 'DATABASE_ERROR',
  HandlerLoadFailed: 'HANDLER_LOAD_FAILED',
  ConfigInvalid: 'CONFIG_INVALID',
  EmbeddedDbUnavailable: 'EMBEDDED_DB_UNAVAILABLE',
});
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface TumnusErrorOptions {
  cause?: unknown;
  /** Whether repeating the same call may succeed (a dropped connection) or not (bad input). */
  retryable?: boolean;
  /** The task the error is about, when there is one. */
  taskId?: string;
}

export class TumnusError extends Error {
  override readonly name: string = 'TumnusError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly taskId: string | undefined;

  constructor(code: ErrorCode, message: string, options: TumnusErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.taskId = options.taskId;
  }
}

/** `send(..., { waitForComplete })` gave up waiting; the task itself keeps running. */
export class WaitTimeoutError extends TumnusError {
  override readonly name = 'WaitTimeoutError';

  constructor(taskId: string, timeoutMs: number) {
    super(ErrorCode.WaitTimeout, `gave up waiting for task ${taskId} after ${timeoutMs} ms`, {
      taskId,
      retryable: true,
    });
  }
}

export function isTumnusError(error: unknown): error is TumnusError {
  return error instanceof TumnusError;
}

/**
 * The plain record stored on a task for a failed attempt. Never an Error object: it must survive
 * BSON, structured clone and JSON unchanged.
 */
export interface FailureRecord {
  name: string;
  message: string;
  code?: string;
  stack?: string;
  retryable: boolean;
  /** Why the attempt ended: the handler threw, timed out, its thread crashed, the lease expired. */
  reason: FailureReason;
  attempt: number;
  at: Date;
}

export const FailureReason = Object.freeze({
  Threw: 'threw',
  Timeout: 'timeout',
  WorkerCrashed: 'worker-crashed',
  LeaseExpired: 'lease-expired',
  NotStorable: 'result-not-storable',
});
export type FailureReason = (typeof FailureReason)[keyof typeof FailureReason];

export function toFailureRecord(
  error: unknown,
  reason: FailureReason,
  attempt: number,
  at: Date,
): FailureRecord {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      message: error.message,
      ...(typeof code === 'string' || typeof code === 'number' ? { code: String(code) } : {}),
      ...(error.stack ? { stack: error.stack } : {}),
      retryable: (error as { retryable?: unknown }).retryable !== false,
      reason,
      attempt,
      at,
    };
  }
  return { name: 'Error', message: String(error), retryable: true, reason, attempt, at };
}
