import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createConnection } from 'node:net';
import { freePort } from './free-port.js';
import { sleep } from './time.js';

export interface RunningRedis {
  host: '127.0.0.1';
  port: number;
  version: string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

/**
 * Finds Debian's `redis-server`, installing it with apt-get when it is missing (the harness runs
 * as root on our machines). Returns why it cannot be had instead of throwing, so BullMQ can be
 * reported as not run.
 */
export function ensureRedisServer(log: (line: string) => void): string | { unavailable: string } {
  const found = which('redis-server');
  if (found) return found;

  log('redis-server missing: installing Debian package redis-server (apt-get)');
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', timeout: 300_000, env });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'redis-server'], {
      stdio: 'ignore',
      timeout: 300_000,
      env,
    });
  } catch (error) {
    return { unavailable: `apt-get install redis-server failed: ${(error as Error).message}` };
  }
  return which('redis-server') ?? { unavailable: 'redis-server not on PATH after apt-get' };
}

/** Starts an in-memory redis-server on 127.0.0.1 (no RDB, no AOF) on a free port. */
export async function startRedis(binary: string): Promise<RunningRedis> {
  const port = await freePort();
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'];
  args.push('--protected-mode', 'yes', '--daemonize', 'no', '--loglevel', 'warning');
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();

  try {
    await waitForPort(port, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const exitHandler = () => child.kill('SIGKILL');
  process.once('exit', exitHandler);
  return {
    host: '127.0.0.1',
    port,
    version,
    stop: async () => {
      process.off('exit', exitHandler);
      await stopChild(child);
    },
  };
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    if (await canConnect(port)) return;
    await sleep(50);
  }
  throw new Error(`redis-server did not listen on 127.0.0.1:${port} within ${START_TIMEOUT_MS} ms`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

function which(command: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}
