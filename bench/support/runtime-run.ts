import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { BenchEnv } from '../systems/types.js';
import { sleep, withTimeout } from './time.js';

export const BENCH_HANDLERS_DIR = path.resolve('bench/handlers');
const CLI = path.resolve('dist/runtime/cli.js');
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

/**
 * `tumnus-runtime start` as users run it (the built CLI, in its own process), on the bench
 * database, with the handler files in bench/handlers and a pool of `threads`.
 */
export class RuntimeProcess {
  private readonly child: ChildProcess;
  private readonly ready: Promise<void>;

  private constructor(env: BenchEnv, dbName: string, threads: number) {
    const args = [CLI, 'start', '--mongo', env.db.uriFor(dbName), '--handlers', BENCH_HANDLERS_DIR];
    args.push('--concurrency', String(threads), '--log-level', 'info');
    this.child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    this.ready = new Promise((resolve, reject) => {
      createInterface({ input: this.child.stdout! }).on('line', (line) => {
        if (line.includes('"msg":"runtime ready"')) resolve();
        else if (line.includes('"level":50') || line.includes('"level":60'))
          env.log(`  runtime: ${line}`);
      });
      this.child.once('exit', (code) => reject(new Error(`tumnus-runtime exited with ${code}`)));
    });
  }

  static async start(env: BenchEnv, dbName: string, threads: number): Promise<RuntimeProcess> {
    if (!existsSync(CLI)) throw new Error('dist/runtime/cli.js is missing: run npm run build');
    const runtime = new RuntimeProcess(env, dbName, threads);
    try {
      await withTimeout(runtime.ready, READY_TIMEOUT_MS, 'tumnus-runtime start');
    } catch (error) {
      runtime.child.kill('SIGKILL');
      throw error;
    }
    return runtime;
  }

  /** SIGTERM (a graceful drain), SIGKILL if it lingers. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * Resolves with the time at which `count` tasks of `parent` have succeeded, checking every
 * `everyMs`: how the harness sees a runtime's results without adding a waiter per task.
 */
export async function succeededCount(
  env: BenchEnv,
  dbName: string,
  parent: string,
  count: number,
  timeoutMs: number,
  everyMs = 25,
): Promise<number> {
  const tasks = env.db.admin.db(dbName).collection('tasks');
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const done = await tasks.countDocuments({ parent, status: 'succeeded' });
    if (done >= count) return performance.now();
    if (performance.now() > deadline) {
      throw new Error(`${done} of ${count} ${parent} tasks succeeded within ${timeoutMs} ms`);
    }
    await sleep(everyMs);
  }
}
