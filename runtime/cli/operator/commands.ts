// The operator commands' declarations for yargs; each handler runs one action from this folder.
import type { Argv } from 'yargs';
import { TaskStatus } from '../../../sdk/model.js';
import { createParent, listParents, showParent, type CreateParentArgs } from './parents.js';
import { purgeTasksAction, type PurgeArgs } from './purge.js';
import { runOperator, type OperatorAction, type OperatorArgs } from './run.js';
import { showStatus } from './status.js';
import { showTaskAction } from './task-show.js';
import { cancelTaskAction, listTasksAction, retryTaskAction, type ListTasksArgs } from './tasks.js';

/** Adds `parents`, `tasks` and `status` to the command line. */
export function operatorCommands<T>(cli: Argv<T>): Argv<T> {
  return cli
    .command('parents', 'List, create and show task parents', (command) =>
      command
        .command<OperatorArgs>(
          'list',
          'List every task parent and its policy',
          connection,
          (args) => run(args, () => listParents()),
        )
        .command<OperatorArgs & CreateParentArgs>(
          'create <name>',
          'Create a task parent, or update the policy fields given',
          (create) => parentCreateOptions(connection(create)),
          (args) => run(args, () => createParent(args)),
        )
        .command<OperatorArgs & { name: string }>(
          'show <name>',
          'Show a task parent: policy, task counts, schedules',
          (show) => connection(show).positional('name', { type: 'string', demandOption: true }),
          (args) => run(args, () => showParent(args.name)),
        )
        .demandCommand(1, 'Name a parents command: list, create, show'),
    )
    .command('tasks', 'List, inspect, retry, cancel and purge tasks', tasksCommands)
    .command<OperatorArgs>(
      'status',
      'Per parent: tasks by state, oldest pending, running leases; and the live supervisors',
      connection,
      (args) => run(args, () => showStatus()),
    );
}

function tasksCommands<T>(command: Argv<T>): Argv<T> {
  return command
    .command<OperatorArgs & ListTasksArgs>(
      'list',
      'List tasks, newest first',
      (list) =>
        connection(list)
          .option('parent', { type: 'string', describe: 'Only tasks of this parent' })
          .option('status', {
            type: 'string',
            describe: `Only tasks in this state: ${Object.values(TaskStatus).join(', ')}`,
          })
          .option('limit', { type: 'string', describe: 'At most this many [default: 20]' }),
      (args) => run(args, () => listTasksAction(args)),
    )
    .command<OperatorArgs & { id: string }>(
      'show <id>',
      'Show a task: payload, result, each failed attempt, its events',
      (show) => taskId(connection(show)),
      (args) => run(args, () => showTaskAction(args.id)),
    )
    .command<OperatorArgs & { id: string }>(
      'retry <id>',
      'Run a finished task again, with one more attempt',
      (retry) => taskId(connection(retry)),
      (args) => run(args, () => retryTaskAction(args.id)),
    )
    .command<OperatorArgs & { id: string; reason?: string }>(
      'cancel <id>',
      'Cancel a pending or running task',
      (cancel) =>
        taskId(connection(cancel)).option('reason', {
          type: 'string',
          describe: 'Stored on the task [default: cancelled by an operator]',
        }),
      (args) => run(args, () => cancelTaskAction(args.id, args.reason)),
    )
    .command<OperatorArgs & PurgeArgs>(
      'purge',
      'Delete (or archive, then delete) tasks that finished before a date',
      purgeOptions,
      (args) => run(args, () => purgeTasksAction(args)),
    )
    .demandCommand(1, 'Name a tasks command: list, show, retry, cancel, purge');
}

async function run(args: OperatorArgs, prepare: () => OperatorAction): Promise<void> {
  process.exitCode = await runOperator(args, prepare);
}

/** Where the database is (resolved as `start` resolves it) and how to print. */
function connection<T>(command: Argv<T>) {
  return command
    .option('mongo', { type: 'string', describe: 'MongoDB URI [env TUMNUS_MONGO_URI; required]' })
    .option('db', { type: 'string', describe: "Database name [default: the URI's, else tumnus]" })
    .option('config', {
      type: 'string',
      describe: 'Config file [default: tumnus.config.ts, if present]',
    })
    .option('json', { type: 'boolean', describe: 'Print one JSON document instead of text' });
}

function taskId<T>(command: Argv<T>) {
  return command.positional('id', { type: 'string', demandOption: true, describe: 'Task id' });
}

function parentCreateOptions<T>(command: Argv<T>) {
  return command
    .positional('name', { type: 'string', demandOption: true })
    .option('max-attempts', { type: 'string', describe: 'Claims per task [default: 3]' })
    .option('lease-ms', { type: 'string', describe: 'Lease length [default: 30000]' })
    .option('timeout-ms', { type: 'string', describe: 'Time per attempt [default: 300000]' })
    .option('backoff-ms', { type: 'string', describe: 'Retry backoff base [default: 1000]' })
    .option('retention-days', {
      type: 'string',
      describe: 'Days events are kept: 30, 60 or 90 [default: 30]',
    });
}

function purgeOptions<T>(command: Argv<T>) {
  return connection(command)
    .option('before', {
      type: 'string',
      demandOption: true,
      describe: 'Tasks that finished before this ISO date (2025-01-31 or ...T12:00:00Z)',
    })
    .option('parent', { type: 'string', describe: 'Only tasks of this parent' })
    .option('archive', { type: 'boolean', describe: 'Copy each batch to tasks_archive first' })
    .option('dry-run', { type: 'boolean', describe: 'Only count what would be purged' })
    .option('yes', { type: 'boolean', describe: 'Confirm the purge (required without --dry-run)' })
    .option('batch-size', { type: 'string', describe: 'Tasks per batch [default: 500]' });
}
