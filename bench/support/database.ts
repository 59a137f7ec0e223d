import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { pino } from 'pino';
import { startEmbeddedDatabase } from '../../runtime/embedded-db/index.js';

export type DatabaseKind = 'mongod' | 'java-wire-server' | 'external';

export interface BenchDatabase {
  /** Server URI without a database name. */
  uri: string;
  kind: DatabaseKind;
  /** Server version as the server reports it (`buildInfo`). */
  version: string;
  /** A fresh database name for one measured run. */
  freshDbName(prefix: string): string;
  /** The server URI with `dbName` as its path. */
  uriFor(dbName: string): string;
  /** A driver client for housekeeping (dropping databases, serverStatus). */
  admin: MongoClient;
  dropDatabase(dbName: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The database every MongoDB-backed system shares: TUMNUS_BENCH_MONGO_URI when set (a real
 * replica set, say), else the embedded one (mongod when available, else the Java wire server).
 */
export async function startBenchDatabase(): Promise<BenchDatabase> {
  const external = process.env.TUMNUS_BENCH_MONGO_URI;
  const logger = pino({ name: 'bench-db', level: 'warn' }, pino.destination(2));
  const server = external
    ? { uri: external, kind: 'external' as const, stop: async () => undefined }
    : await startEmbeddedDatabase({ logger, dataDir: '.tumnus/bench-db' });

  const admin = new MongoClient(server.uri, { serverSelectionTimeoutMS: 10_000 });
  await admin.connect();
  const info = await admin.db('admin').command({ buildInfo: 1 });

  return {
    uri: server.uri,
    kind: server.kind,
    version: String(info.version ?? 'unknown'),
    freshDbName: (prefix) => `bench_${prefix}_${randomBytes(3).toString('hex')}`,
    uriFor: (dbName) => withDbName(server.uri, dbName),
    admin,
    dropDatabase: async (dbName) => {
      await admin.db(dbName).dropDatabase();
    },
    stop: async () => {
      await admin.close();
      await server.stop();
    },
  };
}

/** Replaces the URI's path (works for multi-host URIs, which `URL` cannot parse). */
function withDbName(uri: string, dbName: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!match) throw new Error('the benchmark database URI is not a mongodb:// URI');
  return `${match[1]}/${dbName}${match[2] ?? ''}`;
}
