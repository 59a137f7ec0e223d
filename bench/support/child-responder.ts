import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { withTimeout } from './time.js';

const SCRIPT = path.resolve('bench/processes/responder.ts');
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

export interface ChildResponderSettings {
  uri: string;
  dbName: string;
  parent: string;
  concurrency: number;
}

/** A responder process (bench/processes/responder.ts) and the count of tasks it answered. */
export class ChildResponder {
  answered = 0;
  private readonly child: ChildProcess;

  private constructor(settings: ChildResponderSettings) {
    this.child = fork(SCRIPT, [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, TUMNUS_BENCH_RESPONDER: JSON.stringify(settings) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (message: { type: string; count?: number }) => {
      if (message.type === 'answered') this.answered = message.count ?? this.answered;
    });
  }

  static async start(settings: ChildResponderSettings): Promise<ChildResponder> {
    const responder = new ChildResponder(settings);
    const ready = new Promise<void>((resolve, reject) => {
      responder.child.on('message', (m: { type: string }) => m.type === 'ready' && resolve());
      responder.child.once('exit', (code) => reject(new Error(`responder exited with ${code}`)));
    });
    try {
      await withTimeout(ready, READY_TIMEOUT_MS, 'child responder start');
    } catch (error) {
      responder.child.kill('SIGKILL');
      throw error;
    }
    return responder;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.send({ type: 'stop' });
    try {
      await withTimeout(exited, STOP_TIMEOUT_MS, 'child responder stop');
    } catch {
      // It did not close in time: end it rather than leave it running.
      this.child.kill('SIGKILL');
      await exited;
    }
  }
}
