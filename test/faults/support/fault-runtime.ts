// Runs `tumnus-runtime start` as a child process over a folder of generated handler files, for
// the fault-injection suite. Every handler run appends one JSON line to a shared side-effect
// file, so a test can count runs per task and tie each committed result to the run that made it.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startProcess, type RunningProcess } from '../../support/child-process.js';

/** Fast sweeps and a short abort grace: faults resolve in a second or two, not the defaults. */
export const FAULT_CONFIG = Object.freeze({
  sweepIntervalMs: 200,
  abortGraceMs: 300,
  maxOldGenerationSizeMb: 64,
});

/** One line of the side-effect file: a handler run. */
export interface RunLine {
  taskId: string;
  attempt: number;
  /** Unique per run; a handler's result carries it, so the committed result names its run. */
  run: string;
  pid: number;
  threadId: number;
  at: number;
}

/** One line of the notes file: something a handler saw, e.g. its signal aborting. */
export interface NoteLine {
  taskId: string;
  attempt: number;
  what: string;
  at: number;
  [field: string]: unknown;
}

/** What every generated handler imports: `record(task)` appends a run line, returns its id. */
const SIDE_EFFECT_MODULE = `
import { appendFileSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { threadId } from 'node:worker_threads';

export function record(task) {
  const run = randomUUID();
  const line = { taskId: task.id, attempt: task.attempt, run, pid: process.pid, threadId, at: Date.now() };
  appendFileSync(SIDE_EFFECT_FILE, JSON.stringify(line) + '\\n');
  return run;
}

export function note(task, what, fields = {}) {
  const line = { taskId: task.id, attempt: task.attempt, what, ...fields, at: Date.now() };
  appendFileSync(NOTES_FILE, JSON.stringify(line) + '\\n');
}

export function countRuns(taskId) {
  const lines = readFileSync(SIDE_EFFECT_FILE, 'utf8').split('\\n').filter((line) => line.length > 0);
  return lines.map((line) => JSON.parse(line)).filter((r) => r.taskId === taskId).length;
}

export function countNotes(what, group) {
  const lines = readFileSync(NOTES_FILE, 'utf8').split('\\n').filter((line) => line.length > 0);
  return lines.map((line) => JSON.parse(line)).filter((n) => n.what === what && n.group === group)
    .length;
}
`;

export interface HandlerSpec {
  /** `export const options` of the handler: the parent's policy. */
  options: Record<string, unknown>;
  /** Body of `async (task, ctx) => { ... }`; `run` (from record) is in scope. Returns the result. */
  body: string;
  /** Code run when the module loads, before the handler is defined. */
  prelude?: string;
}

/**
 * Waits until `payload.size` runs of its `payload.group` have started, or `payload.waitMs`
 * passed: `met: true` from every run of a group proves they all ran at once, each on a thread.
 */
export const BARRIER_HANDLER: HandlerSpec = Object.freeze({
  options: { leaseMs: 1_000 },
  prelude: "import { threadId } from 'node:worker_threads';",
  body: `
    const { group, size, waitMs } = task.payload;
    note(task, 'barrier', { group });
    for (const deadline = Date.now() + waitMs; Date.now() < deadline; ) {
      if (countNotes('barrier', group) >= size) return { run, met: true, threadId };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { run, met: false, threadId };`,
});

/**
 * A scratch folder with `handlers/`, `lib/side-effect.ts`, a config file and the side-effect
 * file. `remove()` deletes all of it.
 */
export class FaultWorkspace {
  private constructor(
    readonly root: string,
    readonly sideEffectFile: string,
  ) {}

  static async create(
    handlers: Record<string, HandlerSpec>,
    config: Record<string, unknown> = {},
  ): Promise<FaultWorkspace> {
    const root = await mkdtemp(path.join(tmpdir(), 'tumnus-faults-'));
    const workspace = new FaultWorkspace(root, path.join(root, 'side-effects.jsonl'));
    await mkdir(workspace.handlersDir);
    await mkdir(path.join(root, 'lib'));
    const sideEffects = SIDE_EFFECT_MODULE.replaceAll(
      'SIDE_EFFECT_FILE',
      JSON.stringify(workspace.sideEffectFile),
    ).replaceAll('NOTES_FILE', JSON.stringify(workspace.notesFile));
    await writeFile(path.join(root, 'lib', 'side-effect.ts'), sideEffects);
    await writeFile(workspace.sideEffectFile, '');
    await writeFile(workspace.notesFile, '');
    const merged = { ...FAULT_CONFIG, ...config };
    await writeFile(workspace.configFile, `export default ${JSON.stringify(merged)};\n`);
    for (const [parent, spec] of Object.entries(handlers)) {
      await writeFile(path.join(workspace.handlersDir, `${parent}.ts`), handlerSource(spec));
    }
    return workspace;
  }

  get handlersDir(): string {
    return path.join(this.root, 'handlers');
  }

  /** Where handlers `note(task, what)` things other than runs (an abort seen, a load). */
  get notesFile(): string {
    return path.join(this.root, 'notes.jsonl');
  }

  get configFile(): string {
    return path.join(this.root, 'tumnus.config.ts');
  }

  /** Every run recorded so far. */
  runs(): Promise<RunLine[]> {
    return readJsonLines<RunLine>(this.sideEffectFile);
  }

  /** Every note recorded so far. */
  notes(): Promise<NoteLine[]> {
    return readJsonLines<NoteLine>(this.notesFile);
  }

  /** Starts `tumnus-runtime start` on this workspace against `mongoUri`. */
  startRuntime(mongoUri: string, options: RuntimeOptions = {}) {
    const args = ['dist/runtime/cli.js', 'start', '--mongo', mongoUri];
    args.push('--handlers', this.handlersDir, '--config', this.configFile);
    args.push('--concurrency', String(options.concurrency ?? 2));
    if (options.tasksPerThread !== undefined) {
      args.push('--tasks-per-thread', String(options.tasksPerThread));
    }
    args.push('--log-level', options.logLevel ?? 'debug');
    if (options.graceMs !== undefined) args.push('--grace-ms', String(options.graceMs));
    return new FaultRuntime(startProcess(process.execPath, args, {}));
  }

  async remove(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}

async function readJsonLines<T>(file: string): Promise<T[]> {
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as T);
}

function handlerSource(spec: HandlerSpec): string {
  return [
    "import { countNotes, countRuns, note, record } from '../lib/side-effect.ts';",
    spec.prelude ?? '',
    `export const options = ${JSON.stringify(spec.options)};`,
    'export default async (task, ctx) => {',
    '  const run = record(task);',
    spec.body,
    '};',
    '',
  ].join('\n');
}

export interface RuntimeOptions {
  /** Pool threads. @default 2 */
  concurrency?: number;
  /** `--tasks-per-thread`. @default the runtime's */
  tasksPerThread?: number;
  /** `--grace-ms`. @default the runtime's */
  graceMs?: number;
  /** @default 'debug' (the tests read debug lines) */
  logLevel?: 'debug' | 'info' | 'warn';
}

/** A runtime child process and its JSON log. */
export class FaultRuntime {
  constructor(readonly process: RunningProcess) {}

  get pid(): number {
    return this.process.child.pid ?? -1;
  }

  ready(timeoutMs = 60_000): Promise<void> {
    return this.process.waitFor('"runtime ready"', timeoutMs);
  }

  /** The JSON log lines whose `msg` is `message` (all lines when omitted). */
  logs(message?: string): Record<string, unknown>[] {
    return this.process
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => message === undefined || entry.msg === message);
  }

  /** Resolves once `count` log lines with `msg === message` were written. */
  async waitForLogs(message: string, count = 1, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.logs(message).length < count) {
      if (this.process.child.exitCode !== null || this.process.child.signalCode !== null) {
        throw new Error(`runtime exited before ${count} × ${message}:\n${this.tail()}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`fewer than ${count} × ${message} in ${timeoutMs} ms:\n${this.tail()}`);
      }
      await sleep(25);
    }
  }

  /** SIGKILL: no drain, no release, threads die with the process. */
  kill(): Promise<number | null> {
    return this.process.stop('SIGKILL');
  }

  /** SIGTERM: graceful drain. Resolves with the exit code. */
  terminate(): Promise<number | null> {
    return this.process.stop('SIGTERM');
  }

  /** The last lines of output, for failure messages. */
  tail(lines = 40): string {
    return this.process.output().split('\n').slice(-lines).join('\n');
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every 25 ms until it returns true; throws after `timeoutMs`. */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(25);
  }
}
