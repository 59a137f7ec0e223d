// `tumnus-runtime start` as users run it: a child process, handler files in a folder, tasks sent
// over the wire. Pins discovery, the success and failure paths through the thread pool, and that
// a broken handler file stops start-up with its own error.
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient, ObjectId } from 'mongodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import Tumnus from '../sdk/index.js';
import { startProcess, type RunningProcess } from './support/child-process.js';
import { useTestDatabase } from './support/test-database.js';

const database = useTestDatabase();
const folders: string[] = [];
/** Runtimes started by single tests, killed after each so a failure cannot leave one running. */
const spawned: RunningProcess[] = [];

afterEach(async () => {
  await Promise.all(spawned.splice(0).map((runtime) => runtime.stop('SIGKILL')));
});

/** A fresh folder holding `files` (name → source). */
async function handlersFolder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tumnus-handlers-'));
  folders.push(dir);
  for (const [name, source] of Object.entries(files)) await writeFile(path.join(dir, name), source);
  return dir;
}

function startRuntime(handlersDir: string, ...extra: string[]): RunningProcess {
  const args = ['dist/runtime/cli.js', 'start', '--mongo', database.uri, '--handlers', handlersDir];
  return startProcess(process.execPath, [...args, '--concurrency', '2', ...extra], {});
}

/** The JSON log lines of a runtime's output with `msg` equal to `message`. */
function logLines(runtime: RunningProcess, message: string): Record<string, unknown>[] {
  return runtime
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.msg === message);
}

const HANDLERS = {
  'Echo.ts': `
    import type { HandlerContext, HandlerTask } from 'tumnus/runtime';
    export default async (task: HandlerTask<{ n: number }>, ctx: HandlerContext) => {
      ctx.log.info('echo handled', { n: task.payload.n });
      await ctx.progress({ percent: 100 });
      return { doubled: task.payload.n * 2, attempt: task.attempt, lease: await ctx.heartbeat() };
    };`,
  'Throws.ts': `
    export const options = { maxAttempts: 1 };
    export default async () => { throw new Error('the handler exploded on purpose'); };`,
  'Permanent.js': `
    export default async () => {
      throw Object.assign(new Error('do not retry me'), { code: 'E_PERMANENT', retryable: false });
    };`,
  'Unstorable.mjs': `
    class Money { constructor() { this.cents = 1; } }
    export default async () => ({ total: new Money() });`,
  'Crashes.ts': `
    export const options = { maxAttempts: 1 };
    export default async () => { process.exit(7); };`,
  '1Leading-digit.ts': 'export default async () => 1;',
  'notes.txt': 'not a handler',
  'Echo.test.ts': 'ignored without a warning',
};

describe('tumnus-runtime start with handler files', () => {
  let runtime: RunningProcess;
  let client: Tumnus;

  beforeAll(async () => {
    const dir = await handlersFolder(HANDLERS);
    const outside = await handlersFolder({ 'Outside.ts': 'export default async () => 1;' });
    await symlink(path.join(outside, 'Outside.ts'), path.join(dir, 'Linked.ts'));

    runtime = startRuntime(dir);
    await runtime.waitFor('runtime ready', 30_000);
    client = new Tumnus(database.uri);
  });

  afterAll(async () => {
    await client?.close();
    expect(await runtime?.stop()).toBe(0);
    expect(runtime.output()).toContain('runtime stopped');
    await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('registers matching files in name order and skips the rest with a warning', () => {
    const [ready] = logLines(runtime, 'runtime ready');
    expect(ready).toMatchObject({
      handlers: ['Crashes', 'Echo', 'Permanent', 'Throws', 'Unstorable'],
      concurrency: 2,
      database: database.dbName,
    });
    const skipped = logLines(runtime, 'handler file skipped').map((entry) => entry.fileName);
    expect(skipped).toEqual(['1Leading-digit.ts', 'Linked.ts', 'notes.txt']);
    expect(logLines(runtime, 'handlers registered')).toHaveLength(1);
  });

  it('creates the parent of each handler, with the policy from its options', async () => {
    expect(await client.taskParent.get('Throws')).toMatchObject({ maxAttempts: 1 });
    expect(await client.taskParent.get('Echo')).toMatchObject({ maxAttempts: 3 });
  });

  it('answers success with the returned value, and ctx reaches the supervisor', async () => {
    const progress: unknown[] = [];
    const result = await new client.Task('Echo').send(
      { n: 21 },
      { waitForComplete: true, onProgress: (value) => progress.push(value) },
    );

    expect(result.status).toBe('success');
    expect(result.payload).toEqual({ doubled: 42, attempt: 1, lease: true });
    const logged = logLines(runtime, 'echo handled').find((e) => e.taskId === result.taskId);
    expect(logged).toMatchObject({ component: 'handler', parent: 'Echo', n: 21 });
    expect(await storedTask(result.taskId)).toMatchObject({ progress: { percent: 100 } });
    expect(progress).toEqual([{ percent: 100 }]);
  });

  it('reports a throwing handler as failed with its error message', async () => {
    const result = await new client.Task('Throws').send({}, { waitForComplete: true });

    expect(result.status).toBe('failed');
    expect(result.attempts).toBe(1);
    expect(result.payload).toMatchObject({
      error: { message: 'the handler exploded on purpose', reason: 'threw' },
    });
  });

  it('does not retry an error marked retryable: false', async () => {
    const result = await new client.Task('Permanent').send({}, { waitForComplete: true });

    expect(result).toMatchObject({ status: 'failed', attempts: 1 });
    expect(result.payload).toMatchObject({ error: { code: 'E_PERMANENT' } });
  });

  it('fails a result MongoDB cannot store, without retrying', async () => {
    const result = await new client.Task('Unstorable').send({}, { waitForComplete: true });

    expect(result).toMatchObject({ status: 'failed', attempts: 1 });
    expect(result.payload).toMatchObject({ error: { reason: 'result-not-storable' } });
  });

  it('fails the attempt of a handler whose thread dies, and keeps serving', async () => {
    const crashed = await new client.Task('Crashes').send({}, { waitForComplete: true });
    expect(crashed.payload).toMatchObject({ error: { reason: 'worker-crashed' } });

    const after = await new client.Task('Echo').send({ n: 1 }, { waitForComplete: true });
    expect(after.status).toBe('success');
  });
});

describe('tumnus-runtime start with a broken handler file', () => {
  it('exits non-zero with the syntax error itself, before touching the database', async () => {
    const dir = await handlersFolder({
      'Good.ts': 'export default async () => 1;',
      'Broken.ts': 'export default async (task) => { return task.payload +  ; };',
    });
    const runtime = startRuntime(dir);
    spawned.push(runtime);

    expect(await runtime.exited).not.toBe(0);
    expect(runtime.output()).toContain('HANDLER_LOAD_FAILED');
    expect(runtime.output()).toContain('Broken.ts:1:');
    expect(runtime.output()).toMatch(/Unexpected ";"/);
    expect(runtime.output()).not.toContain('runtime ready');
  });

  it('exits non-zero when a handler file has no default export function', async () => {
    const dir = await handlersFolder({ 'NoDefault.ts': 'export const handler = async () => 1;' });
    const runtime = startRuntime(dir);
    spawned.push(runtime);

    expect(await runtime.exited).not.toBe(0);
    expect(runtime.output()).toContain('has no default export function');
  });
});

async function storedTask(id: string) {
  const mongo = new MongoClient(database.uri);
  try {
    return await mongo
      .db(database.dbName)
      .collection('tasks')
      .findOne({ _id: new ObjectId(id) });
  } finally {
    await mongo.close();
  }
}
