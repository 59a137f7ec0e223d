import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { ErrorCode, TumnusError } from '../sdk/errors.js';
import { parseParentOptions, type ParentPolicyInput } from '../sdk/options.js';
import { assertPlainObject } from '../sdk/internal/validate.js';
import { discoverHandlerFiles, type HandlerFile } from './handler-discovery.js';
import type { Logger } from './logger.js';
import { moduleExport } from './module-exports.js';

/** A handler file that loaded, exported a function, and whose `options` are a valid policy. */
export interface LoadedHandler extends HandlerFile {
  /** From `export const options`; applied to the parent at start-up. */
  policy: ParentPolicyInput;
}

/**
 * Loads a handler once in the supervisor, before any thread does, so that a broken file stops
 * start-up with its own error (a syntax error stays a syntax error) as `cause`.
 */
export async function loadHandler(found: HandlerFile): Promise<LoadedHandler> {
  const namespace = await importHandler(found.file);

  const handler = moduleExport(namespace, 'default');
  if (typeof handler !== 'function') {
    throw new TumnusError(
      ErrorCode.HandlerLoadFailed,
      `handler file ${found.file} has no default export function ` +
        `(export default async (task, ctx) => result); its default export is ${typeof handler}`,
    );
  }
  return { ...found, policy: handlerPolicy(found, moduleExport(namespace, 'options')) };
}

async function importHandler(file: string): Promise<unknown> {
  try {
    return await tsImport(pathToFileURL(file).href, import.meta.url);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new TumnusError(
      ErrorCode.HandlerLoadFailed,
      `handler file ${file} failed to load: ${message}`,
      {
        cause: error,
      },
    );
  }
}

function handlerPolicy(found: HandlerFile, options: unknown): ParentPolicyInput {
  if (options === undefined) return {};
  try {
    assertPlainObject(options, 'options');
    return parseParentOptions({ ...options, name: found.parent }).policy;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new TumnusError(
      ErrorCode.HandlerLoadFailed,
      `handler file ${found.file} exports invalid options: ${message}`,
      { cause: error },
    );
  }
}

/** Discovers and loads every handler in `dir`, in name order; the first broken file stops it. */
export async function loadHandlers(dir: string, logger: Logger): Promise<LoadedHandler[]> {
  const loaded: LoadedHandler[] = [];
  for (const found of await discoverHandlerFiles(dir, logger))
    loaded.push(await loadHandler(found));
  return loaded;
}
