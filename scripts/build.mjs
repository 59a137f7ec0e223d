// Compiles sdk/ and runtime/ to dist/ so that `import 'tumnus'` (also from inside this
// repository, through the package's self-reference) and the `tumnus-runtime` bin work
// without a TypeScript loader. Runs on `npm install` through the `prepare` script.
import { execFileSync } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');

rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
chmodSync('dist/runtime/cli.js', 0o755);
