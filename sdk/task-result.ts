import {
  ResultStatus,
  TaskStatus,
  type OutcomeStatus,
  type TaskResult,
  type TaskSnapshot,
} from './model.js';

/** The sender's view of a finished task. */
export function toTaskResult<R>(task: TaskSnapshot): TaskResult<R> {
  const lastFailure = task.failures.at(-1);
  const payload =
    task.status === TaskStatus.Dead
      ? { error: lastFailure ? publicFailure(lastFailure) : { message: 'the task died' } }
      : task.status === TaskStatus.Cancelled
        ? { reason: task.cancelReason ?? 'cancelled' }
        : task.reply?.payload;

  return {
    status: outcomeOf(task.status),
    payload: payload as R | undefined,
    taskId: task.id,
    parent: task.parent,
    attempts: task.attempts,
    taskStatus: task.status,
    failures: task.failures,
    createdAt: task.createdAt,
    finishedAt: task.finishedAt ?? task.updatedAt,
  };
}

function outcomeOf(status: TaskStatus): OutcomeStatus {
  if (status === TaskStatus.Succeeded) return ResultStatus.Success;
  if (status === TaskStatus.Cancelled) return 'cancelled';
  return ResultStatus.Failed;
}

function publicFailure(failure: TaskSnapshot['failures'][number]) {
  return {
    name: failure.name,
    message: failure.message,
    ...(failure.code ? { code: failure.code } : {}),
    reason: failure.reason,
  };
}
