import type { ResolvedConfig } from './config.js';
import { createRuntimeLogger, type Logger } from './logger.js';

export interface StartRuntimeOptions {
  /** A pino logger to write to. @default JSON (pretty on a terminal) on stdout at logLevel */
  logger?: Logger;
}

/** A running runtime; `stop()` drains it (see `graceMs`) and closes everything it opened. */
export interface Runtime {
  stop(): Promise<void>;
}

/**
 * Starts the runtime in this process, as `tumnus-runtime start` does, without signal handling:
 * the caller decides when to `stop()`. Build `config` with `resolveConfig()`.
 */
export async function startRuntime(
  config: ResolvedConfig,
  options: StartRuntimeOptions = {},
): Promise<Runtime> {
  const logger = options.logger ?? createRuntimeLogger({ level: config.logLevel });
  // Loaded on use: a tumnus.config.ts imports this package for `defineConfig` alone, and should
  // not pay for the driver, the pool and the loader with it.
  const { Supervisor } = await import('./supervisor.js');
  const supervisor = await Supervisor.start(config, logger);
  return { stop: () => supervisor.stop() };
}
