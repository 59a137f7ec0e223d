import { readdir, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { ErrorCode, TumnusError } from '../sdk/errors.js';
import { assertParentName } from '../sdk/internal/validate.js';
import type { Logger } from './logger.js';

/** A handler file found on disk: `handlers/<parent>.<ext>`. */
export interface HandlerFile {
  parent: string;
  /** Real, absolute path; always inside the handlers folder. */
  file: string;
}

const HANDLER_FILE = /^(?<name>.+)\.(?:ts|js|mjs)$/;
/** Files that live next to handlers without being handlers: skipped without a warning. */
const IGNORED_FILE = /^\.|\.d\.[mc]?ts$|\.(?:test|spec)\.[mc]?[jt]s$/;

/**
 * Finds `<ParentName>.ts|.js|.mjs` files directly in `dir`, sorted by name. Other files are
 * skipped with a warning; sub-folders, declaration files, tests and dotfiles silently. Only
 * regular files whose real path stays inside the folder count, so a link cannot pull in code
 * from elsewhere.
 */
export async function discoverHandlerFiles(dir: string, logger: Logger): Promise<HandlerFile[]> {
  const root = await handlersRoot(dir);
  const entries = (await readdir(root, { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  const found = new Map<string, HandlerFile>();

  for (const entry of entries) {
    const { name } = entry;
    // Sub-folders hold whatever handlers share; only top-level files are handlers.
    if (IGNORED_FILE.test(name) || entry.isDirectory()) continue;
    const parent = parentOf(name, logger);
    const file = parent === undefined ? undefined : await insideRoot(root, name, logger);
    if (parent === undefined || file === undefined) continue;

    const clash = found.get(parent);
    if (clash) {
      throw new TumnusError(
        ErrorCode.HandlerLoadFailed,
        `two handler files for parent ${parent}: ${clash.file} and ${file}; keep one`,
      );
    }
    found.set(parent, { parent, file });
  }
  return [...found.values()];
}

async function handlersRoot(dir: string): Promise<string> {
  try {
    const root = await realpath(dir);
    if ((await stat(root)).isDirectory()) return root;
  } catch (error) {
    throw new TumnusError(ErrorCode.ConfigInvalid, `handlersDir ${dir} cannot be read`, {
      cause: error,
    });
  }
  throw new TumnusError(ErrorCode.ConfigInvalid, `handlersDir ${dir} is not a folder`);
}

function parentOf(name: string, logger: Logger): string | undefined {
  const match = HANDLER_FILE.exec(name);
  if (!match?.groups?.name) {
    logger.warn({ fileName: name, reason: 'not a .ts, .js or .mjs file' }, 'handler file skipped');
    return undefined;
  }
  try {
    assertParentName(match.groups.name, 'file name');
    return match.groups.name;
  } catch (error) {
    logger.warn({ fileName: name, reason: (error as Error).message }, 'handler file skipped');
    return undefined;
  }
}

/** The file's real path when it is a regular file inside `root`; else undefined, with a warning. */
async function insideRoot(root: string, name: string, logger: Logger): Promise<string | undefined> {
  let real: string;
  try {
    real = await realpath(join(root, name));
  } catch (error) {
    logger.warn({ fileName: name, err: error, reason: 'unreadable' }, 'handler file skipped');
    return undefined;
  }
  if (!real.startsWith(root + sep)) {
    logger.warn(
      { fileName: name, target: real, reason: 'links outside the folder' },
      'handler file skipped',
    );
    return undefined;
  }
  if (!(await stat(real)).isFile()) {
    logger.warn({ fileName: name, reason: 'not a regular file' }, 'handler file skipped');
    return undefined;
  }
  return real;
}
