import type { LogLevel, ResolvedConfig, TumnusConfig } from '../config.js';
import { resolveConfig } from '../config/resolve-config.js';
import { configError } from '../config/validate-config.js';
import { createRuntimeLogger, type Logger } from '../logger.js';
import { Supervisor } from '../supervisor.js';
import { printError } from './print-error.js';
import { ShutdownSignals } from './shutdown-signals.js';

/** `tumnus-runtime start` flags as yargs parsed them; numbers arrive as text, checked here. */
export interface StartArgs {
  mongo?: string;
  db?: string;
  handlers?: string;
  concurrency?: string;
  tasksPerThread?: string;
  config?: string;
  graceMs?: string;
  logLevel?: string;
}

export const ExitCode = Object.freeze({ Stopped: 0, StartFailed: 1, StopFailed: 1 });

/** Runs the runtime until SIGINT/SIGTERM; resolves with the process exit code. */
export async function runStart(args: StartArgs): Promise<number> {
  let config: ResolvedConfig;
  try {
    config = await resolveConfig({ flags: flagsConfig(args), configFile: args.config });
  } catch (error) {
    printError(error);
    return ExitCode.StartFailed;
  }

  const logger = createRuntimeLogger({ level: config.logLevel });
  const cliLogger = logger.child({ component: 'cli' });
  const signals = new ShutdownSignals(cliLogger);
  const supervisor = await startSupervisor(config, logger, cliLogger);
  if (!supervisor) {
    signals.dispose();
    return ExitCode.StartFailed;
  }

  await signals.requested;
  try {
    await supervisor.stop();
    return ExitCode.Stopped;
  } catch (error) {
    cliLogger.error({ err: error }, 'runtime stop failed');
    printError(error);
    return ExitCode.StopFailed;
  }
}

async function startSupervisor(
  config: ResolvedConfig,
  logger: Logger,
  cliLogger: Logger,
): Promise<Supervisor | null> {
  try {
    return await Supervisor.start(config, logger);
  } catch (error) {
    cliLogger.error({ err: error }, 'runtime failed to start');
    printError(error);
    return null;
  }
}

function flagsConfig(args: StartArgs): TumnusConfig {
  return {
    mongoUri: args.mongo,
    dbName: args.db,
    handlersDir: args.handlers,
    concurrency: integerFlag(args.concurrency, '--concurrency'),
    tasksPerThread: integerFlag(args.tasksPerThread, '--tasks-per-thread'),
    graceMs: integerFlag(args.graceMs, '--grace-ms'),
    logLevel: args.logLevel as LogLevel | undefined,
  };
}

function integerFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) {
    const shown = JSON.stringify(value);
    throw configError(
      'the command-line flags',
      `${flag} must be a positive integer (got ${shown})`,
    );
  }
  return Number(value);
}
