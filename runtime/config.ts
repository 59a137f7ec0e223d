import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';

/** pino levels a runtime may log at. */
export const LogLevel = Object.freeze({
  Trace: 'trace',
  Debug: 'debug',
  Info: 'info',
  Warn: 'warn',
  Error: 'error',
  Fatal: 'fatal',
  Silent: 'silent',
});
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/** Where the `SendEmail` handler (and any handler that mails) delivers: `ctx.config.smtp`. */
export interface SmtpConfig {
  /** @default '127.0.0.1' */
  host: string;
  /** @default 2525 */
  port: number;
  /** TLS from the first byte (port 465 style); false means STARTTLS when offered. @default false */
  secure: boolean;
  /** @default none */
  auth?: { user: string; pass: string };
  /** Sender address of outgoing mail. @default 'Tumnus <tumnus@localhost>' */
  from: string;
}

/**
 * What `tumnus.config.ts` exports (through `defineConfig`). Every field is optional; precedence is
 * command-line flags > this file > environment > defaults. Relative paths in the file are taken
 * from the file's folder; relative paths in flags and environment from the working directory.
 */
export interface TumnusConfig {
  /** MongoDB connection string. @default none: start the embedded database under `dataDir` */
  mongoUri?: string;
  /** Database name. @default the URI's path, else `'tumnus'` */
  dbName?: string;
  /** Folder of `<ParentName>.ts|.js|.mjs` handler files. @default 'handlers' */
  handlersDir?: string;
  /** Pool threads. @default os.availableParallelism() */
  concurrency?: number;
  /**
   * Attempts one pool thread runs at once, for handlers that mostly await I/O (mail, HTTP): the
   * runtime runs `concurrency × tasksPerThread` tasks at once. A thread that is terminated or
   * crashes takes every attempt running on it down with it. @default 1
   */
  tasksPerThread?: number;
  /**
   * On SIGINT/SIGTERM, how long in-flight tasks may take before they are given back.
   * @default 10000
   */
  graceMs?: number;
  /** Safety-net period for claiming what the change stream missed. @default 1000 */
  sweepIntervalMs?: number;
  /** @default 'info' */
  logLevel?: LogLevel;
  /** Heap limit of each pool thread; past it only that thread dies. @default 512 */
  maxOldGenerationSizeMb?: number;
  /**
   * How long a handler whose attempt was aborted (time limit, lost lease) may keep running after
   * `ctx.signal` fires before its thread is terminated. @default 5000
   */
  abortGraceMs?: number;
  /** Where the embedded database keeps its files. @default '.tumnus' */
  dataDir?: string;
  /** Settings merged field by field over the defaults. */
  smtp?: Partial<SmtpConfig>;
}

/** The configuration a runtime runs with: every default applied, every path absolute. */
export interface ResolvedConfig {
  mongoUri: string | undefined;
  dbName: string | undefined;
  handlersDir: string;
  concurrency: number;
  tasksPerThread: number;
  graceMs: number;
  sweepIntervalMs: number;
  logLevel: LogLevel;
  maxOldGenerationSizeMb: number;
  abortGraceMs: number;
  dataDir: string;
  smtp: SmtpConfig;
  /** The config file that was loaded, if any. */
  configFile: string | undefined;
}

export const CONFIG_DEFAULTS = Object.freeze({
  handlersDir: 'handlers',
  tasksPerThread: 1,
  graceMs: 10_000,
  sweepIntervalMs: 1_000,
  logLevel: LogLevel.Info,
  maxOldGenerationSizeMb: 512,
  abortGraceMs: 5_000,
  dataDir: '.tumnus',
  smtp: Object.freeze({
    host: '127.0.0.1',
    port: 2525,
    secure: false,
    from: 'Tumnus <tumnus@localhost>',
  }),
});

export const DEFAULT_CONFIG_FILE = 'tumnus.config.ts';

/** Types a `tumnus.config.ts`; returns its argument unchanged (validation happens on load). */
export function defineConfig(config: TumnusConfig): TumnusConfig {
  return config;
}

/** Layers the sources, lowest precedence first, over the defaults. */
export function mergeConfig(
  layers: readonly TumnusConfig[],
  cwd: string,
  configFile: string | undefined,
): ResolvedConfig {
  const merged: TumnusConfig = {};
  let smtp: Partial<SmtpConfig> = { ...CONFIG_DEFAULTS.smtp };
  for (const layer of layers) {
    Object.assign(merged, withoutUndefined(layer));
    if (layer.smtp) smtp = { ...smtp, ...withoutUndefined(layer.smtp) };
  }

  return {
    mongoUri: merged.mongoUri,
    dbName: merged.dbName,
    handlersDir: resolve(cwd, merged.handlersDir ?? CONFIG_DEFAULTS.handlersDir),
    concurrency: merged.concurrency ?? availableParallelism(),
    tasksPerThread: merged.tasksPerThread ?? CONFIG_DEFAULTS.tasksPerThread,
    graceMs: merged.graceMs ?? CONFIG_DEFAULTS.graceMs,
    sweepIntervalMs: merged.sweepIntervalMs ?? CONFIG_DEFAULTS.sweepIntervalMs,
    logLevel: merged.logLevel ?? CONFIG_DEFAULTS.logLevel,
    maxOldGenerationSizeMb: merged.maxOldGenerationSizeMb ?? CONFIG_DEFAULTS.maxOldGenerationSizeMb,
    abortGraceMs: merged.abortGraceMs ?? CONFIG_DEFAULTS.abortGraceMs,
    dataDir: resolve(cwd, merged.dataDir ?? CONFIG_DEFAULTS.dataDir),
    smtp: smtp as SmtpConfig,
    configFile,
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
