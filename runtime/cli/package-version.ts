import { createRequire } from 'node:module';

/** The installed package's version, found through the package's own name (self-reference). */
export function packageVersion(): string {
  const manifest: unknown = createRequire(import.meta.url)('tumnus/package.json');
  const version = (manifest as { version?: unknown }).version;
  return typeof version === 'string' ? version : 'unknown';
}
