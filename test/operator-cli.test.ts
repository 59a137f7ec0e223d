// The operator commands of `tumnus-runtime` (parents, tasks, status), each run as its own process
// against this file's database, in text and in --json form: what they print, their exit codes,
// purge (dry run, then for real, with archive), and a running supervisor seen by `status`.
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import Tumnus from '../sdk/index.js';
import type { TaskEvent, TaskSnapshot } from '../sdk/index.js';
import { startProcess, type RunningProcess } from './support/child-process.js';
import { useTestDatabase } from './support/test-database.js';

const database = useTestDatabase();

const ECHO = `
  export const options = { maxAttempts: 2, backoffMs: 20 };
  export default async (task: { payload: { fail?: boolean } }) => {
    if (task.payload.fail) throw Object.assign(new Error('asked to fail'), { code: 'E_ASKED' });
    return { echoed: task.payload };
  };`;

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

let handlersDir: string;
let client: Tumnus;
let mongo: MongoClient;
let runtime: RunningProcess;
/** Every process a test started, so that a failed test cannot leave one running. */
const spawned: RunningProcess[] = [];
const ids = { succeeded: '', dead: '', pending: '' };

/** Runs `tumnus-runtime <args>` to its end; stdout and stderr apart. */
async function cli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const run = startProcess(process.execPath, ['dist/runtime/cli.js', ...args], env);
  spawned.push(run);
  let stdout = '';
  let stderr = '';
  run.child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  run.child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close', not 'exit': both pipes have been read to their end.
  const [code] = (await once(run.child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

/** Runs an operator command against this file's database. */
function op(...args: string[]): Promise<CliRun> {
  return cli([...args, '--mongo', database.uri]);
}

/** Runs it with --json; expects success and one JSON document on stdout. */
async function opJson<T>(...args: string[]): Promise<T> {
  const run = await op(...args, '--json');
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as T;
}

async function eventsOf(id: string, until: string): Promise<TaskEvent[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const events = await client.tasks.handle(id).events();
    if (events.some((e) => e.type === until) || Date.now() > deadline) return events;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  handlersDir = await mkdtemp(path.join(tmpdir(), 'tumnus-operator-'));
  await writeFile(path.join(handlersDir, 'Echo.ts'), ECHO);
  client = new Tumnus(database.uri);
  mongo = new MongoClient(database.uri);

  const args = ['start', '--mongo', database.uri, '--handlers', handlersDir, '--concurrency', '1'];
  runtime = startProcess(process.execPath, ['dist/runtime/cli.js', ...args], {});
  await runtime.waitFor('runtime ready', 60_000);

  const { Task } = client;
  const ok = await new Task('Echo').send({ hello: 'world' }, { waitForComplete: true });
  const dead = await new Task('Echo').send({ fail: true }, { waitForComplete: true });
  await client.taskParent.create({ name: 'Later' });
  const pending = await new Task('Later').send({ x: 1 });
  Object.assign(ids, { succeeded: ok.taskId, dead: dead.taskId, pending: pending.id });
  // Events are written just after the task update they describe.
  await eventsOf(dead.taskId, 'dead');
});

afterEach(async () => {
  await Promise.all(spawned.splice(0).map((run) => run.stop('SIGKILL')));
});

afterAll(async () => {
  await runtime?.stop('SIGKILL');
  await client?.close();
  await mongo?.close();
  await rm(handlersDir, { recursive: true, force: true });
});

describe('parents', () => {
  it('lists, creates and shows task parents, as text and as JSON', async () => {
    const [list, listed, created] = await Promise.all([
      op('parents', 'list'),
      opJson<{ parents: { name: string }[] }>('parents', 'list'),
      op('parents', 'create', 'Billing', '--max-attempts', '5', '--retention-days', '60'),
    ]);

    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^PARENT\s+MAX ATTEMPTS\s+LEASE\s+TIMEOUT/);
    expect(list.stdout).toMatch(/^Echo\s+2\s+30s\s+5m\s+20ms\s+30d/m);
    // Billing may have been created before either list ran.
    const names = listed.parents.map((p) => p.name).filter((name) => name !== 'Billing');
    expect(names).toEqual(['Echo', 'Later']);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('Created task parent Billing');
    expect(created.stdout).toMatch(/max attempts\s+5/);
    expect(created.stdout).toMatch(/retention\s+60 days/);

    // An existing parent: the fields given are written, the others kept.
    const again = await opJson<{ created: boolean; parent: { maxAttempts: number } }>(
      'parents',
      'create',
      'Billing',
      '--timeout-ms',
      '1000',
    );
    expect(again).toMatchObject({ created: false, parent: { maxAttempts: 5, timeoutMs: 1000 } });
  });

  it('shows one parent with its task counts', async () => {
    const [text, json] = await Promise.all([
      op('parents', 'show', 'Echo'),
      opJson<{ status: { counts: Record<string, number> } }>('parents', 'show', 'Echo'),
    ]);

    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Task parent Echo');
    expect(text.stdout).toContain('succeeded 1 · dead 1');
    expect(json.status.counts).toMatchObject({ succeeded: 1, dead: 1, pending: 0 });
  });
});

describe('tasks list and show', () => {
  it('lists tasks newest first, filtered by parent and state', async () => {
    const [text, all, dead] = await Promise.all([
      op('tasks', 'list'),
      opJson<{ tasks: TaskSnapshot[] }>('tasks', 'list', '--limit', '10'),
      opJson<{ tasks: TaskSnapshot[] }>('tasks', 'list', '--parent', 'Echo', '--status', 'dead'),
    ]);

    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^ID\s+PARENT\s+STATUS\s+ATTEMPTS\s+CREATED/);
    expect(text.stdout).toMatch(new RegExp(`^${ids.dead}\\s+Echo\\s+dead\\s+2/2`, 'm'));
    expect(text.stdout).toMatch(new RegExp(`^${ids.pending}\\s+Later\\s+pending\\s+0/3`, 'm'));
    expect(all.tasks.map((t) => t.id)).toEqual([ids.pending, ids.dead, ids.succeeded]);
    expect(dead.tasks.map((t) => t.id)).toEqual([ids.dead]);
  });

  it('shows a task: payload, result, each failed attempt with its reason, events', async () => {
    type Shown = { task: TaskSnapshot; result: { status: string }; events: TaskEvent[] };
    const [text, json, ok] = await Promise.all([
      op('tasks', 'show', ids.dead),
      opJson<Shown>('tasks', 'show', ids.dead),
      opJson<Shown>('tasks', 'show', ids.succeeded),
    ]);

    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Task ${ids.dead} (Echo)`);
    expect(text.stdout).toMatch(/status\s+dead/);
    expect(text.stdout).toContain('"fail": true');
    expect(text.stdout).toContain('Result: failed');
    expect(text.stdout).toMatch(/^\s+1\s+\S+ \S+\s+threw\s+Error \[E_ASKED\]: asked to fail/m);
    expect(text.stdout).toMatch(/^\s+2\s+\S+ \S+\s+threw\s+Error \[E_ASKED\]: asked to fail/m);
    expect(text.stdout).toMatch(/^\s+\S+ \S+\s+dead\s+\{"attempt":2/m);

    expect(json.task.failures.map((f) => [f.attempt, f.reason])).toEqual([
      [1, 'threw'],
      [2, 'threw'],
    ]);
    expect(json.result).toMatchObject({ status: 'failed', taskStatus: 'dead' });
    // Sorted: events of one millisecond from two processes have no defined order.
    const types = json.events.map((e) => e.type).sort();
    expect(types).toEqual(['created', 'dead', 'retrying', 'started', 'started']);
    expect(ok.result).toMatchObject({ status: 'success', payload: { echoed: { hello: 'world' } } });
    expect(ok.task.reply).toMatchObject({ status: 'success' });
  });
});

describe('tasks retry and cancel', () => {
  it('retries a finished task with one more attempt; refuses an unfinished one', async () => {
    const [text, json, refused] = await Promise.all([
      op('tasks', 'retry', ids.dead),
      opJson<{ retried: boolean; attempt: number }>('tasks', 'retry', ids.succeeded),
      op('tasks', 'retry', ids.pending),
    ]);

    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Task ${ids.dead} (Echo) is pending again: attempt 3 of 3.`);
    expect(json).toMatchObject({ retried: true, attempt: 2 });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('TASK_STATE_INVALID');

    const rerun = await client.tasks.handle(ids.dead).result({ timeoutMs: 30_000 });
    expect(rerun).toMatchObject({ taskStatus: 'dead', attempts: 3 });
    expect(rerun.failures).toHaveLength(3);
    const again = await client.tasks.handle(ids.succeeded).result({ timeoutMs: 30_000 });
    expect(again).toMatchObject({ status: 'success', attempts: 2 });
  });

  it('cancels a pending task; refuses a task that finished otherwise', async () => {
    const text = await op('tasks', 'cancel', ids.pending, '--reason', 'not needed');
    const [json, refused] = await Promise.all([
      opJson<{ result: { status: string; payload: unknown } }>('tasks', 'cancel', ids.pending),
      op('tasks', 'cancel', ids.succeeded, '--json'),
    ]);

    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Task ${ids.pending} cancelled.`);
    expect(json.result).toEqual(
      expect.objectContaining({ status: 'cancelled', payload: { reason: 'not needed' } }),
    );
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(JSON.parse(refused.stderr)).toMatchObject({ error: { code: 'TASK_STATE_INVALID' } });
  });
});

describe('errors', () => {
  it('exits 3 for an unknown task or parent, 2 for a malformed id or flag', async () => {
    const unknownId = '0123456789abcdef01234567';
    const runs = await Promise.all([
      op('tasks', 'show', unknownId),
      op('tasks', 'retry', unknownId, '--json'),
      op('parents', 'show', 'Nobody'),
      op('tasks', 'show', 'not-a-task-id'),
      op('tasks', 'list', '--status', 'sleeping'),
      op('tasks', 'purge', '--before', '2020-01-01'),
      op('tasks', 'explode'),
    ]);
    const [unknown, unknownJson, noParent, malformed, badStatus, unconfirmed, noCommand] = runs;

    expect(runs.map((run) => run.code)).toEqual([3, 3, 3, 2, 2, 2, 2]);
    for (const run of runs) expect(run.stdout).toBe('');
    expect(unknown.stderr).toContain(`TASK_NOT_FOUND]: task ${unknownId} does not exist`);
    expect(JSON.parse(unknownJson.stderr)).toMatchObject({ error: { code: 'TASK_NOT_FOUND' } });
    expect(noParent.stderr).toContain('PARENT_NOT_FOUND');
    expect(malformed.stderr).toContain('a task id is 24 hexadecimal characters');
    expect(badStatus.stderr).toContain('--status must be one of pending, leased');
    expect(unconfirmed.stderr).toContain('--dry-run to count them, then with --yes');
    expect(noCommand.stderr).toContain('Unknown argument');
  });

  it('exits 2 without a MongoDB URI, starting no database; never prints credentials', async () => {
    const [missing, malformedUri] = await Promise.all([
      cli(['status'], { TUMNUS_MONGO_URI: '' }),
      cli(['status', '--mongo', 'mongodb://op:hunter2@127.0.0.1:notaport/x']),
    ]);

    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no MongoDB URI configured');
    // The one line of the refusal, and no embedded database's log lines.
    expect(missing.stdout).toBe('');
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(malformedUri.code).toBe(2);
    expect(malformedUri.stderr).toContain('mongodb://***@127.0.0.1');
    expect(malformedUri.stdout + malformedUri.stderr).not.toContain('hunter2');
  });
});

describe('tasks purge', () => {
  it('counts first on --dry-run, then purges in batches, archiving on request', async () => {
    await client.taskParent.create({ name: 'Purgeable' });
    const handles = await Promise.all(
      [1, 2, 3].map((n) => new client.Task('Purgeable').send({ n })),
    );
    for (const handle of handles) await handle.cancel('for the purge test');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const before = new Date().toISOString();
    const scope = ['--before', before, '--parent', 'Purgeable'];

    const [dryText, dryJson] = await Promise.all([
      op('tasks', 'purge', ...scope, '--dry-run', '--archive'),
      opJson<{ count: number; dryRun: boolean }>('tasks', 'purge', ...scope, '--dry-run'),
    ]);
    expect(dryText.code).toBe(0);
    expect(dryText.stdout).toMatch(
      /^3 tasks of Purgeable that finished before .* would be archived/,
    );
    expect(dryText.stdout).toContain('Dry run: nothing was changed.');
    expect(dryJson).toMatchObject({ count: 3, dryRun: true });
    expect(await tasks().countDocuments({ parent: 'Purgeable' })).toBe(3);

    const purge = await op('tasks', 'purge', ...scope, '--archive', '--yes', '--batch-size', '2');
    expect(purge.code, purge.stderr).toBe(0);
    expect(purge.stdout).toContain('Archiving and purging 3 tasks of Purgeable');
    expect(purge.stdout).toContain('2 of 3 archived and purged');
    expect(purge.stdout).toContain('3 of 3 archived and purged');
    expect(purge.stdout).toContain(
      'Done: 3 tasks archived and purged; copies are in tasks_archive.',
    );
    expect(await tasks().countDocuments({ parent: 'Purgeable' })).toBe(0);
    const archive = mongo.db(database.dbName).collection('tasks_archive');
    expect(await archive.countDocuments({ parent: 'Purgeable', status: 'cancelled' })).toBe(3);
    // Other parents' finished tasks were outside the scope.
    expect(await tasks().countDocuments({ parent: 'Echo' })).toBe(2);
  });

  function tasks() {
    return mongo.db(database.dbName).collection('tasks');
  }
});

describe('status', () => {
  it('shows counts per parent and the live supervisor, which leaves on a clean stop', async () => {
    type Status = {
      parents: { parent: string; counts: Record<string, number>; runningLeases: number }[];
      supervisors: { pid: number; poolSize: number; parents: string[]; heartbeatAgeMs: number }[];
    };
    const [text, json] = await Promise.all([op('status'), opJson<Status>('status')]);

    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^PARENT\s+PENDING\s+LEASED\s+SUCCEEDED\s+FAILED\s+DEAD\s+CANCELLED/,
    );
    expect(text.stdout).toMatch(/^Echo\s+0\s+0\s+1\s+0\s+1\s+0\s+-\s+0$/m);
    expect(text.stdout).toMatch(/^SUPERVISOR\s+HOST\s+PID\s+POOL\s+PARENTS\s+LAST HEARTBEAT/m);
    expect(text.stdout).toMatch(
      new RegExp(`^runtime@\\S+\\s+\\S+\\s+${runtime.child.pid}\\s+1\\s+Echo\\s`, 'm'),
    );
    expect(json.parents.find((p) => p.parent === 'Later')).toMatchObject({
      counts: { cancelled: 1 },
      runningLeases: 0,
    });
    expect(json.supervisors).toEqual([
      expect.objectContaining({ pid: runtime.child.pid, poolSize: 1, parents: ['Echo'] }),
    ]);
    expect(json.supervisors[0]?.heartbeatAgeMs).toBeLessThan(15_000);

    expect(await runtime.stop('SIGTERM')).toBe(0);
    const stopped = await op('status');
    expect(stopped.stdout).toContain('No live supervisors');
  });
});
