#!/usr/bin/env node
// `tumnus-runtime`: the command line. Commands live in cli/; this file only declares them.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { LogLevel } from './config.js';
import { operatorCommands } from './cli/operator/commands.js';
import { packageVersion } from './cli/package-version.js';
import type { StartArgs } from './cli/start-command.js';
import { onUsageFailure } from './cli/usage-failure.js';

const cli = yargs(hideBin(process.argv))
  .scriptName('tumnus-runtime')
  .usage('$0 <command> [options]')
  .command<StartArgs>(
    'start',
    'Run the handlers in the handlers folder on a pool of worker threads until SIGINT/SIGTERM',
    (command) =>
      command
        .option('mongo', {
          type: 'string',
          describe: 'MongoDB URI [env TUMNUS_MONGO_URI; default: start an embedded database]',
        })
        .option('db', {
          type: 'string',
          describe: "Database name [default: the URI's, else tumnus]",
        })
        .option('handlers', { type: 'string', describe: 'Handlers folder [default: handlers]' })
        .option('concurrency', { type: 'string', describe: 'Pool threads [default: CPU count]' })
        .option('tasks-per-thread', {
          type: 'string',
          describe: 'Tasks each pool thread runs at once, for I/O-bound handlers [default: 1]',
        })
        .option('config', {
          type: 'string',
          describe: 'Config file [default: tumnus.config.ts, if present]',
        })
        .option('grace-ms', {
          type: 'string',
          describe: 'Shutdown grace for in-flight tasks [default: 10000]',
        })
        .option('log-level', {
          type: 'string',
          choices: Object.values(LogLevel),
          describe: 'Log level [default: info]',
        }),
    async (args) => {
      // Loaded on use: the pool, the loader and the embedded database are for `start` alone.
      const { runStart } = await import('./cli/start-command.js');
      process.exitCode = await runStart(args);
    },
  );

await operatorCommands(cli)
  .demandCommand(1, 'Name a command: start, parents, tasks, status')
  .strict()
  .fail(onUsageFailure)
  .version(packageVersion())
  .help()
  .alias('h', 'help')
  .epilogue('Flags override the config file, which overrides the environment.')
  .parseAsync();

// Handler modules loaded for validation may hold sockets or timers open; the command is done.
process.exit();
