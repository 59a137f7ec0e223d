import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { ErrorCode, TumnusError } from '../../sdk/errors.js';
import type { TaskHandler } from '../handler-types.js';
import { moduleExport } from '../module-exports.js';

/**
 * Handler modules of one pool thread, each loaded once through tsx (so `.ts` handlers run from a
 * built runtime) and reused for every later task. A failed load is not cached: the next task of
 * that parent tries again, and its error fails that attempt.
 */
export class HandlerCache {
  private readonly modules = new Map<string, Promise<TaskHandler>>();

  load(file: string): Promise<TaskHandler> {
    let loading = this.modules.get(file);
    if (!loading) {
      loading = importHandler(file);
      this.modules.set(file, loading);
      loading.catch(() => this.modules.delete(file));
    }
    return loading;
  }
}

async function importHandler(file: string): Promise<TaskHandler> {
  const namespace: unknown = await tsImport(pathToFileURL(file).href, import.meta.url);
  const handler = moduleExport(namespace, 'default');
  if (typeof handler !== 'function') {
    throw new TumnusError(
      ErrorCode.HandlerLoadFailed,
      `handler file ${file} has no default export function`,
    );
  }
  return handler as TaskHandler;
}
