// SIGTERM with work in flight. Attempts that finish within the grace period write their results;
// the one that does not is aborted and its lease given back at once (not left to expire) without
// spending an attempt; tasks never claimed are untouched. The process exits 0, and the next
// runtime finishes what was given back.
import { MongoClient, ObjectId, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Tumnus from '../../sdk/index.js';
import { useTestDatabase } from '../support/test-database.js';
import { FaultWorkspace, type FaultRuntime, until } from './support/fault-runtime.js';
import { expectInvariants, settledResults } from './support/invariants.js';

const database = useTestDatabase();
const GRACE_MS = 1_500;

const HANDLERS = {
  // Sleeps `firstMs` on the task's first run and `thenMs` on any later one.
  Nap: {
    options: { maxAttempts: 3, backoffMs: 50, leaseMs: 1_000 },
    body: `
      ctx.signal.addEventListener('abort', () => note(task, 'aborted', { reason: ctx.signal.reason?.message }));
      const ms = countRuns(task.id) > 1 ? task.payload.thenMs : task.payload.firstMs;
      await new Promise((resolve) => setTimeout(resolve, ms));
      return { run, pid: process.pid };`,
  },
};

let workspace: FaultWorkspace;
let first: FaultRuntime;
let second: FaultRuntime | undefined;
let client: Tumnus;
let mongo: MongoClient;

beforeAll(async () => {
  workspace = await FaultWorkspace.create(HANDLERS);
  first = workspace.startRuntime(database.uri, { concurrency: 3, graceMs: GRACE_MS });
  client = new Tumnus(database.uri);
  mongo = new MongoClient(database.uri);
  await first.ready();
});

afterAll(async () => {
  await client?.close();
  await mongo?.close();
  await first?.kill();
  if (second) expect(await second.terminate()).toBe(0);
  await workspace?.remove();
});

describe('SIGTERM with work in flight', () => {
  it('finishes in-flight work within grace, gives back the rest at once and exits 0', async () => {
    const tasks = mongo.db().collection<Document>('tasks');
    const send = (firstMs: number) => new client.Task('Nap').send({ firstMs, thenMs: 100 });
    const quick = [await send(600), await send(600)];
    const slow = await send(30_000);
    await until('all three run', async () => (await workspace.runs()).length === 3);
    const queued = await send(100);

    const signalledAt = Date.now();
    expect(await first.terminate()).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(GRACE_MS + 5_000);
    expect(first.logs('runtime stopped')[0]).toMatchObject({ released: 1 });

    for (const handle of quick) {
      expect(await handle.get()).toMatchObject({ status: 'succeeded', attempts: 1, failures: [] });
    }
    // No runtime is left to reap an expired lease: pending means it was given back.
    const given = await tasks.findOne({ _id: new ObjectId(slow.id) });
    expect(given).toMatchObject({ status: 'pending', attempts: 0, lease: null, failures: [] });
    expect(given!.runAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect(await queued.get()).toMatchObject({ status: 'pending', attempts: 0 });
    const aborted = (await workspace.notes()).filter((n) => n.what === 'aborted');
    expect(aborted.map((n) => n.taskId)).toEqual([slow.id]);

    second = workspace.startRuntime(database.uri, { concurrency: 3 });
    const handles = [...quick, slow, queued];
    const results = await settledResults(handles, 60_000);
    expect(results.map((r) => [r.status, r.attempts])).toEqual(handles.map(() => ['success', 1]));
    expect(results[2]!.payload).toMatchObject({ pid: second.pid });
    // The given-back attempt ran twice but counts once: at most one uncounted run per task.
    await expectInvariants(mongo.db(), {
      taskIds: handles.map((h) => h.id),
      runs: await workspace.runs(),
      uncountedRuns: 1,
    });
  });
});
