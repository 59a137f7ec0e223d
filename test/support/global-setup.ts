import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { pino, type Logger } from 'pino';
import type { TestProject } from 'vitest/node';
import {
  startEmbeddedDatabase,
  type EmbeddedDatabaseKind,
} from '../../runtime/embedded-db/index.js';

/** 'external': TUMNUS_TEST_MONGO_URI named a server this run did not start. */
export type TestServerKind = EmbeddedDatabaseKind | 'external';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Connection string of the run's server, without a database name. */
    tumnusMongoUri: string;
    tumnusMongoKind: TestServerKind;
    /** Whether the server is a replica set (change streams on real MongoDB need one). */
    tumnusMongoReplicaSet: boolean;
  }
}

/**
 * One database server for the whole test run: the one TUMNUS_TEST_MONGO_URI names, or an embedded
 * one (mongod when available, else the Java wire server). Test files reach it through
 * `useTestDatabase()`; child processes that tests spawn read TUMNUS_TEST_MONGO_URI_RESOLVED.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const logger = pino(
    { name: 'test-server', level: process.env.TUMNUS_TEST_LOG_LEVEL ?? 'warn' },
    pino.destination(2),
  );
  const external = process.env.TUMNUS_TEST_MONGO_URI;
  const server = external ? await describeExternal(external) : await startEmbedded(logger);

  project.provide('tumnusMongoUri', server.uri);
  project.provide('tumnusMongoKind', server.kind);
  project.provide('tumnusMongoReplicaSet', server.replicaSet);
  process.env.TUMNUS_TEST_MONGO_URI_RESOLVED = server.uri;
  // The URI may carry credentials when it came from the environment, so only the kind is logged.
  logger.info({ kind: server.kind, replicaSet: server.replicaSet }, 'test database server ready');

  return server.stop;
}

interface TestServer {
  uri: string;
  kind: TestServerKind;
  replicaSet: boolean;
  stop(): Promise<void>;
}

async function startEmbedded(logger: Logger): Promise<TestServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'tumnus-test-db-'));
  const db = await startEmbeddedDatabase({ dataDir, logger });
  return {
    ...db,
    stop: async () => {
      await db.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Checks that the given server answers, and whether it is a replica set, before any test runs. */
async function describeExternal(uri: string): Promise<TestServer> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  try {
    // isMaster rather than hello: older servers and the Java wire server only know the former.
    const reply = await client.db('admin').command({ isMaster: 1 });
    // Not started by this run, so not stopped by it either.
    const stop = (): Promise<void> => Promise.resolve();
    return { uri, kind: 'external', replicaSet: typeof reply.setName === 'string', stop };
  } catch (error) {
    throw new Error('the server named by TUMNUS_TEST_MONGO_URI did not answer', { cause: error });
  } finally {
    await client.close();
  }
}
