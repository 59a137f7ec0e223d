import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** Identifies a lease holder to operators: what it is, on which host and process. */
export function ownerId(kind: string): string {
  return `${kind}@${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}
