import { resolve } from 'node:path';
import { ErrorCode, TumnusError } from '../../sdk/errors.js';
import type { SmtpConfig, TumnusConfig } from '../config.js';
import { configError, inSource, validateConfig } from './validate-config.js';

/** Environment variables the runtime reads, and the config field each one sets. */
export const ENV_VARS = Object.freeze({
  mongoUri: 'TUMNUS_MONGO_URI',
  dbName: 'TUMNUS_DB_NAME',
  handlersDir: 'TUMNUS_HANDLERS_DIR',
  concurrency: 'TUMNUS_CONCURRENCY',
  tasksPerThread: 'TUMNUS_TASKS_PER_THREAD',
  graceMs: 'TUMNUS_GRACE_MS',
  logLevel: 'TUMNUS_LOG_LEVEL',
  smtpUrl: 'TUMNUS_SMTP_URL',
  smtpHost: 'TUMNUS_SMTP_HOST',
  smtpPort: 'TUMNUS_SMTP_PORT',
  smtpSecure: 'TUMNUS_SMTP_SECURE',
  smtpUser: 'TUMNUS_SMTP_USER',
  smtpPass: 'TUMNUS_SMTP_PASS',
  smtpFrom: 'TUMNUS_SMTP_FROM',
});

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The configuration the environment gives. Empty variables count as unset. Numbers must be plain
 * digits; `TUMNUS_SMTP_URL` (`smtp://user:pass@host:port`, `smtps://` for TLS) is read first and
 * the single `TUMNUS_SMTP_*` variables override its parts.
 */
export function readEnvConfig(env: Env, cwd: string): TumnusConfig {
  const get = (name: string) => (env[name] === '' ? undefined : env[name]);
  const config: TumnusConfig = {
    mongoUri: get(ENV_VARS.mongoUri),
    dbName: get(ENV_VARS.dbName),
    handlersDir: pathFrom(get(ENV_VARS.handlersDir), cwd),
    concurrency: integerFrom(get(ENV_VARS.concurrency), ENV_VARS.concurrency),
    tasksPerThread: integerFrom(get(ENV_VARS.tasksPerThread), ENV_VARS.tasksPerThread),
    graceMs: integerFrom(get(ENV_VARS.graceMs), ENV_VARS.graceMs),
    logLevel: get(ENV_VARS.logLevel) as TumnusConfig['logLevel'],
    smtp: readSmtp(get),
  };
  return validateConfig(config, 'the environment');
}

function readSmtp(get: (name: string) => string | undefined): Partial<SmtpConfig> {
  const smtp: Partial<SmtpConfig> = { ...smtpFromUrl(get(ENV_VARS.smtpUrl)) };
  const host = get(ENV_VARS.smtpHost);
  const port = integerFrom(get(ENV_VARS.smtpPort), ENV_VARS.smtpPort);
  const secure = booleanFrom(get(ENV_VARS.smtpSecure), ENV_VARS.smtpSecure);
  const user = get(ENV_VARS.smtpUser);
  const from = get(ENV_VARS.smtpFrom);

  if (host !== undefined) smtp.host = host;
  if (port !== undefined) smtp.port = port;
  if (secure !== undefined) smtp.secure = secure;
  if (from !== undefined) smtp.from = from;
  if (user !== undefined) smtp.auth = { user, pass: get(ENV_VARS.smtpPass) ?? '' };
  return smtp;
}

function smtpFromUrl(value: string | undefined): Partial<SmtpConfig> {
  if (value === undefined) return {};
  return inSource(ENV_VARS.smtpUrl, () => {
    const url = parseUrl(value);
    if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
      throw new TumnusError(
        ErrorCode.InvalidArgument,
        'the URL must start with smtp:// or smtps://',
      );
    }
    const secure = url.protocol === 'smtps:';
    const smtp: Partial<SmtpConfig> = {
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port ? Number(url.port) : secure ? 465 : 587,
      secure,
    };
    if (url.username) {
      smtp.auth = {
        user: decodeURIComponent(url.username),
        pass: decodeURIComponent(url.password),
      };
    }
    return smtp;
  });
}

function parseUrl(value: string): URL {
  try {
    return new URL(value);
  } catch (error) {
    // The URL may hold a password, and URL's TypeError carries the whole input: say only where
    // it broke, and keep the original error out of the chain so no log can print it.
    const code = (error as { code?: unknown }).code;
    throw new TumnusError(ErrorCode.InvalidArgument, `the URL is malformed (${String(code)})`);
  }
}

function integerFrom(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim())) {
    const shown = JSON.stringify(value);
    throw configError('the environment', `${name} must be a positive integer (got ${shown})`);
  }
  return Number(value.trim());
}

function booleanFrom(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (/^(1|true|yes)$/i.test(value)) return true;
  if (/^(0|false|no)$/i.test(value)) return false;
  const shown = JSON.stringify(value);
  throw configError('the environment', `${name} must be true or false (got ${shown})`);
}

function pathFrom(value: string | undefined, cwd: string): string | undefined {
  return value === undefined ? undefined : resolve(cwd, value);
}
