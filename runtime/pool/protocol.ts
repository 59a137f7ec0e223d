// What the supervisor and its pool threads send each other. Everything here crosses a thread
// boundary by structured clone, so it is plain data: errors travel as ErrorRecord, never Error.
import type { MessagePort } from 'node:worker_threads';
import type { HandlerConfig, HandlerTask } from '../handler-types.js';

/** An error flattened for the trip between threads: its prototype would not survive. */
export interface ErrorRecord {
  name: string;
  message: string;
  code?: string;
  stack?: string;
  /** False when the thrower said so (`error.retryable = false`): no further attempt. */
  retryable: boolean;
}

/** Given to each pool thread at start (Piscina `workerData`). */
export interface ThreadData {
  handlerConfig: HandlerConfig;
}

/** Run one attempt of a task. `calls` and `control` are transferred, one pair per attempt. */
export interface RunRequest {
  kind: 'run';
  handlerFile: string;
  task: HandlerTask;
  /** Thread → supervisor calls (comlink): `SupervisorCalls`. */
  calls: MessagePort;
  /** Supervisor → thread calls (comlink): `ThreadControl`. */
  control: MessagePort;
}

/** Load handler modules ahead of the first task, so the first task does not pay for it. */
export interface WarmRequest {
  kind: 'warm';
  handlerFiles: string[];
}

export type ThreadRequest = RunRequest | WarmRequest;

/** How an attempt ended inside the thread. A dead thread never gets to send one. */
export type RunOutcome =
  | { ok: true; result: unknown }
  | { ok: false; reason: 'threw' | 'result-not-storable'; error: ErrorRecord };

export const LOG_LEVELS = Object.freeze(['trace', 'debug', 'info', 'warn', 'error'] as const);
export type HandlerLogLevel = (typeof LOG_LEVELS)[number];

/** What a running handler may ask of the supervisor (exposed through comlink). */
export interface SupervisorCalls {
  log(level: HandlerLogLevel, message: string, fields: Record<string, unknown>): void;
  heartbeat(): Promise<boolean>;
  progress(value: unknown): Promise<void>;
}

/** What the supervisor may ask of a thread running an attempt (exposed through comlink). */
export interface ThreadControl {
  abort(reason: ErrorRecord): void;
}
