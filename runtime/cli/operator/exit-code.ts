import { ErrorCode } from '../../../sdk/errors.js';

/** Exit codes of the operator commands (`parents`, `tasks`, `status`). */
export const OperatorExitCode = Object.freeze({
  Ok: 0,
  /** Tumnus refused or failed the operation (connection, task state, ...). */
  Failed: 1,
  /** Bad flags or arguments, or a configuration that names no database. */
  Usage: 2,
  /** The task or parent named does not exist. */
  NotFound: 3,
});
export type OperatorExitCode = (typeof OperatorExitCode)[keyof typeof OperatorExitCode];

const USAGE_CODES: readonly unknown[] = Object.freeze([
  ErrorCode.InvalidArgument,
  ErrorCode.InvalidParentName,
  ErrorCode.InvalidUri,
  ErrorCode.ConfigInvalid,
]);
const NOT_FOUND_CODES: readonly unknown[] = Object.freeze([
  ErrorCode.TaskNotFound,
  ErrorCode.ParentNotFound,
]);

/** The exit code for a failed command, from the error's code (never its class). */
export function exitCodeFor(error: unknown): OperatorExitCode {
  const code = (error as { code?: unknown } | null)?.code;
  if (USAGE_CODES.includes(code)) return OperatorExitCode.Usage;
  if (NOT_FOUND_CODES.includes(code)) return OperatorExitCode.NotFound;
  return OperatorExitCode.Failed;
}
