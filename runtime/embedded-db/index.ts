import { pino, type Logger } from 'pino';
import { ErrorCode, TumnusError } from '../../sdk/errors.js';
import { EmbeddedDatabaseUnavailableError, type EmbeddedDatabaseAttempt } from './errors.js';
import { findJdk, MIN_JAVA_VERSION } from './java-home.js';
import { MongodBinaryMissingError, startMongodReplSet } from './mongod.js';
import { startWireServer } from './wire-server.js';

export { EmbeddedDatabaseUnavailableError, type EmbeddedDatabaseAttempt } from './errors.js';

export type EmbeddedDatabaseKind = 'mongod' | 'java-wire-server';

export interface EmbeddedDatabase {
  /** Connection string without a database name: `mongodb://127.0.0.1:40123/?replicaSet=rs0`. */
  uri: string;
  kind: EmbeddedDatabaseKind;
  /** True for a mongod replica set; the Java wire server reports itself as a standalone. */
  replicaSet: boolean;
  /** Stops the server and waits for its process to exit. Safe to call more than once. */
  stop(): Promise<void>;
}

export interface StartEmbeddedDatabaseOptions {
  /** Where mongod keeps its files (the Java wire server keeps everything in memory).
   * @default '.tumnus/db' (relative to the working directory) */
  dataDir?: string;
  /** @default a silent logger */
  logger?: Logger;
  /** Loopback port to listen on. @default a free port chosen by the operating system */
  port?: number;
  /**
   * The server will run for minutes or more (a runtime, a benchmark), not for one test run: the
   * Java server then trades a slower start for its optimising compiler. @default false
   */
  longRunning?: boolean;
}

const DEFAULTS = Object.freeze({ dataDir: '.tumnus/db' });

/**
 * Starts a MongoDB-compatible server on 127.0.0.1 for local runs and tests, and resolves once it
 * answers ping. Tries a mongod single-node replica set through mongodb-memory-server first, then
 * the in-memory Java wire server (see docs/test-server.md for how that one differs from MongoDB).
 * The server process dies with this one. Throws EmbeddedDatabaseUnavailableError, whose message
 * says what to install, when neither can start.
 */
export async function startEmbeddedDatabase(
  options: StartEmbeddedDatabaseOptions = {},
): Promise<EmbeddedDatabase> {
  const port = validatePort(options.port);
  const dataDir = options.dataDir ?? DEFAULTS.dataDir;
  const logger = (options.logger ?? pino({ enabled: false })).child({ component: 'embedded-db' });
  const attempts: EmbeddedDatabaseAttempt[] = [];
  const causes: unknown[] = [];
  const startedAt = Date.now();

  try {
    const mongod = await startMongodReplSet(dataDir, port);
    return started({ ...mongod, kind: 'mongod', replicaSet: true }, logger, startedAt);
  } catch (error) {
    attempts.push({ kind: 'mongod', reason: reasonOf(error) });
    causes.push(error);
    // A missing binary is the expected case offline: the reason says it all, no stack needed.
    const detail = error instanceof MongodBinaryMissingError ? {} : { err: error };
    logger.warn(
      { from: 'mongod', to: 'java-wire-server', reason: reasonOf(error), ...detail },
      'embedded database fallback',
    );
  }

  try {
    const server = await startJavaWireServer(port, options.longRunning ?? false, logger);
    return started({ ...server, kind: 'java-wire-server', replicaSet: false }, logger, startedAt);
  } catch (error) {
    attempts.push({ kind: 'java-wire-server', reason: reasonOf(error) });
    causes.push(error);
  }

  const unavailable = new EmbeddedDatabaseUnavailableError(attempts, causes);
  logger.error({ attempts }, 'embedded database unavailable');
  throw unavailable;
}

async function startJavaWireServer(port: number | undefined, longRunning: boolean, logger: Logger) {
  const { jdk, rejected } = await findJdk();
  if (!jdk) {
    const looked = rejected.length > 0 ? ` (refused: ${rejected.join('; ')})` : '';
    throw new Error(
      `no JDK >= ${MIN_JAVA_VERSION} found in JAVA_HOME, /usr/lib/jvm or PATH${looked}`,
    );
  }
  logger.debug({ jdk: jdk.home, version: jdk.version }, 'using jdk');
  return startWireServer(jdk, { port, longRunning }, logger);
}

function started(db: EmbeddedDatabase, logger: Logger, startedAt: number): EmbeddedDatabase {
  const { uri, kind, replicaSet } = db;
  logger.info(
    { uri, kind, replicaSet, durationMs: Date.now() - startedAt },
    'embedded database started',
  );
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= db.stop().then(() => logger.info({ uri, kind }, 'embedded database stopped')));
  return { uri, kind, replicaSet, stop };
}

function validatePort(port: number | undefined): number | undefined {
  if (port === undefined) return undefined;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TumnusError(
      ErrorCode.InvalidArgument,
      `options.port must be an integer between 1 and 65535, got ${String(port)}`,
    );
  }
  return port;
}

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // Keep the first line: JVM and Maven output follows on later lines and stays in `cause`.
  return message.split('\n')[0] ?? message;
}
