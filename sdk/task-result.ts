import { ResultStatus, TaskStatus, type TaskResult, type TaskSnapshot } from './model.js';

/** The sender's view of a finished task. */
export function toTaskResult<R>(task: TaskSnapshot): TaskResult<R> {
  const lastFailure = task.failures.at(-1);
  const payload =
    task.status === TaskStatus.Dead
      ? { error: lastFailure ? publicFailure(lastFailure) : { message: 'the task died' } }
      : task.reply?.payload;

  return {
    status: task.status === TaskStatus.Succeeded ? ResultStatus.Success : ResultStatus.Failed,
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

function publicFailure(failure: TaskSnapshot['failures'][number]) {
  return {
    name: failure.name,
    message: failure.message,
    ...(failure.code ? { code: failure.code } : {}),
    reason: failure.reason,
  };
}
