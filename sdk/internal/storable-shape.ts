import { ErrorCode, TumnusError } from '../errors.js';

/**
 * The structural half of `assertStorable`, without the BSON size check: it needs no MongoDB
 * driver, so pool threads can check a handler's result before it is cloned to the supervisor
 * (cloning would silently turn class instances into plain objects).
 */
export function assertStorableShape(value: unknown, what: string): void {
  checkValue(value, what, new Set());
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
