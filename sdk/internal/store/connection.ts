import { pino } from 'pino';
import { MongoClient, MongoParseError, type Collection, type Db } from 'mongodb';
import { ErrorCode, TumnusError } from '../../errors.js';
import type { Logger } from '../logger.js';
import { redactUri } from '../redact-uri.js';
import {
  CollectionName,
  type EventDocument,
  type ParentDocument,
  type SubscriptionDocument,
  type TaskDocument,
} from './documents.js';
import { isDuplicateKeyError } from './duplicate-key.js';
import { EventLog } from './events.js';
import type { ScheduleDocument } from './schedules.js';
import type { SupervisorRecord } from './supervisors.js';
import type { StreamPositionDocument } from './stream-positions.js';
import { MonitorWatchdog } from './monitor-watchdog.js';
import { isTransientError } from './transient-error.js';
import { ServerClock } from './server-clock.js';

export interface ConnectionSettings {
  uri: string;
  /** Database name; when absent, the URI's path, then `tumnus`. */
  dbName?: string;
  appName?: string;
  serverSelectionTimeoutMs: number;
  /** Where the connection reports its own recovery (a stuck monitor rebuilt). @default silent */
  logger?: Logger;
}

/** An open connection to the Tumnus database: one MongoClient, its collections and clock. */
export class StoreConnection {
  readonly tasks: Collection<TaskDocument>;
  readonly parents: Collection<ParentDocument>;
  readonly events: Collection<EventDocument>;
  readonly subscriptions: Collection<SubscriptionDocument>;
  readonly schedules: Collection<ScheduleDocument>;
  readonly supervisors: Collection<SupervisorRecord>;
  readonly streamPositions: Collection<StreamPositionDocument>;
  readonly clock: ServerClock;
  /** Lifecycle events, written in batches off the hot path. */
  readonly eventLog: EventLog;
  /** Called with the error when a batch of events could not be written. */
  onEventWriteError: (error: unknown, lost: number) => void = () => undefined;
  private readonly watchdog: MonitorWatchdog;
  private closed = false;

  private constructor(
    readonly client: MongoClient,
    readonly db: Db,
    logger: Logger,
  ) {
    this.watchdog = new MonitorWatchdog(client, logger);
    this.tasks = db.collection<TaskDocument>(CollectionName.Tasks);
    this.parents = db.collection<ParentDocument>(CollectionName.Parents);
    this.events = db.collection<EventDocument>(CollectionName.Events);
    this.subscriptions = db.collection<SubscriptionDocument>(CollectionName.Subscriptions);
    this.schedules = db.collection<ScheduleDocument>(CollectionName.Schedules);
    this.supervisors = db.collection<SupervisorRecord>(CollectionName.Supervisors);
    this.streamPositions = db.collection<StreamPositionDocument>(CollectionName.StreamPositions);
    this.clock = new ServerClock(db);
    this.eventLog = new EventLog(this, (error, lost) => this.onEventWriteError(error, lost));
  }

  static async open(settings: ConnectionSettings): Promise<StoreConnection> {
    const client = createClient(settings);
    try {
      await client.connect();
    } catch (error) {
      await client.close().catch(() => undefined);
      throw new TumnusError(
        ErrorCode.ConnectionFailed,
        `cannot connect to MongoDB at ${redactUri(settings.uri)}: ${scrub(error, settings.uri)}`,
        { cause: scrubError(error, settings.uri), retryable: true },
      );
    }

    const db = client.db(settings.dbName ?? defaultDbName(client));
    const connection = new StoreConnection(client, db, settings.logger ?? pino({ enabled: false }));
    connection.watchdog.start();
    try {
      await connection.clock.refresh(true);
      await connection.ensureBaseIndexes();
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
    return connection;
  }

  /** True once `close()` was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.eventLog.flush();
    await this.watchdog.stop();
    await this.client.close();
  }

  /** Collections and indexes every parent shares; creating existing ones is a no-op. */
  async ensureBaseIndexes(): Promise<void> {
    await this.tasks.createIndexes([
      // Claim order: the next ready task of a parent.
      { key: { parent: 1, status: 1, runAt: 1 }, name: 'claim_order' },
      // Reaping: leases whose holder went silent.
      { key: { status: 1, 'lease.expiresAt': 1 }, name: 'lease_expiry' },
      // At most one task per parent and idempotency key; tasks without a key are not indexed.
      { key: { dedupeKey: 1 }, name: 'idempotency', unique: true, sparse: true },
      // Operators: list a parent's tasks newest first.
      { key: { parent: 1, createdAt: -1 }, name: 'parent_created' },
    ]);

    // Tasks are never removed automatically. Everything else expires at its own `expiresAt`,
    // which the schema requires to be a real date: a TTL index silently skips anything else.
    for (const collection of [
      this.events,
      this.subscriptions,
      this.supervisors,
      this.streamPositions,
    ]) {
      await this.createWithDateExpiry(collection.collectionName);
      await collection.createIndex({ expiresAt: 1 }, { name: 'retention', expireAfterSeconds: 0 });
    }
    await this.events.createIndexes([
      { key: { parent: 1, at: 1 }, name: 'parent_at' },
      { key: { taskId: 1, at: 1 }, name: 'task_at' },
    ]);
  }

  private async createWithDateExpiry(name: string): Promise<void> {
    const validator = {
      $jsonSchema: {
        bsonType: 'object',
        required: ['expiresAt'],
        properties: { expiresAt: { bsonType: 'date' } },
      },
    };
    try {
      await this.db.createCollection(name, { validator });
    } catch (error) {
      // 48 NamespaceExists: created earlier (by us, with the same validator).
      if ((error as { code?: unknown }).code !== 48 && !isDuplicateKeyError(error)) throw error;
    }
  }
}

function createClient(settings: ConnectionSettings): MongoClient {
  try {
    return new MongoClient(settings.uri, {
      appName: settings.appName ?? 'tumnus',
      serverSelectionTimeoutMS: settings.serverSelectionTimeoutMs,
      // A waiter blocks on a change stream getMore for as long as it waits.
      socketTimeoutMS: 0,
    });
  } catch (error) {
    const message = error instanceof MongoParseError ? error.message : 'malformed URI';
    throw new TumnusError(
      ErrorCode.InvalidUri,
      `invalid MongoDB URI ${redactUri(settings.uri)}: ${stripUri(message, settings.uri)}`,
    );
  }
}

function defaultDbName(client: MongoClient): string {
  return client.options.dbName && client.options.dbName !== 'test'
    ? client.options.dbName
    : 'tumnus';
}

/**
 * A transient driver failure (see isTransientError) as `CONNECTION_FAILED`, credentials removed;
 * any other error unchanged. `consequence` tells the caller what the failure may have left.
 */
export function asConnectionFailure(error: unknown, uri: string, consequence: string): unknown {
  if (!isTransientError(error)) return error;
  return new TumnusError(
    ErrorCode.ConnectionFailed,
    `lost MongoDB at ${redactUri(uri)} (${scrub(error, uri)}); ${consequence}`,
    { cause: scrubError(error, uri), retryable: true },
  );
}

function stripUri(message: string, uri: string): string {
  return message.split(uri).join(redactUri(uri));
}

function scrub(error: unknown, uri: string): string {
  return stripUri(error instanceof Error ? error.message : String(error), uri);
}

/** A copy of a driver error that cannot leak the URI's credentials through `message` or `cause`. */
function scrubError(error: unknown, uri: string): Error {
  const copy = new Error(scrub(error, uri));
  copy.name = error instanceof Error ? error.name : 'Error';
  return copy;
}
