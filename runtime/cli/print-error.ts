/**
 * Prints a failure for the person at the terminal: the message, then each `cause` that adds
 * something, so a handler's syntax error reads as itself under the start-up error that wraps it.
 */
export function printError(error: unknown): void {
  let printed = describe(error);
  console.error(`tumnus-runtime: ${printed}`);

  for (const cause of causeChain(error)) {
    // Wrappers usually quote their cause's message already; repeating it helps nobody.
    if (printed.includes(messageOf(cause))) continue;
    console.error(`  caused by: ${describe(cause)}`);
    printed += describe(cause);
  }
}

function* causeChain(error: unknown): Generator<unknown> {
  const seen = new Set<unknown>([error]);
  let cause = causeOf(error);
  while (cause !== undefined && !seen.has(cause)) {
    seen.add(cause);
    yield cause;
    cause = causeOf(cause);
  }
}

function causeOf(error: unknown): unknown {
  return (error as { cause?: unknown } | null)?.cause;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return `${error.name}${code === undefined ? '' : ` [${String(code)}]`}: ${error.message}`;
}
