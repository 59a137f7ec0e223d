import { ErrorCode, TumnusError } from '../errors.js';
import { assertStorableShape } from './storable-shape.js';
import { bsonSize } from './store/index.js';

/**
 * Largest payload or reply stored on a task. Both live in one document, and MongoDB refuses
 * documents over 16 MiB, so each gets a little under half.
 */
export const MAX_STORED_VALUE_BYTES = 7 * 1024 * 1024;

/**
 * Throws a `PAYLOAD_NOT_STORABLE` error unless `value` survives a round trip through MongoDB
 * unchanged: plain objects, arrays, strings, finite numbers, booleans, null, Dates and byte
 * arrays. Functions, symbols, BigInt, cycles and class instances are refused rather than
 * silently dropped or mangled by the driver.
 */
export function assertStorable(
  value: unknown,
  what: string,
  maxBytes = MAX_STORED_VALUE_BYTES,
): void {
  assertStorableShape(value, what);

  const size = bsonSize(value ?? null);
  if (size > maxBytes) {
    throw new TumnusError(
      ErrorCode.PayloadTooLarge,
      `${what} takes ${size} bytes as BSON; the limit is ${maxBytes}`,
    );
  }
}
