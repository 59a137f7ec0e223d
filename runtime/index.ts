// `tumnus/runtime`: what a tumnus.config.ts, a handler file or an embedding program imports.
// Importing it does nothing by itself: no connection, no threads, no environment reads.
export {
  defineConfig,
  CONFIG_DEFAULTS,
  DEFAULT_CONFIG_FILE,
  LogLevel,
  type TumnusConfig,
  type ResolvedConfig,
  type SmtpConfig,
} from './config.js';
export { resolveConfig, type ResolveConfigOptions } from './config/resolve-config.js';
export type {
  TaskHandler,
  HandlerTask,
  HandlerContext,
  HandlerLogger,
  HandlerConfig,
  HandlerOptions,
} from './handler-types.js';
export { startRuntime, type Runtime, type StartRuntimeOptions } from './start-runtime.js';
