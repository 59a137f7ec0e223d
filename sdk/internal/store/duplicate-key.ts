/**
 * A unique-index violation. Matched by code 11000 or the `E11000` message, because some
 * wire-compatible servers omit the code on the findAndModify path.
 */
export function isDuplicateKeyError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : '';
  return code === 11000 || message.startsWith('E11000');
}
