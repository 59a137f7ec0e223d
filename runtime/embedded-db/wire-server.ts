import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import { forget, reapOnExit } from './child-reaper.js';
import { ensureWireServerBuild, WIRE_SERVER_MAIN_CLASS } from './java-build.js';
import type { Jdk } from './java-home.js';
import { waitForPing } from './ping.js';

const READY_PATTERN = /^TUMNUS_WIRE_SERVER_READY port=(\d+)$/;
const READY_TIMEOUT_MS = 30_000;
const PING_TIMEOUT_MS = 10_000;
const GRACEFUL_STOP_MS = 5_000;
const STDERR_TAIL_LINES = 20;

/**
 * The in-memory backend needs little heap. For a short-lived test server, the C1-only JIT got the
 * launcher to its readiness line in ≈ 0.3 s instead of ≈ 0.65 s on a two-core machine, with no
 * measurable loss over the first few hundred commands; a long-running one keeps the optimising
 * compiler, which pays off over minutes of load.
 */
const JVM_FLAGS = [
  '-Xmx1g',
  '-XX:+UseSerialGC',
  '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
  '-Dorg.slf4j.simpleLogger.logFile=System.err',
];
const FAST_START_FLAGS = ['-XX:TieredStopAtLevel=1'];

export interface RunningWireServer {
  uri: string;
  stop(): Promise<void>;
}

/**
 * Starts mongo-java-server (see java/) on 127.0.0.1. With `port` undefined the operating system
 * picks a free one and the launcher reports it, so there is no window in which another process
 * could take a port we probed. Resolves once the server answers ping through the driver.
 */
export async function startWireServer(
  jdk: Jdk,
  { port, longRunning }: { port: number | undefined; longRunning: boolean },
  logger: Logger,
): Promise<RunningWireServer> {
  const classpath = await ensureWireServerBuild(jdk, logger);
  const jvmFlags = longRunning ? JVM_FLAGS : [...JVM_FLAGS, ...FAST_START_FLAGS];
  const args = [...jvmFlags, '-cp', classpath, WIRE_SERVER_MAIN_CLASS];
  args.push('--bind', '127.0.0.1', '--port', String(port ?? 0));

  const child = spawn(jdk.java, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  reapOnExit(child);
  const stderrTail = collectStderr(child, logger);
  try {
    const boundPort = await waitForReadyLine(child, stderrTail);
    const uri = `mongodb://127.0.0.1:${boundPort}/?directConnection=true&retryWrites=false`;
    await waitForPing(uri, PING_TIMEOUT_MS);
    detach(child);
    return { uri, stop: memoize(() => stopChild(child)) };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

function waitForReadyLine(child: ChildProcess, stderrTail: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => fail('did not report readiness in time'), READY_TIMEOUT_MS);
    const onError = (error: Error): void => fail('could not be spawned', error);
    const onExit = (code: number | null, signal: string | null): void =>
      fail(`exited before it was ready (code ${code}, signal ${signal})`);

    function settle(): void {
      clearTimeout(timer);
      lines.close();
      child.off('error', onError);
      child.off('exit', onExit);
    }

    function fail(why: string, cause?: unknown): void {
      settle();
      const tail = stderrTail.length > 0 ? `\n${stderrTail.join('\n')}` : '';
      reject(new Error(`java wire server ${why}${tail}`, { cause }));
    }

    lines.on('line', (line) => {
      const match = READY_PATTERN.exec(line.trim());
      if (!match?.[1]) return;
      settle();
      resolve(Number(match[1]));
    });
    child.on('error', onError);
    child.on('exit', onExit);
  });
}

/** Forwards the JVM's stderr to the logger and keeps the last lines for startup errors. */
function collectStderr(child: ChildProcess, logger: Logger): string[] {
  const tail: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    logger.debug({ line }, 'java wire server stderr');
    tail.push(line);
    if (tail.length > STDERR_TAIL_LINES) tail.shift();
  });
  return tail;
}

/**
 * Lets this process exit while the server still runs: the child dies with us anyway, through the
 * closed stdin pipe or the exit reaper. stdout is drained so the JVM never blocks writing to it.
 */
function detach(child: ChildProcess): void {
  child.stdout?.resume();
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }
}

/** Closes stdin (the launcher's signal to exit), then escalates to SIGKILL if it lingers. */
async function stopChild(child: ChildProcess): Promise<void> {
  forget(child);
  if (child.exitCode !== null || child.signalCode !== null) return;

  const exited = once(child, 'exit');
  child.stdin?.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), GRACEFUL_STOP_MS);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

function memoize(fn: () => Promise<void>): () => Promise<void> {
  let result: Promise<void> | undefined;
  return () => (result ??= fn());
}
