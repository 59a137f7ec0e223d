import { ErrorCode, TumnusError } from '../errors.js';

/** Parent names double as handler file names, so they are kept to a safe, portable alphabet. */
const PARENT_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

export function assertParentName(name: unknown, field = 'name'): asserts name is string {
  if (typeof name !== 'string' || !PARENT_NAME.test(name) || RESERVED_NAMES.has(name)) {
    throw new TumnusError(
      ErrorCode.InvalidParentName,
      `${field} must be 1-64 characters: a letter, then letters, digits, '_' or '-' ` +
        `(got ${describe(name)})`,
    );
  }
}

export function assertKnownKeys(value: object, known: readonly string[], what: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new TumnusError(
        ErrorCode.InvalidArgument,
        `${what}.${key} is not a known option (known: ${known.join(', ')})`,
      );
    }
  }
}

export function assertPlainObject(value: unknown, what: string): asserts value is object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TumnusError(ErrorCode.InvalidArgument, `${what} must be an object`);
  }
}

export function optionalPositiveInteger(
  value: unknown,
  field: string,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > max) {
    throw new TumnusError(
      ErrorCode.InvalidArgument,
      `${field} must be a positive integer no larger than ${max} (got ${describe(value)})`,
    );
  }
  return value;
}

export function optionalBoolean(value: unknown, field: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw new TumnusError(ErrorCode.InvalidArgument, `${field} must be a boolean`);
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 80));
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol' || typeof value === 'function') return typeof value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
