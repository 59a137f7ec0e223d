import { mergeConfig, type ResolvedConfig, type TumnusConfig } from '../config.js';
import { readEnvConfig } from './env-config.js';
import { loadConfigFile } from './load-config-file.js';
import { validateConfig } from './validate-config.js';

export interface ResolveConfigOptions {
  /** Values from command-line flags (undefined = not given). */
  flags?: TumnusConfig;
  /** `--config`: a file that must exist. @default `tumnus.config.ts` in `cwd`, if present */
  configFile?: string;
  /** @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** @default process.cwd() */
  cwd?: string;
}

/** The configuration to run with: flags > config file > environment > defaults. */
export async function resolveConfig(options: ResolveConfigOptions = {}): Promise<ResolvedConfig> {
  const cwd = options.cwd ?? process.cwd();
  const env = readEnvConfig(options.env ?? process.env, cwd);
  const file = await loadConfigFile(options.configFile, cwd);
  const flags = validateConfig(options.flags ?? {}, 'the command-line flags');

  return mergeConfig([env, file.config, flags], cwd, file.file);
}
