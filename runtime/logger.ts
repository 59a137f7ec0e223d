import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogLevel } from './config.js';

export type { Logger };

export interface RuntimeLoggerOptions {
  level: LogLevel;
  /** Human-readable lines instead of JSON. @default whether stdout is a terminal */
  pretty?: boolean;
}

/**
 * The runtime's root logger: pino JSON on stdout for machines, pretty lines when a person is
 * watching a terminal. Writes are synchronous so the last lines before exit are never lost.
 * Components take a child: `logger.child({ component: 'pool' })`.
 */
export function createRuntimeLogger(options: RuntimeLoggerOptions): Logger {
  const base = { name: 'tumnus-runtime', level: options.level };
  if (options.pretty ?? process.stdout.isTTY === true) {
    return pino(base, pretty({ colorize: true, sync: true, destination: 1 }));
  }
  return pino(base, pino.destination({ fd: 1, sync: true }));
}
