// The soak's supervisors and the chaos loop that kills them: every few seconds one runtime gets
// SIGKILL (no drain, leases left to expire) and is started again shortly after. At least one
// runtime is always left running.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { FaultRuntime, FaultWorkspace } from '../faults/support/fault-runtime.js';
import { sleep } from '../faults/support/fault-runtime.js';
import { progress } from './progress.js';

const KILL_EVERY_MS = { min: 8_000, max: 16_000 };
const DOWN_FOR_MS = { min: 300, max: 1_500 };
const READY_TIMEOUT_MS = 60_000;
/** A runtime that is not ready in time is killed and started again, at most this often in a row. */
const START_TRIES = 3;
/** Pool threads per runtime: handler runs are short, so most of an attempt is database waits. */
const THREADS = 8;

export class Chaos {
  private readonly slots: FaultRuntime[] = [];
  /** Every runtime ever started, killed ones included: their logs count thread crashes. */
  private readonly everyRuntime: FaultRuntime[] = [];
  private running: Promise<void> | null = null;
  private stopping = false;
  private kills = 0;
  private slowStarts = 0;

  constructor(
    private readonly workspace: FaultWorkspace,
    private readonly uri: string,
    private readonly size: number,
  ) {}

  async startAll(): Promise<void> {
    const slots = Array.from({ length: this.size }, (_, slot) => slot);
    await Promise.all(slots.map((slot) => this.startSlot(slot)));
  }

  /** Starts killing and restarting runtimes until `stop()`. */
  run(): void {
    this.running = this.loop();
    // Reported by stop(); until then a failed restart must not count as an unhandled rejection.
    this.running.catch(() => undefined);
  }

  /** Ends the chaos and waits until every runtime runs again. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    progress('chaos stopped', this.counts);
  }

  /** SIGTERM to every runtime still running. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    await this.running?.catch(() => undefined);
    const codes = await Promise.all(this.everyRuntime.map((runtime) => runtime.terminate()));
    const unclean = codes.filter((code) => code !== 0 && code !== null).length;
    if (unclean > 0) progress('runtimes exited with an error', { unclean });
  }

  /** SIGKILL to every runtime still running, synchronously: for the soak's own `exit`. */
  killAllNow(): void {
    for (const { process: running } of this.everyRuntime) {
      if (running.child.exitCode === null && running.child.signalCode === null) {
        running.child.kill('SIGKILL');
      }
    }
  }

  /** SIGKILL to every runtime still running (an interrupted soak). */
  async killAll(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.everyRuntime.map((runtime) => runtime.kill()));
  }

  get counts(): { supervisorKills: number; threadCrashes: number; slowStarts: number } {
    const crashes = this.everyRuntime.map((r) => r.logs('handler thread died').length);
    const threadCrashes = crashes.reduce((a, b) => a + b, 0);
    return { supervisorKills: this.kills, threadCrashes, slowStarts: this.slowStarts };
  }

  /** Starts a runtime in `slot` and waits until it is ready; one stuck at start is replaced. */
  private async startSlot(slot: number): Promise<void> {
    for (let tries = 1; ; tries++) {
      const runtime = this.launch();
      this.slots[slot] = runtime;
      try {
        await runtime.ready(READY_TIMEOUT_MS);
        return;
      } catch (error) {
        this.slowStarts += 1;
        progress('runtime not ready in time', { slot, tries, ...diagnose(runtime) });
        await runtime.kill();
        if (tries === START_TRIES) throw error;
      }
    }
  }

  private launch(): FaultRuntime {
    const runtime = this.workspace.startRuntime(this.uri, {
      concurrency: THREADS,
      logLevel: 'info',
    });
    this.everyRuntime.push(runtime);
    return runtime;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      await sleep(between(KILL_EVERY_MS));
      if (this.stopping) return;

      const slot = Math.floor(Math.random() * this.slots.length);
      await this.slots[slot]!.kill();
      this.kills += 1;
      await sleep(between(DOWN_FOR_MS));
      // Never two down at once: the next kill waits until this one is back.
      await this.startSlot(slot);
    }
  }
}

/** What a runtime stuck at start is doing: its threads, CPU time, children and last log line. */
function diagnose(runtime: FaultRuntime): Record<string, unknown> {
  const status = readProc(`/proc/${runtime.pid}/status`);
  const stat = readProc(`/proc/${runtime.pid}/stat`).split(' ');
  const ticks = Number(stat[13] ?? 0) + Number(stat[14] ?? 0);
  let children = '';
  try {
    children = execFileSync('ps', ['--ppid', String(runtime.pid), '-o', 'comm='], {
      encoding: 'utf8',
    });
  } catch (error) {
    children = `(ps failed: ${error instanceof Error ? error.message : String(error)})`;
  }
  return {
    pid: runtime.pid,
    threads: /Threads:\s+(\d+)/.exec(status)?.[1],
    cpuSeconds: ticks / 100,
    children: children.trim().split('\n').join(','),
    lastLine: (runtime.tail(3).trim().split('\n').pop() ?? '').slice(0, 300),
  };
}

function readProc(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    return `(unreadable: ${error instanceof Error ? error.message : String(error)})`;
  }
}

function between({ min, max }: { min: number; max: number }): number {
  return min + Math.random() * (max - min);
}
