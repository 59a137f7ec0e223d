import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';
import type { BenchDatabase } from './database.js';
import type { RunningRedis } from './redis.js';

export interface BenchEnvironment {
  startedAt: string;
  mode: 'full' | 'quick';
  node: string;
  cpu: string;
  cores: number;
  memoryGb: number;
  database: { kind: string; version: string };
  redis: string | null;
  packages: Record<string, string>;
}

/** Read from node_modules directly: some packages do not export their package.json. */
function packageVersion(name: string): string {
  const file = name === 'tumnus' ? 'package.json' : path.join('node_modules', name, 'package.json');
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch (error) {
    return `unknown (${(error as Error).message.split('\n')[0]})`;
  }
}

export function describeEnvironment(
  mode: 'full' | 'quick',
  db: BenchDatabase,
  redis: RunningRedis | null,
): BenchEnvironment {
  return {
    startedAt: new Date().toISOString(),
    mode,
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    database: { kind: db.kind, version: db.version },
    redis: redis ? `Redis ${/v=(\S+)/.exec(redis.version)?.[1] ?? redis.version}` : null,
    packages: Object.fromEntries(
      ['tumnus', 'mongodb', 'agenda', '@agendajs/mongo-backend', 'bullmq', 'ioredis'].map(
        (name) => [name, packageVersion(name)],
      ),
    ),
  };
}
