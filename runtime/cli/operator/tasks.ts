import { ErrorCode, TumnusError } from '../../../sdk/errors.js';
import { listTasks, retryTask } from '../../../sdk/internal/store/index.js';
import { assertParentName } from '../../../sdk/internal/validate.js';
import { TaskStatus, type TaskSnapshot } from '../../../sdk/model.js';
import { formatDate, formatTable } from './format.js';
import { integerFlag, usageError, type OperatorAction } from './run.js';
import { assertTaskId } from './session.js';

export interface ListTasksArgs {
  parent?: string;
  status?: string;
  limit?: string;
}

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 10_000;
const MAX_REASON_LENGTH = 1_000;

/** `tasks list`: the newest tasks first, optionally of one parent or in one state. */
export function listTasksAction(args: ListTasksArgs): OperatorAction {
  if (args.parent !== undefined) assertParentName(args.parent, '--parent');
  const status = statusFlag(args.status);
  const limit = integerFlag(args.limit, '--limit', MAX_LIMIT) ?? DEFAULT_LIMIT;

  return async (session, out) => {
    const query = {
      limit,
      ...(args.parent ? { parent: args.parent } : {}),
      ...(status ? { status } : {}),
    };
    const tasks = await listTasks(await session.store(), query);
    out.result({ tasks }, () => (tasks.length === 0 ? 'No tasks.' : tasksTable(tasks)));
  };
}

/**
 * `tasks retry`: a finished task back to pending, with one more attempt allowed.
 *
 * LIMITATION: the retry itself records no lifecycle event (the event map has none for it), so
 * `tasks show` and observers see the next `started` with no event saying who re-queued the task.
 */
export function retryTaskAction(id: string): OperatorAction {
  assertTaskId(id);
  return async (session, out) => {
    const store = await session.store();
    const before = await session.task(id).get();
    const retried = await retryTask(store, id);
    if (retried === null) throw notFound(id);
    if (!retried) {
      throw new TumnusError(
        ErrorCode.TaskStateInvalid,
        `task ${id} is ${before.status}: only a finished task can be retried`,
        { taskId: id },
      );
    }

    // The retry allows exactly one more attempt: the one it queues.
    const attempt = before.attempts + 1;
    out.result({ taskId: id, parent: before.parent, retried: true, attempt }, () =>
      [
        `Task ${id} (${before.parent}) is pending again: attempt ${attempt} of ${attempt}.`,
        `Earlier failures stay on the task; follow it with 'tasks show ${id}'.`,
      ].join('\n'),
    );
  };
}

/** `tasks cancel`: an unfinished task is cancelled; one that finished otherwise is an error. */
export function cancelTaskAction(id: string, reason: string | undefined): OperatorAction {
  assertTaskId(id);
  if (reason !== undefined && reason.length > MAX_REASON_LENGTH) {
    throw usageError(`--reason must be at most ${MAX_REASON_LENGTH} characters`);
  }
  return async (session, out) => {
    const handle = session.task(id);
    const before = await handle.get();
    const result = await handle.cancel(reason ?? 'cancelled by an operator');
    if (result.taskStatus !== TaskStatus.Cancelled) {
      throw new TumnusError(
        ErrorCode.TaskStateInvalid,
        `task ${id} already finished (${result.taskStatus}); nothing to cancel`,
        { taskId: id },
      );
    }

    out.result({ result }, () => {
      if (before.status === TaskStatus.Cancelled) return `Task ${id} was already cancelled.`;
      const running = before.status === TaskStatus.Leased ? '; its running attempt is aborted' : '';
      return `Task ${id} cancelled${running}.`;
    });
  };
}

function statusFlag(value: string | undefined): TaskStatus | undefined {
  if (value === undefined) return undefined;
  const statuses: readonly string[] = Object.values(TaskStatus);
  if (!statuses.includes(value)) {
    throw usageError(
      `--status must be one of ${statuses.join(', ')} (got ${JSON.stringify(value)})`,
    );
  }
  return value as TaskStatus;
}

function tasksTable(tasks: TaskSnapshot[]): string {
  return formatTable(
    ['id', 'parent', 'status', 'attempts', 'created', 'run at', 'finished'],
    tasks.map((t) => [
      t.id,
      t.parent,
      t.status,
      `${t.attempts}/${t.maxAttempts}`,
      formatDate(t.createdAt),
      formatDate(t.runAt),
      formatDate(t.finishedAt),
    ]),
  );
}

export function notFound(id: string): TumnusError {
  return new TumnusError(ErrorCode.TaskNotFound, `task ${id} does not exist`, { taskId: id });
}
