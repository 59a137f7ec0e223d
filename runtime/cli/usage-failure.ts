/** Exit code for a command line yargs refused (unknown command or flag, missing argument). */
export const USAGE_EXIT_CODE = 2;

/**
 * yargs' `fail` hook: a refused command line prints its reason on stderr and exits 2. Errors
 * thrown by a command's own handler are not usage errors and are rethrown.
 */
export function onUsageFailure(message: string | undefined, error: Error | undefined): never {
  if (error && error.name !== 'YError') throw error;
  console.error(`tumnus-runtime: ${message ?? error?.message ?? 'invalid command line'}`);
  console.error("Run 'tumnus-runtime --help' (or '<command> --help') for usage.");
  process.exit(USAGE_EXIT_CODE);
}
