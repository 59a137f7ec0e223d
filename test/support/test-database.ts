import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, expect, inject } from 'vitest';
import type { TestServerKind } from './global-setup.js';

export interface TestDatabase {
  /** The run's server URI with this file's database name in the path; query string kept. */
  uri: string;
  /** `t_<file>_<random>`: unique per test file and run. */
  dbName: string;
  /** The run's server URI without a database name. */
  serverUri: string;
  kind: TestServerKind;
  replicaSet: boolean;
}

/** MongoDB allows 63 bytes; the prefix and random suffix take 11 of them. */
const MAX_FILE_PART = 40;

/**
 * Gives the calling test file a database of its own on the run's server, and drops it after the
 * file's tests. Call once at the top level of a test file (it registers an afterAll hook).
 */
export function useTestDatabase(): TestDatabase {
  const serverUri = inject('tumnusMongoUri');
  const dbName = `t_${fileSlug()}_${randomBytes(4).toString('hex')}`;

  afterAll(async () => {
    const client = new MongoClient(serverUri);
    try {
      await client.db(dbName).dropDatabase();
    } finally {
      await client.close();
    }
  });

  return {
    uri: withDatabaseName(serverUri, dbName),
    dbName,
    serverUri,
    kind: inject('tumnusMongoKind'),
    replicaSet: inject('tumnusMongoReplicaSet'),
  };
}

/**
 * Puts `dbName` into the path of a MongoDB connection string, replacing any database already
 * there and keeping the query string. String surgery rather than URL: a seed list such as
 * `mongodb://a:1,b:2/` is not a valid WHATWG URL.
 */
export function withDatabaseName(uri: string, dbName: string): string {
  const queryAt = uri.indexOf('?');
  const base = queryAt === -1 ? uri : uri.slice(0, queryAt);
  const query = queryAt === -1 ? '' : uri.slice(queryAt);
  const schemeEnd = base.indexOf('://') + 3;
  const pathAt = base.indexOf('/', schemeEnd);
  const hosts = pathAt === -1 ? base : base.slice(0, pathAt);
  return `${hosts}/${dbName}${query}`;
}

function fileSlug(): string {
  const testPath = expect.getState().testPath ?? 'unknown';
  const name = path.basename(testPath).replace(/\.(test|spec)\.[cm]?[jt]s$/, '');
  return name.replace(/[^A-Za-z0-9_]/g, '_').slice(0, MAX_FILE_PART);
}
