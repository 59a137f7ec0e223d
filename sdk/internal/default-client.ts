import { ErrorCode, TumnusError } from '../errors.js';
import type { ClientCore } from './client-core.js';

/**
 * The connection a bare `import { Task } from 'tumnus'` uses: the most recently constructed
 * `Tumnus` client that is still open. Code that holds a client should prefer its bound `Task`.
 */
const openClients: ClientCore[] = [];

export function registerClient(core: ClientCore): void {
  openClients.push(core);
}

export function unregisterClient(core: ClientCore): void {
  const index = openClients.indexOf(core);
  if (index >= 0) openClients.splice(index, 1);
}

export function defaultClient(): ClientCore {
  const core = openClients.at(-1);
  if (!core) {
    throw new TumnusError(
      ErrorCode.NoDefaultClient,
      'no open Tumnus client: create one with `new Tumnus(uri)` before using a bare Task, ' +
        'or use the Task it returns (`const { Task } = new Tumnus(uri)`)',
    );
  }
  return core;
}
