import { join } from 'node:path';
import { StoreConnection } from '../sdk/internal/store/index.js';
import type { ResolvedConfig } from './config.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded-db/index.js';
import type { Logger } from './logger.js';

/** The database a runtime works on: the configured one, or an embedded one it started itself. */
export interface RuntimeDatabase {
  store: StoreConnection;
  /** The URI connected to (may hold credentials: redact before showing it). */
  uri: string;
  embedded: EmbeddedDatabase | undefined;
  close(): Promise<void>;
}

const SERVER_SELECTION_TIMEOUT_MS = 10_000;

/**
 * Connects to `config.mongoUri`; without one, starts the embedded database (files under
 * `<dataDir>/db`) so that one command runs everything on a fresh machine.
 */
export async function openDatabase(
  config: ResolvedConfig,
  logger: Logger,
): Promise<RuntimeDatabase> {
  const { uri, embedded } = await locateServer(config, logger);

  let store: StoreConnection;
  try {
    store = await StoreConnection.open({
      uri,
      appName: 'tumnus-runtime',
      serverSelectionTimeoutMs: SERVER_SELECTION_TIMEOUT_MS,
      logger: logger.child({ component: 'store' }),
      ...(config.dbName !== undefined ? { dbName: config.dbName } : {}),
    });
  } catch (error) {
    await embedded?.stop();
    throw error;
  }

  return {
    store,
    uri,
    embedded,
    close: async () => {
      await store.close();
      await embedded?.stop();
    },
  };
}

async function locateServer(
  config: ResolvedConfig,
  logger: Logger,
): Promise<{ uri: string; embedded: EmbeddedDatabase | undefined }> {
  if (config.mongoUri !== undefined) return { uri: config.mongoUri, embedded: undefined };
  const embedded = await startEmbeddedDatabase({
    dataDir: join(config.dataDir, 'db'),
    logger,
    longRunning: true,
  });
  return { uri: embedded.uri, embedded };
}
