import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { ErrorCode, TumnusError } from '../../sdk/errors.js';
import { DEFAULT_CONFIG_FILE, type TumnusConfig } from '../config.js';
import { moduleExport } from '../module-exports.js';
import { validateConfig } from './validate-config.js';

export interface LoadedConfigFile {
  /** Absolute path of the file that was loaded; undefined when the default file is absent. */
  file: string | undefined;
  config: TumnusConfig;
}

/**
 * Loads `tumnus.config.ts` (or the file `--config` names) through tsx, so it may be TypeScript
 * and import `tumnus/runtime`. A missing default file is fine; a missing named file is an error.
 * Relative paths inside the file are taken from the file's folder.
 */
export async function loadConfigFile(
  explicitPath: string | undefined,
  cwd: string,
): Promise<LoadedConfigFile> {
  const file = resolve(cwd, explicitPath ?? DEFAULT_CONFIG_FILE);
  if (!(await isFile(file))) {
    if (explicitPath === undefined) return { file: undefined, config: {} };
    throw new TumnusError(ErrorCode.ConfigInvalid, `config file ${file} does not exist`);
  }

  const config = validateConfig(moduleExport(await importConfig(file), 'default'), file);
  return { file, config: withPathsFrom(config, dirname(file)) };
}

async function importConfig(file: string): Promise<unknown> {
  try {
    return await tsImport(pathToFileURL(file).href, import.meta.url);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new TumnusError(ErrorCode.ConfigInvalid, `cannot load config file ${file}: ${message}`, {
      cause: error,
    });
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new TumnusError(ErrorCode.ConfigInvalid, `cannot read config file ${path}`, {
      cause: error,
    });
  }
}

function withPathsFrom(config: TumnusConfig, folder: string): TumnusConfig {
  const absolute = (path: string | undefined) =>
    path === undefined || isAbsolute(path) ? path : resolve(folder, path);
  return {
    ...config,
    handlersDir: absolute(config.handlersDir),
    dataDir: absolute(config.dataDir),
  };
}
