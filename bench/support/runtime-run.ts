import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { BenchEnv } from '../systems/types.js';
import { sleep, withTimeout } from './time.js';

export const BENCH_HANDLERS_DIR = path.resolve('bench/handlers');
/** The bench compiles its own copy: `npm run build` elsewhere (tests) empties dist/ at will. */
const BUILD_DIR = path.resolve('.tumnus/bench/dist');
const CLI = path.join(BUILD_DIR, 'runtime', 'cli.js');
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

/**
 * `tumnus-runtime start` as users run it (the built CLI, in its own process), on the bench
 * database, with the handler files in bench/handlers and a pool of `threads`, each running
 * `tasksPerThread` tasks at once.
 */
export class RuntimeProcess {
  private readonly child: ChildProcess;
  private readonly ready: Promise<void>;

  private constructor(env: BenchEnv, dbName: string, threads: number, tasksPerThread: number) {
    const args = [CLI, 'start', '--mongo', env.db.uriFor(dbName), '--handlers', BENCH_HANDLERS_DIR];
    args.push('--concurrency', String(threads), '--tasks-per-thread', String(tasksPerThread));
    args.push('--log-level', 'info');
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

  /** `tasksPerThread` stays 1 unless asked: the CPU-bound scaling runs measure threads alone. */
  static async start(
    env: BenchEnv,
    dbName: string,
    threads: number,
    tasksPerThread = 1,
  ): Promise<RuntimeProcess> {
    buildRuntimeOnce(env);
    const runtime = new RuntimeProcess(env, dbName, threads, tasksPerThread);
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

let built = false;

/** Compiles sdk/ and runtime/ into .tumnus/bench/dist, once per bench run (about 10 s). */
function buildRuntimeOnce(env: BenchEnv): void {
  if (built) return;
  env.log('compiling the runtime into .tumnus/bench/dist');
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const args = [tsc, '-p', 'tsconfig.build.json', '--outDir', BUILD_DIR];
  execFileSync(process.execPath, args, { stdio: 'inherit', timeout: 180_000 });
  built = true;
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
