import { ErrorCode, TumnusError } from './errors.js';
import {
  assertKnownKeys,
  assertParentName,
  assertPlainObject,
  optionalBoolean,
  optionalPositiveInteger,
} from './internal/validate.js';
import type { Logger } from './internal/logger.js';
import { RETENTION_CLASSES, type RetentionDays } from './model.js';
import { Cron } from 'croner';
import { assertStorable } from './internal/storable.js';

/** Longest time any duration option may take: about 24.8 days, the limit of a Node timer. */
const MAX_DURATION_MS = 2 ** 31 - 1;

// ---- new Tumnus(options) ------------------------------------------------------------------------

export interface TumnusOptions {
  /** MongoDB connection string; a replica set (or sharded cluster) for change streams. */
  uri: string;
  /** Database name. @default the URI's path, else `'tumnus'` */
  dbName?: string;
  /** A pino logger to write Tumnus' logs to. @default warnings and errors on stderr */
  logger?: Logger;
  /** How long to look for a usable server before failing an operation. @default 10000 */
  serverSelectionTimeoutMs?: number;
  /** Shown in MongoDB's logs and `currentOp`. @default 'tumnus' */
  appName?: string;
}

export const TUMNUS_DEFAULTS = Object.freeze({ serverSelectionTimeoutMs: 10_000 });

export function parseTumnusOptions(input: unknown): TumnusOptions {
  const options = typeof input === 'string' ? { uri: input } : input;
  assertPlainObject(options, 'options');
  assertKnownKeys(
    options,
    ['uri', 'dbName', 'logger', 'serverSelectionTimeoutMs', 'appName'],
    'options',
  );

  const { uri, dbName } = options as TumnusOptions;
  if (typeof uri !== 'string' || !/^mongodb(\+srv)?:\/\//.test(uri)) {
    throw new TumnusError(
      ErrorCode.InvalidUri,
      'options.uri must be a MongoDB connection string (mongodb:// or mongodb+srv://)',
    );
  }
  if (
    dbName !== undefined &&
    (typeof dbName !== 'string' || !/^[A-Za-z0-9_-]{1,63}$/.test(dbName))
  ) {
    throw new TumnusError(
      ErrorCode.InvalidArgument,
      'options.dbName must be 1-63 of A-Z a-z 0-9 _ -',
    );
  }
  optionalPositiveInteger(
    (options as TumnusOptions).serverSelectionTimeoutMs,
    'options.serverSelectionTimeoutMs',
    MAX_DURATION_MS,
  );
  return options as TumnusOptions;
}

// ---- taskParent.create(options) -----------------------------------------------------------------

export interface TaskParentOptions {
  /** The parent's name: a letter, then up to 63 letters, digits, `_` or `-`. */
  name: string;
  /** Claims per task before it ends `dead`. @default 3 */
  maxAttempts?: number;
  /** Lease length; a holder renews it every third of this while alive. @default 30000 */
  leaseMs?: number;
  /** Time a handler or responder has to answer one attempt. @default 300000 */
  timeoutMs?: number;
  /** Retry backoff base: attempt n waits about backoffMs·2^(n-1). @default 1000 */
  backoffMs?: number;
  /** Days the parent's events are kept (30, 60 or 90); its tasks are kept forever. @default 30 */
  retentionDays?: RetentionDays;
}

export const PARENT_DEFAULTS = Object.freeze({
  maxAttempts: 3,
  leaseMs: 30_000,
  timeoutMs: 300_000,
  backoffMs: 1_000,
  retentionDays: 30 as RetentionDays,
});

export type ParentPolicyInput = Partial<Omit<TaskParentOptions, 'name'>>;

export function parseParentOptions(input: unknown): { name: string; policy: ParentPolicyInput } {
  assertPlainObject(input, 'options');
  assertKnownKeys(input, ['name', ...Object.keys(PARENT_DEFAULTS)], 'options');
  const options = input as TaskParentOptions;
  assertParentName(options.name, 'options.name');

  const policy: ParentPolicyInput = {};
  const maxAttempts = optionalPositiveInteger(options.maxAttempts, 'options.maxAttempts', 1_000);
  const leaseMs = optionalPositiveInteger(options.leaseMs, 'options.leaseMs', MAX_DURATION_MS);
  const timeoutMs = optionalPositiveInteger(
    options.timeoutMs,
    'options.timeoutMs',
    MAX_DURATION_MS,
  );
  const backoffMs = optionalPositiveInteger(
    options.backoffMs,
    'options.backoffMs',
    MAX_DURATION_MS,
  );
  if (maxAttempts !== undefined) policy.maxAttempts = maxAttempts;
  if (leaseMs !== undefined) policy.leaseMs = leaseMs;
  if (timeoutMs !== undefined) policy.timeoutMs = timeoutMs;
  if (backoffMs !== undefined) policy.backoffMs = backoffMs;
  if (options.retentionDays !== undefined) {
    if (!RETENTION_CLASSES.includes(options.retentionDays)) {
      throw new TumnusError(
        ErrorCode.InvalidArgument,
        'options.retentionDays must be 30, 60 or 90',
      );
    }
    policy.retentionDays = options.retentionDays;
  }
  return { name: options.name, policy };
}

// ---- task.send(payload, options) ----------------------------------------------------------------

export interface WaitForResultOptions {
  /**
   * Give up waiting after this long with `WAIT_TIMEOUT`; the task keeps running.
   * @default no limit
   */
  timeoutMs?: number;
  /** Stop waiting when this aborts; the task keeps running. */
  signal?: AbortSignal;
}

export interface SendOptions extends WaitForResultOptions {
  /** Resolve with the task's result instead of a handle. @default false */
  waitForComplete?: boolean;
  /** Claims before the task ends `dead`. @default the parent's `maxAttempts` */
  maxAttempts?: number;
  /**
   * When the task may start, judged by the database's clock. A past time runs promptly.
   * @default now
   */
  runAt?: Date;
  /** Start this many milliseconds from now (instead of `runAt`). @default 0 */
  delay?: number;
  /**
   * At most one task per parent and key: a repeated send (a retry after a lost reply, or a
   * concurrent duplicate) returns the first task and, when waiting, its result.
   */
  idempotencyKey?: string;
  /** With `waitForComplete`: called with each progress value the responder or handler reports. */
  onProgress?: (value: unknown) => void;
}

export interface ParsedSendOptions {
  waitForComplete: boolean;
  maxAttempts: number | undefined;
  runAt: Date | null;
  delayMs: number;
  idempotencyKey: string | undefined;
  onProgress: ((value: unknown) => void) | undefined;
  wait: WaitForResultOptions;
}

/** Latest accepted `runAt`: further out is almost certainly a unit mistake (seconds vs ms). */
const MAX_SCHEDULE_AHEAD_MS = 5 * 366 * 24 * 60 * 60 * 1000;
const SEND_KEYS = [
  'waitForComplete',
  'maxAttempts',
  'timeoutMs',
  'signal',
  'runAt',
  'delay',
  'idempotencyKey',
  'onProgress',
];

export function parseSendOptions(input: unknown): ParsedSendOptions {
  if (input === undefined) {
    return {
      waitForComplete: false,
      maxAttempts: undefined,
      runAt: null,
      delayMs: 0,
      idempotencyKey: undefined,
      onProgress: undefined,
      wait: {},
    };
  }
  assertPlainObject(input, 'options');
  assertKnownKeys(input, SEND_KEYS, 'options');
  const options = input as SendOptions;

  return {
    waitForComplete: optionalBoolean(options.waitForComplete, 'options.waitForComplete') ?? false,
    maxAttempts: optionalPositiveInteger(options.maxAttempts, 'options.maxAttempts', 1_000),
    runAt: parseRunAt(options.runAt, options.delay),
    delayMs: parseDelay(options.delay),
    idempotencyKey: parseIdempotencyKey(options.idempotencyKey),
    onProgress: parseOnProgress(options.onProgress, options.waitForComplete),
    wait: parseWaitOptions({ timeoutMs: options.timeoutMs, signal: options.signal }, 'options'),
  };
}

function parseRunAt(runAt: unknown, delay: unknown): Date | null {
  if (runAt === undefined) return null;
  if (delay !== undefined) {
    throw new TumnusError(
      ErrorCode.InvalidArgument,
      'options.runAt and options.delay exclude each other',
    );
  }
  if (!(runAt instanceof Date) || Number.isNaN(runAt.getTime())) {
    throw new TumnusError(ErrorCode.InvalidArgument, 'options.runAt must be a valid Date');
  }
  if (runAt.getTime() < 0) {
    throw new TumnusError(ErrorCode.InvalidArgument, 'options.runAt must not be before 1970');
  }
  if (runAt.getTime() > Date.now() + MAX_SCHEDULE_AHEAD_MS) {
    throw new TumnusError(ErrorCode.InvalidArgument, 'options.runAt is more than 5 years ahead');
  }
  return runAt;
}

function parseDelay(delay: unknown): number {
  if (delay === undefined || delay === 0) return 0;
  return optionalPositiveInteger(delay, 'options.delay', MAX_SCHEDULE_AHEAD_MS) ?? 0;
}

function parseOnProgress(onProgress: unknown, waitForComplete: unknown) {
  if (onProgress === undefined) return undefined;
  if (typeof onProgress !== 'function') {
    throw new TumnusError(ErrorCode.InvalidArgument, 'options.onProgress must be a function');
  }
  if (waitForComplete !== true) {
    throw new TumnusError(
      ErrorCode.InvalidArgument,
      "options.onProgress needs waitForComplete: true (or use the handle's on('progress'))",
    );
  }
  return onProgress as (value: unknown) => void;
}

function parseIdempotencyKey(key: unknown): string | undefined {
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || key.length === 0 || key.length > 256) {
    throw new TumnusError(
      ErrorCode.InvalidArgument,
      'options.idempotencyKey must be a string of 1-256 characters',
    );
  }
  return key;
}

export function parseWaitOptions(input: unknown, what: string): WaitForResultOptions {
  assertPlainObject(input, what);
  const { timeoutMs, signal } = input as WaitForResultOptions;
  const parsed: WaitForResultOptions = {};
  const timeout = optionalPositiveInteger(timeoutMs, `${what}.timeoutMs`, MAX_DURATION_MS);
  if (timeout !== undefined) parsed.timeoutMs = timeout;
  if (signal !== undefined) {
    if (!(signal instanceof AbortSignal)) {
      throw new TumnusError(ErrorCode.InvalidArgument, `${what}.signal must be an AbortSignal`);
    }
    parsed.signal = signal;
  }
  return parsed;
}

// ---- tasks.parent(name).on('created', fn, options) ----------------------------------------------

export interface ResponderOptions {
  /** Most tasks this responder holds at once (claimed, not yet answered). @default 10 */
  concurrency?: number;
  /** Safety-net period for claiming what the change stream missed. @default 1000 */
  sweepIntervalMs?: number;
}

export const RESPONDER_DEFAULTS = Object.freeze({ concurrency: 10, sweepIntervalMs: 1_000 });

export function parseResponderOptions(input: unknown): Required<ResponderOptions> {
  if (input === undefined) return { ...RESPONDER_DEFAULTS };
  assertPlainObject(input, 'options');
  assertKnownKeys(input, Object.keys(RESPONDER_DEFAULTS), 'options');
  const options = input as ResponderOptions;
  return {
    concurrency:
      optionalPositiveInteger(options.concurrency, 'options.concurrency', 10_000) ??
      RESPONDER_DEFAULTS.concurrency,
    sweepIntervalMs:
      optionalPositiveInteger(
        options.sweepIntervalMs,
        'options.sweepIntervalMs',
        MAX_DURATION_MS,
      ) ?? RESPONDER_DEFAULTS.sweepIntervalMs,
  };
}

// ---- taskParent.schedule(parent, options) -------------------------------------------------------

export interface ScheduleOptions {
  /** The schedule's name within its parent (same alphabet as parent names). */
  name: string;
  /** A cron expression (5 fields, or 6 with seconds first). */
  cron: string;
  /** IANA time zone the expression is read in. @default 'UTC' */
  timezone?: string;
  /** The payload of every task the schedule creates. @default {} */
  payload?: unknown;
}

export function parseScheduleOptions(input: unknown): Required<ScheduleOptions> {
  assertPlainObject(input, 'options');
  assertKnownKeys(input, ['name', 'cron', 'timezone', 'payload'], 'options');
  const options = input as ScheduleOptions;
  assertParentName(options.name, 'options.name');

  const timezone = options.timezone ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw new TumnusError(
      ErrorCode.InvalidArgument,
      `options.timezone ${JSON.stringify(timezone)} is not an IANA time zone`,
    );
  }
  if (typeof options.cron !== 'string') {
    throw new TumnusError(ErrorCode.InvalidArgument, 'options.cron must be a cron expression');
  }
  try {
    new Cron(options.cron, { timezone, paused: true });
  } catch (error) {
    throw new TumnusError(
      ErrorCode.InvalidArgument,
      `options.cron is invalid: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const payload = options.payload ?? {};
  assertStorable(payload, 'options.payload');
  return { name: options.name, cron: options.cron, timezone, payload };
}
