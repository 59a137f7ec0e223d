// SIGTERM while handlers are mid-task: attempts that finish within the grace period write their
// results; the ones that do not are handed back without spending an attempt, for the next
// runtime to finish. Either way the process exits 0.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import Tumnus from '../sdk/index.js';
import { startProcess, type RunningProcess } from './support/child-process.js';
import { useTestDatabase } from './support/test-database.js';

const database = useTestDatabase();

const SLEEPY = `
  import type { HandlerContext, HandlerTask } from 'tumnus/runtime';
  export default async (task: HandlerTask<{ ms: number }>, ctx: HandlerContext) => {
    ctx.log.info('nap started');
    await new Promise((resolve) => setTimeout(resolve, task.payload.ms));
    return { slept: task.payload.ms, pid: process.pid };
  };`;

let handlersDir: string;
let client: Tumnus;
/** Every runtime a test started, so that a failed test cannot leave one running. */
const spawned: RunningProcess[] = [];

function startRuntime(graceMs: number): RunningProcess {
  const args = ['dist/runtime/cli.js', 'start', '--mongo', database.uri, '--handlers', handlersDir];
  const runtime = startProcess(process.execPath, [...args, '--grace-ms', String(graceMs)], {});
  spawned.push(runtime);
  return runtime;
}

/** Resolves once `text` occurs `count` times in the runtime's output. */
async function occurrences(runtime: RunningProcess, text: string, count: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (runtime.output().split(text).length - 1 < count) {
    if (Date.now() > deadline)
      throw new Error(`fewer than ${count} × ${text}:\n${runtime.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function stoppedLine(runtime: RunningProcess): Record<string, unknown> | undefined {
  const line = runtime
    .output()
    .split('\n')
    .find((l) => l.includes('"runtime stopped"'));
  return line ? (JSON.parse(line) as Record<string, unknown>) : undefined;
}

beforeAll(async () => {
  handlersDir = await mkdtemp(path.join(tmpdir(), 'tumnus-shutdown-'));
  await writeFile(path.join(handlersDir, 'Sleepy.ts'), SLEEPY);
  client = new Tumnus(database.uri);
});

afterEach(async () => {
  await Promise.all(spawned.splice(0).map((runtime) => runtime.stop('SIGKILL')));
});

afterAll(async () => {
  await client?.close();
  await rm(handlersDir, { recursive: true, force: true });
});

describe('SIGTERM during in-flight work', () => {
  it('lets in-flight attempts finish, writes their results and exits 0', async () => {
    const runtime = startRuntime(10_000);
    await runtime.waitFor('runtime ready', 30_000);

    const handles = await Promise.all(
      [1, 2].map(() => new client.Task('Sleepy').send({ ms: 1_000 })),
    );
    await occurrences(runtime, 'nap started', 2);
    const code = await runtime.stop('SIGTERM');

    expect(code).toBe(0);
    expect(stoppedLine(runtime)).toMatchObject({ released: 0 });
    for (const handle of handles) {
      const result = await handle.result({ timeoutMs: 5_000 });
      expect(result).toMatchObject({ status: 'success', attempts: 1 });
      expect(result.payload).toMatchObject({ slept: 1_000, pid: runtime.child.pid });
    }
  });

  it('hands back what outlives the grace period, without using an attempt', async () => {
    const first = startRuntime(300);
    await first.waitFor('runtime ready', 30_000);
    // Long enough that the 300 ms grace runs out even on a loaded machine.
    const handle = await new client.Task('Sleepy').send({ ms: 5_000 });
    await occurrences(first, 'nap started', 1);

    expect(await first.stop('SIGTERM')).toBe(0);
    expect(stoppedLine(first)).toMatchObject({ released: 1 });
    expect(await handle.get()).toMatchObject({ status: 'pending', attempts: 0 });

    const second = startRuntime(10_000);
    try {
      const result = await handle.result({ timeoutMs: 40_000 });
      expect(result).toMatchObject({ status: 'success', attempts: 1 });
      expect(result.payload).toMatchObject({ pid: second.child.pid });
    } finally {
      expect(await second.stop('SIGTERM')).toBe(0);
    }
  });
});
