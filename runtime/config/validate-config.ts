import { ErrorCode, TumnusError } from '../../sdk/errors.js';
import {
  assertKnownKeys,
  assertPlainObject,
  describe,
  optionalBoolean,
  optionalPositiveInteger,
} from '../../sdk/internal/validate.js';
import { LogLevel, type SmtpConfig, type TumnusConfig } from '../config.js';

/** Longest duration any option may take: the limit of a Node timer. */
const MAX_DURATION_MS = 2 ** 31 - 1;

const CONFIG_KEYS = Object.freeze([
  'mongoUri',
  'dbName',
  'handlersDir',
  'concurrency',
  'tasksPerThread',
  'graceMs',
  'sweepIntervalMs',
  'logLevel',
  'maxOldGenerationSizeMb',
  'abortGraceMs',
  'dataDir',
  'smtp',
] as const satisfies readonly (keyof TumnusConfig)[]);

const SMTP_KEYS = Object.freeze(['host', 'port', 'secure', 'auth', 'from'] as const);

/**
 * Checks one configuration source (a file, the environment, the flags). Errors are
 * `CONFIG_INVALID`, name the source and the field (`config.concurrency`), and carry the
 * underlying validation error as `cause`.
 */
export function validateConfig(input: unknown, source: string): TumnusConfig {
  return inSource(source, () => {
    assertPlainObject(input, 'config');
    assertKnownKeys(input, CONFIG_KEYS, 'config');
    const config = input as TumnusConfig;

    optionalString(config.mongoUri, 'config.mongoUri', /^mongodb(\+srv)?:\/\//, 'a mongodb:// URI');
    optionalString(
      config.dbName,
      'config.dbName',
      /^[A-Za-z0-9_-]{1,63}$/,
      '1-63 of A-Z a-z 0-9 _ -',
    );
    optionalString(config.handlersDir, 'config.handlersDir', /./, 'a folder path');
    optionalString(config.dataDir, 'config.dataDir', /./, 'a folder path');
    optionalPositiveInteger(config.concurrency, 'config.concurrency', 1_024);
    optionalPositiveInteger(config.tasksPerThread, 'config.tasksPerThread', 1_024);
    optionalPositiveInteger(config.graceMs, 'config.graceMs', MAX_DURATION_MS);
    optionalPositiveInteger(config.sweepIntervalMs, 'config.sweepIntervalMs', MAX_DURATION_MS);
    optionalPositiveInteger(config.abortGraceMs, 'config.abortGraceMs', MAX_DURATION_MS);
    optionalPositiveInteger(config.maxOldGenerationSizeMb, 'config.maxOldGenerationSizeMb');
    optionalLogLevel(config.logLevel);
    if (config.smtp !== undefined) validateSmtp(config.smtp);
    return config;
  });
}

function validateSmtp(smtp: unknown): void {
  assertPlainObject(smtp, 'config.smtp');
  assertKnownKeys(smtp, SMTP_KEYS, 'config.smtp');
  const { host, port, secure, auth, from } = smtp as Partial<SmtpConfig>;

  optionalString(host, 'config.smtp.host', /^[^\s/]+$/, 'a host name or address');
  optionalPositiveInteger(port, 'config.smtp.port', 65_535);
  optionalBoolean(secure, 'config.smtp.secure');
  optionalString(from, 'config.smtp.from', /./, 'a sender address');
  if (auth !== undefined) {
    assertPlainObject(auth, 'config.smtp.auth');
    assertKnownKeys(auth, ['user', 'pass'], 'config.smtp.auth');
    optionalString(auth.user, 'config.smtp.auth.user', /./, 'a user name');
    if (typeof auth.pass !== 'string') invalid('config.smtp.auth.pass must be a string');
  }
}

function optionalString(value: unknown, field: string, pattern: RegExp, what: string): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || !pattern.test(value)) {
    // URIs may hold credentials: name the field, never echo the value.
    const shown = field.endsWith('mongoUri') ? 'a malformed value' : describe(value);
    invalid(`${field} must be ${what} (got ${shown})`);
  }
}

function optionalLogLevel(value: unknown): void {
  const levels: readonly unknown[] = Object.values(LogLevel);
  if (value !== undefined && !levels.includes(value)) {
    invalid(`config.logLevel must be one of ${levels.join(', ')} (got ${describe(value)})`);
  }
}

function invalid(message: string): never {
  throw new TumnusError(ErrorCode.InvalidArgument, message);
}

/** A CONFIG_INVALID error for a value refused before validation (text that is not a number). */
export function configError(source: string, message: string): TumnusError {
  return new TumnusError(ErrorCode.ConfigInvalid, `invalid configuration in ${source}: ${message}`);
}

/** Runs `check`, turning its failure into a CONFIG_INVALID error that names `source`. */
export function inSource<T>(source: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new TumnusError(
      ErrorCode.ConfigInvalid,
      `invalid configuration in ${source}: ${message}`,
      {
        cause: error,
      },
    );
  }
}
