import type { BenchDatabase } from '../support/database.js';
import type { RunningRedis } from '../support/redis.js';
import { sleep } from '../support/time.js';

/** What every system's handler does with a task. */
export const HandlerKind = Object.freeze({
  /** Returns at once. */
  Noop: 'noop',
  /** Waits 5 ms on a timer (an async call elsewhere). */
  Sleep5: 'sleep5',
});
export type HandlerKind = (typeof HandlerKind)[keyof typeof HandlerKind];

export function runHandler(kind: HandlerKind): Promise<void> | void {
  if (kind === HandlerKind.Sleep5) return sleep(5);
}

/** Shared infrastructure of one bench invocation. */
export interface BenchEnv {
  db: BenchDatabase;
  /** Null when no Redis could be had: BullMQ is then reported as not run. */
  redis: RunningRedis | null;
  log(line: string): void;
}

export interface FireAndForgetSpec {
  tasks: number;
  /** Tasks a consumer runs at once. */
  concurrency: number;
  /** Sends in flight at once. */
  senders: number;
  handler: HandlerKind;
}

export interface FireAndForgetResult {
  /** First send to the last result committed. */
  ms: number;
  tasksPerSec: number;
}

export interface RequestReplySpec {
  senders: number;
  durationMs: number;
  concurrency: number;
}

export interface RequestReplyResult {
  completed: number;
  ms: number;
  repliesPerSec: number;
}

export interface LatencySpec {
  ratePerSec: number;
  tasks: number;
  concurrency: number;
}

/** Per-task latencies in ms, each measured from the moment `send` was called. */
export interface LatencySamples {
  /** The handler began running. */
  start: number[];
  /** The result was written (the consumer's write returned). */
  committed: number[];
  /** The sender learned the result through the system's own waiting API, where it has one. */
  result: number[];
}

/** A system under test. Each method sets up fresh state, measures, and tears everything down. */
export interface BenchSystem {
  readonly name: string;
  readonly label: string;
  /** Why the system cannot run here, or null when it can. */
  unavailable(env: BenchEnv): string | null;
  fireAndForget(env: BenchEnv, spec: FireAndForgetSpec): Promise<FireAndForgetResult>;
  requestReply(env: BenchEnv, spec: RequestReplySpec): Promise<RequestReplyResult>;
  latency(env: BenchEnv, spec: LatencySpec): Promise<LatencySamples>;
}

export function throughput(tasks: number, ms: number): FireAndForgetResult {
  return { ms, tasksPerSec: (tasks * 1000) / ms };
}
