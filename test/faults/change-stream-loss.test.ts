// Change streams that die under the runtime and under waiting senders. Their cursors are killed
// on the server, and the server then refuses to resume them because the resume point is too old
// (ChangeStreamHistoryLost, as MongoDB answers once the oplog has moved past a token). Both open
// a fresh stream and catch up with one read (the runtime sweeps for ready tasks, waiters re-read
// their tasks), with backoff between failures rather than a tight loop. The periodic sweep is set
// to a minute here, so only the recovery itself can pick up the tasks sent meanwhile.
//
// A runtime restarted with a saved stream position the server no longer has starts a fresh
// stream, and its start-up sweep claims what was sent while no runtime ran.
//
// Deviation (docs/test-server.md): the Java wire server resumes from any token it is given, even
// one it never issued, so the history loss is injected by the wire proxy for every server kind.
import { Writable } from 'node:stream';
import { MongoClient } from 'mongodb';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Tumnus, { type TaskHandle } from '../../sdk/index.js';
import { useTestDatabase } from '../support/test-database.js';
import { FaultWorkspace, type FaultRuntime, sleep } from './support/fault-runtime.js';
import { expectInvariants, settledResults } from './support/invariants.js';
import {
  CHANGE_STREAM_HISTORY_LOST,
  isChangeStreamResume,
  WireProxy,
} from './support/wire-proxy.js';

const database = useTestDatabase();

const HANDLERS = {
  Work: {
    options: { maxAttempts: 3, backoffMs: 100, leaseMs: 1_000 },
    body: 'return { run };',
  },
};

let workspace: FaultWorkspace;
let proxy: WireProxy;
let uri: string;
let runtime: FaultRuntime;
let client: Tumnus;
let mongo: MongoClient;
/** The waiting client's own log lines (warnings and up). */
const clientLogs: Record<string, unknown>[] = [];

beforeAll(async () => {
  workspace = await FaultWorkspace.create(HANDLERS, { sweepIntervalMs: 60_000 });
  proxy = await WireProxy.start(database.serverUri);
  uri = proxy.uri(database.serverUri, database.dbName);
  runtime = workspace.startRuntime(uri, { concurrency: 2 });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      clientLogs.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  client = new Tumnus({ uri, logger: pino({ level: 'warn' }, sink) });
  mongo = new MongoClient(database.uri);
  await runtime.ready();
});

afterAll(async () => {
  await client?.close();
  await mongo?.close();
  if (runtime) expect(await runtime.terminate()).toBe(0);
  await proxy?.close();
  await workspace?.remove();
});

const send = (count: number) =>
  Promise.all(Array.from({ length: count }, () => new client.Task('Work').send({})));

describe('killed change-stream cursors whose resume point is gone', () => {
  it('are replaced by fresh streams that catch up on what they missed', async () => {
    // Both streams have seen events, so they hold resume tokens to resume from.
    const warmup = await send(2);
    await settledResults(warmup);

    const refuseResume = proxy.failCommands(isChangeStreamResume, CHANGE_STREAM_HISTORY_LOST);
    const waiting = await send(3);
    const results = settledResults(waiting, 20_000);
    await killChangeStreams();
    await sleep(300);
    const afterKill = await send(3);

    const handles: TaskHandle[] = [...warmup, ...waiting, ...afterKill];
    const all = [...(await results), ...(await settledResults(afterKill, 20_000))];
    refuseResume.stop();

    expect(all.map((r) => r.status)).toEqual([...waiting, ...afterKill].map(() => 'success'));
    expect(refuseResume.hits()).toBeGreaterThanOrEqual(2);
    expect(
      runtime.logs('change stream failed, reopening').filter((l) => l.stream === 'task').length,
    ).toBeGreaterThanOrEqual(1);
    expect(
      clientLogs.filter(
        (l) => l.msg === 'change stream failed, reopening' && l.stream === 'completion',
      ).length,
    ).toBeGreaterThanOrEqual(1);
    await expectInvariants(mongo.db(), {
      taskIds: handles.map((h) => h.id),
      runs: await workspace.runs(),
    });
  });
});

describe('a server that refuses every change stream for a while', () => {
  it('is retried with backoff, and the backlog is claimed once a stream opens', async () => {
    const refuseAll = proxy.failCommands(
      (command) => command.aggregate !== undefined && Boolean(command.pipeline?.[0]?.$changeStream),
      CHANGE_STREAM_HISTORY_LOST,
    );
    const failuresBefore = runtime
      .logs('change stream failed, reopening')
      .filter((l) => l.stream === 'task').length;
    await killChangeStreams();
    await sleep(500);
    const handles = await send(3);
    await sleep(3_000);
    refuseAll.stop();

    const results = await settledResults(handles, 20_000);
    expect(results.map((r) => r.status)).toEqual(handles.map(() => 'success'));
    // Backoff doubles from 100 ms: a handful of failures in 3.5 s, not thousands.
    const failures =
      runtime.logs('change stream failed, reopening').filter((l) => l.stream === 'task').length -
      failuresBefore;
    expect(failures).toBeGreaterThanOrEqual(1);
    expect(failures).toBeLessThanOrEqual(8);
    await expectInvariants(mongo.db(), {
      taskIds: handles.map((h) => h.id),
      runs: await workspace.runs(),
    });
  });
});

describe('a restarted runtime whose saved stream position is too old', () => {
  it('starts a fresh stream and claims what was sent while it was down', async () => {
    expect(await runtime.terminate()).toBe(0);
    const positions = mongo.db().collection('stream_positions');
    expect(await positions.countDocuments()).toBeGreaterThanOrEqual(1);
    const backlog = await send(3);

    const refuseResume = proxy.failCommands(isChangeStreamResume, CHANGE_STREAM_HISTORY_LOST);
    runtime = workspace.startRuntime(uri, { concurrency: 2 });
    await runtime.ready();
    const handles = [...backlog, ...(await send(2))];
    const results = await settledResults(handles, 20_000);
    refuseResume.stop();

    expect(results.map((r) => r.status)).toEqual(handles.map(() => 'success'));
    expect(refuseResume.hits()).toBeGreaterThanOrEqual(1);
    expect(runtime.logs('stream position lost, starting fresh')).toHaveLength(1);
    await expectInvariants(mongo.db(), {
      taskIds: handles.map((h) => h.id),
      runs: await workspace.runs(),
    });
  });
});

/** Kills every change-stream cursor opened through the proxy, on the server itself. */
async function killChangeStreams(): Promise<void> {
  for (const cursor of proxy.changeStreamCursors()) {
    await mongo.db(cursor.db).command({ killCursors: cursor.collection, cursors: [cursor.id] });
  }
}
