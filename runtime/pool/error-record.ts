import type { ErrorRecord } from './protocol.js';

/** Flattens anything thrown into a record that survives structured clone unchanged. */
export function toErrorRecord(error: unknown): ErrorRecord {
  if (!(error instanceof Error)) {
    return { name: 'Error', message: describeThrown(error), retryable: true };
  }
  const { code, retryable } = error as { code?: unknown; retryable?: unknown };
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === 'string' || typeof code === 'number' ? { code: String(code) } : {}),
    ...(error.stack ? { stack: error.stack } : {}),
    retryable: retryable !== false,
  };
}

/** Rebuilds an Error from a record, with `code` and `retryable` as own fields. */
export function fromErrorRecord(record: ErrorRecord): Error {
  const error = new Error(record.message);
  error.name = record.name;
  if (record.stack !== undefined) error.stack = record.stack;
  return Object.assign(error, {
    retryable: record.retryable,
    ...(record.code !== undefined ? { code: record.code } : {}),
  });
}

function describeThrown(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // Cycles and BigInts do not stringify; the default conversion still names the type.
    return String(value);
  }
}
