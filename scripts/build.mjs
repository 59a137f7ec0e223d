// Compiles sdk/ and runtime/ to dist/ so that `import 'tumnus'` (also from inside this
// repository, through the package's self-reference) and the `tumnus-runtime` bin work
// without a TypeScript loader. Runs on `npm install` through the `prepare` script.
//
// It compiles into a fresh folder and swaps it in at the end, so processes started from dist/
// while a build runs (tests in another terminal) never see it half-written or missing.
import { execFileSync } from 'node:child_process';
import { chmodSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const next = `dist.next-${process.pid}`;
const old = `dist.old-${process.pid}`;

try {
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', next], {
    stdio: 'inherit',
  });
  chmodSync(`${next}/runtime/cli.js`, 0o755);
  try {
    renameSync('dist', old);
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  renameSync(next, 'dist');
} finally {
  rmSync(next, { recursive: true, force: true });
  rmSync(old, { recursive: true, force: true });
}
