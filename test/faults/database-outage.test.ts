// The database goes away mid-run and comes back. Every connection of the runtime and of the
// waiting sender drops and new ones are refused for longer than a lease; when the server answers
// again, both recover by themselves: streams resume or reopen, the sweep catches up, results
// written during the outage are retried, and nothing is lost or done twice. Sends made during the
// outage may fail; repeated with their idempotency key afterwards, each makes exactly one task.
//
// Deviation (docs/test-server.md): the Java wire server keeps everything in memory, so stopping
// and restarting it would lose every task and prove nothing. The outage is therefore made by a
// wire proxy in front of the run's server (connections dropped, new ones refused, data kept),
// on every server kind; a real stop and restart of the database runs only on a real mongod.
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedDatabase } from '../../runtime/embedded-db/index.js';
import Tumnus, { type TaskHandle } from '../../sdk/index.js';
import { useTestDatabase, withDatabaseName } from '../support/test-database.js';
import { FaultWorkspace, sleep, until } from './support/fault-runtime.js';
import { expectInvariants, settledResults } from './support/invariants.js';
import { WireProxy } from './support/wire-proxy.js';

const database = useTestDatabase();
const LEASE_MS = 1_000;
const OUTAGE_MS = 3_000;

/** Warnings a recovering runtime may log; far more than this in one outage would be a loop. */
const RECOVERY_WARNINGS = [
  'change stream failed, reopening',
  'change stream reopen failed',
  'sweep failed',
  'claim failed',
  'lease renewal failed',
  'outcome write failed',
];

const HANDLERS = {
  Work: {
    options: { maxAttempts: 3, backoffMs: 100, leaseMs: LEASE_MS },
    body: `
      await new Promise((resolve) => setTimeout(resolve, task.payload.ms));
      return { run };`,
  },
};

let workspace: FaultWorkspace;
let mongo: MongoClient;

beforeAll(async () => {
  workspace = await FaultWorkspace.create(HANDLERS);
  mongo = new MongoClient(database.uri);
});

afterAll(async () => {
  await mongo?.close();
  await workspace?.remove();
});

describe('dropped connections and a refusing server', () => {
  let proxy: WireProxy;
  beforeAll(async () => {
    proxy = await WireProxy.start(database.serverUri);
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it(
    'recover without help, losing nothing and doing nothing twice',
    { timeout: 120_000 },
    async () => {
      // A 5 s connect timeout: a client whose monitor hangs (see MonitorWatchdog; it happens with
      // this server's polling monitor) is rebuilt after 15 s instead of 65.
      const uri = `${proxy.uri(database.serverUri, database.dbName)}&connectTimeoutMS=5000`;
      const runtime = workspace.startRuntime(uri, { concurrency: 2 });
      // Quiet: on the Java server its monitor gets stuck and is rebuilt, which it logs as a warning.
      const client = new Tumnus({ uri, logger: pino({ level: 'silent' }) });
      try {
        await runtime.ready();
        const before = await Promise.all(
          Array.from({ length: 12 }, () => new client.Task('Work').send({ ms: 600 })),
        );
        const waiting = settledResults(before, 60_000);
        await until('some tasks ran', async () => (await workspace.runs()).length >= 3);

        proxy.cut();
        const warningsBefore = countWarnings(runtime.logs());
        const keys = ['a', 'b', 'c', 'd'];
        const sendKey = (key: string) =>
          new client.Task('Work').send({ ms: 100 }, { idempotencyKey: key });
        // Sent while the server is unreachable: each waits for it, and may give up.
        const during = Promise.allSettled(keys.map(sendKey));
        await sleep(OUTAGE_MS);
        proxy.heal();

        await during;
        const retried = await Promise.all(keys.map((key) => retrySend(() => sendKey(key))));
        const handles: TaskHandle[] = [...before, ...retried];
        const results = [...(await waiting), ...(await settledResults(retried, 60_000))];
        expect(results.map((r) => r.status)).toEqual(handles.map(() => 'success'));
        const keyed = await mongo
          .db()
          .collection('tasks')
          .countDocuments({ dedupeKey: /^Work:/ });
        expect(keyed).toBe(keys.length);
        await expectInvariants(mongo.db(), {
          taskIds: handles.map((h) => h.id),
          runs: await workspace.runs(),
        });
        // Backoff, not a tight loop: a handful of warnings per second of outage.
        expect(countWarnings(runtime.logs()) - warningsBefore).toBeLessThan(60);
        expect(runtime.logs('runtime ready')).toHaveLength(1);
      } finally {
        await client.close();
        expect(await runtime.terminate()).toBe(0);
      }
    },
  );
});

describe('a full stop and restart of mongod', () => {
  // Only on a real mongod: the Java wire server loses all data when it stops (see the top).
  it.runIf(database.kind === 'mongod')('loses nothing once it is back', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'tumnus-restart-'));
    const port = await freePort();
    let server = await startEmbeddedDatabase({ dataDir, port });
    const uri = withDatabaseName(server.uri, database.dbName + '_restart');
    const runtime = workspace.startRuntime(uri, { concurrency: 2 });
    const client = new Tumnus(uri);
    const direct = new MongoClient(uri);
    try {
      await runtime.ready();
      const handles = await Promise.all(
        Array.from({ length: 12 }, () => new client.Task('Work').send({ ms: 600 })),
      );
      const waiting = settledResults(handles, 90_000);
      await until('some tasks ran', async () => (await workspace.runs()).length >= 3);

      await server.stop();
      await sleep(OUTAGE_MS);
      server = await startEmbeddedDatabase({ dataDir, port });

      const results = await waiting;
      expect(results.map((r) => r.status)).toEqual(handles.map(() => 'success'));
      await expectInvariants(direct.db(), {
        taskIds: handles.map((h) => h.id),
        runs: await workspace.runs(),
      });
    } finally {
      await client.close();
      await direct.close();
      expect(await runtime.terminate()).toBe(0);
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

/** Repeats a send that fails (the server may still be coming back), at most 10 times. */
async function retrySend(send: () => Promise<TaskHandle>): Promise<TaskHandle> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (attempt === 10) throw error;
      await sleep(1_000);
    }
  }
}

function countWarnings(logs: Record<string, unknown>[]): number {
  return logs.filter((l) => RECOVERY_WARNINGS.includes(l.msg as string)).length;
}

/** A loopback port free right now, for a server that must come back on the same one. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
