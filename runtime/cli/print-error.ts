/**
 * Prints a failure for the person at the terminal: the message, then each `cause` in turn, so a
 * handler's syntax error reads as itself under the start-up error that wraps it.
 */
export function printError(error: unknown): void {
  console.error(`tumnus-runtime: ${messageOf(error)}`);

  const seen = new Set<unknown>([error]);
  let cause = (error as { cause?: unknown } | null)?.cause;
  while (cause !== undefined && !seen.has(cause)) {
    seen.add(cause);
    console.error(`  caused by: ${messageOf(cause)}`);
    cause = (cause as { cause?: unknown } | null)?.cause;
  }
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return `${error.name}${code === undefined ? '' : ` [${String(code)}]`}: ${error.message}`;
}
