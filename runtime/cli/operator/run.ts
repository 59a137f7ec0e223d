import { OperatorExitCode, exitCodeFor } from './exit-code.js';
import { Output } from './output.js';
import { OperatorSession, type ConnectionArgs } from './session.js';
import { ErrorCode, TumnusError } from '../../../sdk/errors.js';

/** Flags common to every operator command. */
export interface OperatorArgs extends ConnectionArgs {
  json?: boolean;
}

export type OperatorAction = (session: OperatorSession, out: Output) => Promise<void>;

/**
 * Runs one operator command: `prepare` checks the arguments and returns the action, before any
 * configuration is read; then the session opens (nothing connects until the action needs the
 * database). A failure is reported on stderr and becomes the exit code; the session always closes.
 */
export async function runOperator(
  args: OperatorArgs,
  prepare: () => OperatorAction,
): Promise<number> {
  const out = new Output(args.json === true);
  let session: OperatorSession | undefined;
  let code: number = OperatorExitCode.Ok;
  try {
    const action = prepare();
    session = await OperatorSession.open(args);
    await action(session, out);
  } catch (error) {
    out.error(error);
    code = exitCodeFor(error);
  }

  try {
    await session?.close();
  } catch (error) {
    // Closing flushes buffered event records (a cancel's `cancelled` event): losing them fails.
    out.error(error);
    if (code === OperatorExitCode.Ok) code = exitCodeFor(error);
  }
  return code;
}

/** A flag that must be a positive integer; yargs hands numbers over as text, checked here. */
export function integerFlag(
  value: string | undefined,
  flag: string,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw usageError(
      `${flag} must be a positive integer no larger than ${max} (got ${JSON.stringify(value)})`,
    );
  }
  return Number(value);
}

/** An INVALID_ARGUMENT error: the command line asked for something that cannot be done. */
export function usageError(message: string): TumnusError {
  return new TumnusError(ErrorCode.InvalidArgument, message);
}
