// `kill -9` of a supervisor in the middle of its tasks. Its leases stop being renewed and nothing
// gives them back; another supervisor takes them back once they expire (by the database's clock),
// records the lost attempt as `lease-expired`, and runs the tasks again. Tasks scheduled for later
// are untouched by the crash and still start no earlier than their time.
import { MongoClient, ObjectId, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Tumnus, { type TaskHandle } from '../../sdk/index.js';
import { useTestDatabase } from '../support/test-database.js';
import { FaultWorkspace, type FaultRuntime, until } from './support/fault-runtime.js';
import { expectInvariants, settledResults } from './support/invariants.js';

const database = useTestDatabase();
const LEASE_MS = 2_000;

const HANDLERS = {
  Slow: {
    options: { maxAttempts: 3, backoffMs: 50, leaseMs: LEASE_MS },
    body: `
      await new Promise((resolve) => setTimeout(resolve, task.payload.ms));
      return { run, pid: process.pid };`,
  },
};

let workspace: FaultWorkspace;
let doomed: FaultRuntime;
let survivor: FaultRuntime;
let client: Tumnus;
let mongo: MongoClient;

beforeAll(async () => {
  workspace = await FaultWorkspace.create(HANDLERS);
  doomed = workspace.startRuntime(database.uri, { concurrency: 2 });
  survivor = workspace.startRuntime(database.uri, { concurrency: 2 });
  client = new Tumnus(database.uri);
  mongo = new MongoClient(database.uri);
  await Promise.all([doomed.ready(), survivor.ready()]);
});

afterAll(async () => {
  await client?.close();
  await mongo?.close();
  await doomed?.kill();
  if (survivor) expect(await survivor.terminate()).toBe(0);
  await workspace?.remove();
});

describe('a supervisor killed with SIGKILL while it holds leases', () => {
  it('has its tasks taken back after lease expiry and finished by another', async () => {
    const tasks = mongo.db().collection<Document>('tasks');
    const heldBy = (runtime: FaultRuntime) => ({
      status: 'leased',
      'lease.owner': ownedBy(runtime),
    });

    const now = Date.now();
    const later = await Promise.all(
      [6_000, 6_500, 7_000].map((ms) =>
        new client.Task('Slow').send({ ms: 10 }, { runAt: new Date(now + ms) }),
      ),
    );
    const runAts = await Promise.all(later.map(async (h) => (await h.get()).runAt.getTime()));
    const busy = await Promise.all(
      Array.from({ length: 6 }, () => new client.Task('Slow').send({ ms: 2_000 })),
    );
    await until('the doomed supervisor runs two tasks', async () => {
      const held = await tasks.find(heldBy(doomed)).toArray();
      const runs = await workspace.runs();
      return (
        held.length === 2 && held.every((t) => runs.some((r) => r.taskId === t._id.toHexString()))
      );
    });

    const orphans = await tasks.find(heldBy(doomed)).toArray();
    expect(await doomed.kill()).toBeNull();
    const handles: TaskHandle[] = [...busy, ...later];
    const results = await settledResults(handles, 40_000);

    for (const orphan of orphans) {
      const result = results[handles.findIndex((h) => h.id === orphan._id.toHexString())]!;
      expect(result).toMatchObject({ status: 'success', attempts: 2 });
      expect(result.payload).toMatchObject({ pid: survivor.pid });
      expect(result.failures.map((f) => [f.attempt, f.reason])).toEqual([[1, 'lease-expired']]);
      // Taken back only once the lease had expired, never while the holder might still renew.
      const expiredAt = (orphan.lease.expiresAt as Date).getTime();
      expect(result.failures[0]!.at.getTime()).toBeGreaterThanOrEqual(expiredAt);
    }

    const runs = await workspace.runs();
    for (const [i, handle] of later.entries()) {
      const stored = await tasks.findOne({ _id: new ObjectId(handle.id) });
      expect(stored).toMatchObject({ status: 'succeeded', attempts: 1 });
      expect(stored!.runAt.getTime()).toBe(runAts[i]);
      const run = runs.find((r) => r.taskId === handle.id)!;
      expect(run.at).toBeGreaterThanOrEqual(runAts[i]! - 50);
    }
    await expectInvariants(mongo.db(), { taskIds: handles.map((h) => h.id), runs });
  });
});

/** Matches the lease owner id of a runtime (`runtime@host:pid:random`). */
function ownedBy(runtime: FaultRuntime): RegExp {
  return new RegExp(`:${runtime.pid}:`);
}
