import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { pino } from 'pino';
import { startEmbeddedDatabase } from '../../runtime/embedded-db/index.js';

export type DatabaseKind = 'mongod' | 'java-wire-server' | 'external';

interface Server {
  uri: string;
  kind: DatabaseKind;
  stop(): Promise<void>;
}

/**
 * The database every MongoDB-backed system shares: TUMNUS_BENCH_MONGO_URI when set (a real
 * replica set, say), else the embedded one (mongod when available, else the Java wire server).
 *
 * The Java wire server never trims its oplog, and every change stream read scans it, so its
 * change-stream latency grows with every write since it started (measured: p50 10 ms fresh,
 * 30 ms after 30,000 writes). `fresh()` therefore restarts it before each measured run, so no
 * run pays for the ones before it; a real server is left alone.
 */
export class BenchDatabase {
  version = 'unknown';

  private constructor(
    private server: Server,
    public admin: MongoClient,
  ) {}

  static async start(): Promise<BenchDatabase> {
    const server = await startServer();
    const db = new BenchDatabase(server, await connectAdmin(server.uri));
    const info = await db.admin.db('admin').command({ buildInfo: 1 });
    db.version = String(info.version ?? 'unknown');
    return db;
  }

  /** Server URI without a database name. */
  get uri(): string {
    return this.server.uri;
  }

  get kind(): DatabaseKind {
    return this.server.kind;
  }

  /** Before a measured run: a new server where the old one carries history (see above). */
  async fresh(): Promise<void> {
    if (this.server.kind !== 'java-wire-server') return;
    await this.admin.close();
    await this.server.stop();
    this.server = await startServer();
    this.admin = await connectAdmin(this.server.uri);
  }

  /** A fresh database name for one measured run. */
  freshDbName(prefix: string): string {
    return `bench_${prefix}_${randomBytes(3).toString('hex')}`;
  }

  /** The server URI with `dbName` as its path (works for multi-host URIs, unlike `URL`). */
  uriFor(dbName: string): string {
    const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(this.server.uri);
    if (!match) throw new Error('the benchmark database URI is not a mongodb:// URI');
    return `${match[1]}/${dbName}${match[2] ?? ''}`;
  }

  async dropDatabase(dbName: string): Promise<void> {
    await this.admin.db(dbName).dropDatabase();
  }

  async stop(): Promise<void> {
    await this.admin.close();
    await this.server.stop();
  }
}

async function startServer(): Promise<Server> {
  const external = process.env.TUMNUS_BENCH_MONGO_URI;
  if (external) return { uri: external, kind: 'external', stop: async () => undefined };
  const logger = pino({ name: 'bench-db', level: 'error' }, pino.destination(2));
  return startEmbeddedDatabase({ logger, dataDir: '.tumnus/bench-db', longRunning: true });
}

async function connectAdmin(uri: string): Promise<MongoClient> {
  const admin = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  await admin.connect();
  return admin;
}
