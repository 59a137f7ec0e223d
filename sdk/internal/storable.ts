import { ErrorCode, TumnusError } from '../errors.js';
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
export function assertStorable(value: unknown, what: string): void {
  checkValue(value, what, new Set());

  const size = bsonSize(value ?? null);
  if (size > MAX_STORED_VALUE_BYTES) {
    throw new TumnusError(
      ErrorCode.PayloadTooLarge,
      `${what} takes ${size} bytes as BSON; the limit is ${MAX_STORED_VALUE_BYTES}`,
    );
  }
}

function checkValue(value: unknown, path: string, ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return;
    case 'number':
      if (!Number.isFinite(value)) refuse(path, `${value} is not a finite number`);
      return;
    case 'bigint':
      return refuse(path, 'BigInt cannot be stored; send it as a string');
    case 'symbol':
    case 'function':
      return refuse(path, `a ${typeof value} cannot be stored`);
  }
  if (value === null || value instanceof Date || value instanceof Uint8Array) return;

  const object = value as object;
  if (ancestors.has(object)) refuse(path, 'it contains a cycle');
  if (!Array.isArray(object) && !isPlainObject(object)) {
    refuse(path, `a ${object.constructor?.name ?? 'non-plain'} instance cannot be stored`);
  }

  ancestors.add(object);
  for (const [key, child] of Object.entries(object)) {
    if (!Array.isArray(object) && (key.startsWith('$') || key.includes('\0'))) {
      refuse(`${path}.${key}`, "field names may not start with '$' or contain NUL");
    }
    checkValue(child, Array.isArray(object) ? `${path}[${key}]` : `${path}.${key}`, ancestors);
  }
  ancestors.delete(object);
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function refuse(path: string, why: string): never {
  throw new TumnusError(ErrorCode.PayloadNotStorable, `${path} cannot be stored: ${why}`);
}
