import type { TaskParentOptions } from '../sdk/options.js';
import type { SmtpConfig } from './config.js';

/** The task a handler receives: a plain copy, cloned into the handler's thread. */
export interface HandlerTask<P = unknown> {
  id: string;
  parent: string;
  payload: P;
  /** Which claim this is, from 1. */
  attempt: number;
  maxAttempts: number;
  createdAt: Date;
}

/** `ctx.log`: lines go to the runtime's log with `component: 'handler'`, `parent` and `taskId`. */
export interface HandlerLogger {
  trace(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Runtime settings handlers may need, cloned into every pool thread. */
export interface HandlerConfig {
  smtp: SmtpConfig;
}

/** The second argument of a handler. */
export interface HandlerContext {
  /** Aborts when the attempt timed out, lost its lease, or the runtime is shutting down. */
  signal: AbortSignal;
  log: HandlerLogger;
  /**
   * Extends the task's lease now. Leases are renewed automatically while the handler runs; call
   * this before a long blocking step. Resolves false when the lease is already lost.
   */
  heartbeat(): Promise<boolean>;
  /** Stores `value` (storable, at most 64 KiB as BSON) on the task as its latest progress. */
  progress(value: unknown): Promise<void>;
  config: HandlerConfig;
}

/**
 * A handler file's default export: `handlers/<ParentName>.ts`. Returning (or resolving) answers
 * the task with `{ status: 'success', payload: <returned value> }`. Throwing fails the attempt,
 * which is retried with backoff while attempts remain, unless the error has `retryable: false`;
 * once none remain the task ends failed with the error in its payload.
 */
export type TaskHandler<P = unknown, R = unknown> = (
  task: HandlerTask<P>,
  ctx: HandlerContext,
) => R | Promise<R>;

/** A handler file's optional `export const options`: the parent's policy, applied at start. */
export type HandlerOptions = Omit<TaskParentOptions, 'name'>;
