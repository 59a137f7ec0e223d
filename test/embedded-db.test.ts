import { randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { MongoClient, type ChangeStream, type ChangeStreamDocument, type Document } from 'mongodb';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../sdk/errors.js';
import {
  EmbeddedDatabaseUnavailableError,
  startEmbeddedDatabase,
} from '../runtime/embedded-db/index.js';
import { findJdk } from '../runtime/embedded-db/java-home.js';
import { quietNetworkHandles, settledExcess } from './support/leak-guard.js';
import { useTestDatabase, withDatabaseName } from './support/test-database.js';

const testDb = useTestDatabase();
const { jdk } = await findJdk();
const isLinux = process.platform === 'linux';

describe('the test run database server', () => {
  let client: MongoClient;

  beforeAll(async () => {
    client = await new MongoClient(testDb.uri).connect();
  });

  afterAll(async () => {
    await client.close();
  });

  it('stores and finds a document in the per-file database', async () => {
    const tasks = client.db().collection('tasks');
    const { insertedId } = await tasks.insertOne({ parent: 'SendEmail', state: 'queued' });

    const found = await tasks.findOne({ _id: insertedId });

    expect(client.db().databaseName).toBe(testDb.dbName);
    expect(found).toMatchObject({ parent: 'SendEmail', state: 'queued' });
  });

  it('gives each queued task to exactly one of many concurrent claimers', async () => {
    const tasks = client.db().collection('claims');
    await tasks.insertMany(Array.from({ length: 40 }, (_, n) => ({ n, state: 'queued' })));
    const claimers = await Promise.all(
      Array.from({ length: 4 }, () => new MongoClient(testDb.uri).connect()),
    );

    try {
      const claimed = (await Promise.all(claimers.map((c, worker) => claimAll(c, worker)))).flat();
      expect(claimed).toHaveLength(40);
      expect(new Set(claimed).size).toBe(40);
    } finally {
      await Promise.all(claimers.map((c) => c.close()));
    }
  });

  it.skipIf(testDb.kind === 'external' && !testDb.replicaSet)(
    'streams an insert and an update with the looked-up full document',
    async () => {
      const tasks = client.db().collection('watched');
      const stream = tasks.watch([{ $match: { 'fullDocument.parent': 'SendEmail' } }], {
        fullDocument: 'updateLookup',
      });
      try {
        // The first round trip opens the server-side stream; later writes are then seen.
        await stream.tryNext();
        const { insertedId } = await tasks.insertOne({ parent: 'SendEmail', state: 'queued' });
        const inserted = await nextWithin(stream, 5_000);
        await tasks.updateOne({ _id: insertedId }, { $set: { state: 'done' } });
        const updated = await nextWithin(stream, 5_000);

        expect(inserted).toMatchObject({
          operationType: 'insert',
          documentKey: { _id: insertedId },
        });
        expect(updated).toMatchObject({
          operationType: 'update',
          fullDocument: { _id: insertedId, state: 'done' },
        });
        // The Java wire server puts the update operators into documentKey (docs/test-server.md).
        if (testDb.kind !== 'java-wire-server') {
          expect(updated).toMatchObject({ documentKey: { _id: insertedId } });
        }
      } finally {
        await stream.close();
      }
    },
  );

  it.skipIf(testDb.kind === 'external' && !testDb.replicaSet)(
    'streams the writes of findOneAndUpdate, its upsert and findOneAndDelete',
    async () => {
      const tasks = client.db().collection<{ _id: string; state: string }>('modified');
      const stream = tasks.watch([], { fullDocument: 'updateLookup' });
      try {
        await stream.tryNext();
        await tasks.insertOne({ _id: 'a', state: 'queued' });
        await tasks.findOneAndUpdate({ _id: 'a' }, { $set: { state: 'leased' } });
        const upserted = await tasks.findOneAndUpdate(
          { _id: 'b' },
          { $setOnInsert: { state: 'queued' } },
          { upsert: true },
        );
        await tasks.findOneAndDelete({ _id: 'b' });

        const events = [];
        for (let i = 0; i < 4; i++) events.push(await nextWithin(stream, 5_000));
        expect(events.map((e) => e?.operationType)).toEqual([
          'insert',
          'update',
          'insert',
          'delete',
        ]);
        expect(events[2]).toMatchObject({ fullDocument: { _id: 'b', state: 'queued' } });
        expect(events[3]).toMatchObject({ documentKey: { _id: 'b' } });
        // An upsert that inserts returns no document unless the new one is asked for.
        expect(upserted).toBeNull();
      } finally {
        await stream.close();
      }
    },
  );

  it('answers sorted queries with skip and limit in order', async () => {
    const ranked = client.db().collection<{ n: number; key: number; odd: boolean }>('ranked');
    // Keys repeat; the second sort field settles ties, which MongoDB leaves unordered.
    const docs = Array.from({ length: 60 }, (_, n) => ({
      n,
      key: (n * 37) % 11,
      odd: n % 2 === 1,
    }));
    await ranked.insertMany(docs.map((d) => ({ ...d })));
    const expected = docs
      .filter((d) => d.odd)
      .sort((a, b) => b.key - a.key || a.n - b.n)
      .map((d) => d.n);

    for (const [skip, limit] of [
      [0, 1],
      [0, 7],
      [5, 4],
      [25, 10],
    ] as const) {
      const found = await ranked
        .find({ odd: true }, { sort: { key: -1, n: 1 }, skip, limit, projection: { _id: 0, n: 1 } })
        .toArray();
      expect(found.map((d) => d.n)).toEqual(expected.slice(skip, skip + limit));
    }
  });

  // Tumnus's streams match on updateDescription before MongoDB looks the document up; the test
  // server must describe updates (and replacements) the way MongoDB does for that to work here.
  it.skipIf(testDb.kind === 'external' && !testDb.replicaSet)(
    'describes updates and replacements as MongoDB does',
    async () => {
      const things = client.db().collection<{ _id: string; state?: string; n?: number }>('shapes');
      const stream = things.watch([{ $match: { operationType: { $in: ['update', 'replace'] } } }], {
        fullDocument: 'updateLookup',
      });
      try {
        await stream.tryNext();
        await things.insertOne({ _id: 'a', state: 'queued', n: 1 });
        await things.updateOne({ _id: 'a' }, { $set: { state: 'leased' }, $unset: { n: '' } });
        await things.replaceOne({ _id: 'a' }, { state: 'replaced' });
        await things.deleteOne({ _id: 'a' });

        const update = await nextWithin(stream, 5_000);
        expect(update).toMatchObject({
          operationType: 'update',
          documentKey: { _id: 'a' },
          updateDescription: { updatedFields: { state: 'leased' }, removedFields: ['n'] },
        });
        // Looked up when read, after the replacement and the delete: MongoDB gives null then too.
        expect(update && 'fullDocument' in update ? update.fullDocument : 'missing').toBeNull();
        expect(await nextWithin(stream, 5_000)).toMatchObject({
          operationType: 'replace',
          documentKey: { _id: 'a' },
          fullDocument: { _id: 'a', state: 'replaced' },
        });
      } finally {
        await stream.close();
      }
    },
  );

  it('sees an open client as a leaked network handle until it is closed', async () => {
    // Sockets of clients closed by earlier tests may still be going away; start from a quiet count.
    const baseline = await quietNetworkHandles();
    const extra = await new MongoClient(testDb.uri).connect();

    try {
      expect(Object.keys(await settledExcess(baseline, 0))).toContain('TCPSocketWrap');
    } finally {
      await extra.close();
    }
    expect(await settledExcess(baseline)).toEqual({});
  });
});

describe('startEmbeddedDatabase', () => {
  it.skipIf(!isLinux || !jdk)(
    'starts a server of its own on a given port and leaves no process after stop()',
    async () => {
      const dataDir = await mkdtemp(path.join(tmpdir(), 'tumnus-embedded-test-'));
      const port = await freePort();
      const before = await descendantPids();
      const db = await startEmbeddedDatabase({ dataDir, port });

      try {
        const spawned = [...(await descendantPids())].filter((pid) => !before.has(pid));
        expect(spawned.length).toBeGreaterThan(0);
        expect(db.uri).toContain(`127.0.0.1:${port}`);
        await expectPing(db.uri);

        await db.stop();
        await db.stop();
        await vi.waitFor(async () => expect(await alive(spawned)).toEqual([]), { timeout: 10_000 });
      } finally {
        await db.stop();
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  );

  it.skipIf(!jdk)('falls back to the Java wire server and says why at warn level', async () => {
    vi.stubEnv('MONGOMS_SYSTEM_BINARY', path.join(tmpdir(), `no-such-mongod-${randomUUID()}`));
    const lines: Document[] = [];
    const logger = pino({ level: 'warn' }, captureLines(lines));

    const db = await startEmbeddedDatabase({ dataDir: path.join(tmpdir(), 'unused'), logger });
    try {
      expect(db).toMatchObject({ kind: 'java-wire-server', replicaSet: false });
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 40,
          msg: 'embedded database fallback',
          component: 'embedded-db',
          from: 'mongod',
          to: 'java-wire-server',
          reason: expect.stringContaining('no-such-mongod'),
        }),
      );
      await expectPing(db.uri);
    } finally {
      await db.stop();
      vi.unstubAllEnvs();
    }
  });

  it('rejects a port that is not a TCP port, naming the option', async () => {
    await expect(startEmbeddedDatabase({ port: 70_000 })).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
      message: expect.stringContaining('options.port'),
    });
  });

  it('explains every way out when no database can be started', () => {
    const error = new EmbeddedDatabaseUnavailableError(
      [
        { kind: 'mongod', reason: 'no mongod binary' },
        { kind: 'java-wire-server', reason: 'no JDK >= 17 found' },
      ],
      [new Error('a'), new Error('b')],
    );

    expect(error.code).toBe('EMBEDDED_DB_UNAVAILABLE');
    for (const hint of [
      'TUMNUS_MONGO_URI',
      '--mongo',
      'MONGOMS_SYSTEM_BINARY',
      'JDK >= 17',
      'Maven',
    ]) {
      expect(error.message).toContain(hint);
    }
    expect(error.message).toContain('java-wire-server: no JDK >= 17 found');
    expect(error.cause).toBeInstanceOf(AggregateError);
  });
});

describe('findJdk', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'tumnus-jvm-'));
    await fakeJdk(path.join(root, 'jre-21'), '21.0.2', { javac: false });
    await fakeJdk(path.join(root, 'jdk-11'), '11.0.22');
    await fakeJdk(path.join(root, 'jdk-17'), '17.0.15');
    await fakeJdk(path.join(root, 'jdk-25'), '25');
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('prefers JAVA_HOME when it is a JDK of version 17 or newer', async () => {
    const found = await findJdk({
      javaHome: path.join(root, 'jdk-17'),
      jvmRoot: root,
      pathEnv: '',
    });
    expect(found.jdk).toMatchObject({ home: path.join(root, 'jdk-17'), version: 17 });
  });

  it('skips JREs and old JDKs, takes the newest JDK and says why it refused others', async () => {
    const found = await findJdk({
      javaHome: path.join(root, 'jdk-11'),
      jvmRoot: root,
      pathEnv: '',
    });

    expect(found.jdk).toMatchObject({ home: path.join(root, 'jdk-25'), version: 25 });
    expect(found.rejected.join('\n')).toMatch(/jdk-11: version 11 is older than 17/);
    expect(found.rejected.join('\n')).toMatch(/jre-21: no bin\/javac/);
  });

  it('reports no JDK when none qualifies', async () => {
    const found = await findJdk({
      javaHome: undefined,
      jvmRoot: path.join(root, 'none'),
      pathEnv: '',
    });
    expect(found).toEqual({ jdk: undefined, rejected: [] });
  });
});

describe('withDatabaseName', () => {
  it.each([
    ['mongodb://127.0.0.1:1/?replicaSet=rs0', 'mongodb://127.0.0.1:1/t_x?replicaSet=rs0'],
    ['mongodb://127.0.0.1:1', 'mongodb://127.0.0.1:1/t_x'],
    ['mongodb://u:p@a:1,b:2/old?w=1&tls=false', 'mongodb://u:p@a:1,b:2/t_x?w=1&tls=false'],
  ])('puts the database into %s', (uri, expected) => {
    expect(withDatabaseName(uri, 't_x')).toBe(expected);
  });
});

async function claimAll(client: MongoClient, worker: number): Promise<number[]> {
  const tasks = client.db().collection<{ n: number; state: string }>('claims');
  const claimed: number[] = [];
  for (;;) {
    const task = await tasks.findOneAndUpdate(
      { state: 'queued' },
      { $set: { state: 'leased', worker } },
      { sort: { n: 1 }, returnDocument: 'after' },
    );
    if (!task) return claimed;
    claimed.push(task.n);
  }
}

async function nextWithin(
  stream: ChangeStream,
  ms: number,
): Promise<ChangeStreamDocument | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([stream.next(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function expectPing(uri: string): Promise<void> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    expect(await client.db('admin').command({ ping: 1 })).toMatchObject({ ok: 1 });
  } finally {
    await client.close();
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** Every live process descended from this one, read from /proc (Linux only). */
async function descendantPids(): Promise<Set<number>> {
  const parentOf = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // Field 4 is the parent pid; the command name before it may contain spaces, hence lastIndexOf.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[1]) parentOf.set(Number(entry), Number(fields[1]));
  }
  const found = new Set<number>();
  let frontier = [process.pid];
  while (frontier.length > 0) {
    const next = [...parentOf].filter(([, ppid]) => frontier.includes(ppid)).map(([pid]) => pid);
    next.forEach((pid) => found.add(pid));
    frontier = next;
  }
  return found;
}

/** The pids that still exist and are not zombies. */
async function alive(pids: number[]): Promise<number[]> {
  const states = await Promise.all(
    pids.map(async (pid) => {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      return stat === ''
        ? 'gone'
        : stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    }),
  );
  return pids.filter((_, i) => states[i] !== 'gone' && states[i] !== 'Z');
}

async function fakeJdk(home: string, version: string, { javac = true } = {}): Promise<void> {
  await mkdir(path.join(home, 'bin'), { recursive: true });
  await writeFile(path.join(home, 'release'), `JAVA_VERSION="${version}"\n`);
  for (const tool of javac ? ['java', 'javac'] : ['java']) {
    const file = path.join(home, 'bin', tool);
    await writeFile(file, '#!/bin/sh\nexit 1\n');
    await chmod(file, 0o755);
  }
}

/** A pino destination that parses each JSON line into `lines`. */
function captureLines(lines: Document[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
}
