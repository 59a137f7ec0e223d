import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  access,
  constants,
  mkdir,
  readFile,
  readdir,
  rename,
  rm,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import type { Jdk } from './java-home.js';

const execFileAsync = promisify(execFile);

export const WIRE_SERVER_MAIN_CLASS = 'dev.tumnus.embeddeddb.WireServer';

/** Bump when the layout of a build directory changes, so old caches are not trusted. */
const BUILD_FORMAT = '1';
const STAMP_FILE = 'build.json';
/** The first build downloads mongo-java-server, Netty and slf4j from Maven Central. */
const MAVEN_TIMEOUT_MS = 300_000;
const JAVAC_TIMEOUT_MS = 120_000;

/**
 * Returns the `java -cp` value of the compiled Java wire server launcher, building it on first
 * use. A build lives in `.tumnus/embedded-db/wire-server-<hash>/` under the package root, where
 * the hash covers the launcher source and pom: an edit to either makes a new directory, an
 * unchanged checkout reuses the old one. Builds happen in a temporary directory renamed into
 * place, so two processes that start at once (vitest workers) never see a half-written build.
 */
export async function ensureWireServerBuild(jdk: Jdk, logger: Logger): Promise<string> {
  const sourceDir = findLauncherSource();
  const hash = await hashLauncherSource(sourceDir);
  const dir = path.join(findPackageRoot(), '.tumnus', 'embedded-db', `wire-server-${hash}`);
  const classpath = [path.join(dir, 'classes'), path.join(dir, 'lib', '*')].join(path.delimiter);

  if (existsSync(path.join(dir, STAMP_FILE))) return classpath;

  const mvn = await findMaven();
  const startedAt = Date.now();
  logger.info({ dir, jdk: jdk.home }, 'building java wire server');
  await mkdir(path.dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await buildInto(tmp, sourceDir, jdk, mvn);
    await writeFile(path.join(tmp, STAMP_FILE), JSON.stringify({ hash, jdk: jdk.home }) + '\n');
    await publish(tmp, dir);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  logger.info({ dir, durationMs: Date.now() - startedAt }, 'built java wire server');
  return classpath;
}

async function buildInto(tmp: string, sourceDir: string, jdk: Jdk, mvn: string): Promise<void> {
  const lib = path.join(tmp, 'lib');
  const classes = path.join(tmp, 'classes');
  await mkdir(classes, { recursive: true });

  const env = { ...process.env, JAVA_HOME: jdk.home };
  await run(
    mvn,
    [
      '-q',
      '-B',
      '-f',
      path.join(sourceDir, 'pom.xml'),
      'dependency:copy-dependencies',
      `-DoutputDirectory=${lib}`,
      '-DincludeScope=runtime',
    ],
    { env, timeout: MAVEN_TIMEOUT_MS },
  );

  const sources = (await listFiles(path.join(sourceDir, 'src'))).filter((f) => f.endsWith('.java'));
  await run(
    jdk.javac,
    ['--release', '17', '-nowarn', '-d', classes, '-cp', path.join(lib, '*'), ...sources],
    { env, timeout: JAVAC_TIMEOUT_MS },
  );
}

/** Renames the finished build into place; losing a race to an identical build is fine. */
async function publish(tmp: string, dir: string): Promise<void> {
  try {
    await rename(tmp, dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const lostRace =
      (code === 'ENOTEMPTY' || code === 'EEXIST') && existsSync(path.join(dir, STAMP_FILE));
    if (!lostRace) throw error;
  }
}

async function run(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; timeout: number },
): Promise<void> {
  try {
    await execFileAsync(command, args, { ...options, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    const output = `${stdout}\n${stderr}`.trim().split('\n').slice(-20).join('\n');
    const tool = path.basename(command);
    throw new Error(`${tool} failed while building the java wire server:\n${output}`, {
      cause: error,
    });
  }
}

async function findMaven(): Promise<string> {
  const exe = process.platform === 'win32' ? 'mvn.cmd' : 'mvn';
  const homes = [process.env.MAVEN_HOME, process.env.M2_HOME].filter(Boolean) as string[];
  const dirs = [
    ...homes.map((h) => path.join(h, 'bin')),
    ...(process.env.PATH ?? '').split(path.delimiter),
  ];
  for (const dir of dirs.filter(Boolean)) {
    const candidate = path.join(dir, exe);
    const usable = await access(candidate, constants.X_OK).then(
      () => true,
      () => false,
    );
    if (usable) return candidate;
  }
  throw new Error('Maven (mvn) was not found on PATH, MAVEN_HOME or M2_HOME');
}

async function hashLauncherSource(sourceDir: string): Promise<string> {
  const files = [
    path.join(sourceDir, 'pom.xml'),
    ...(await listFiles(path.join(sourceDir, 'src'))),
  ];
  const hash = createHash('sha256').update(`format ${BUILD_FORMAT}\n`);
  for (const file of files.sort()) {
    hash.update(`${path.relative(sourceDir, file)}\n`);
    hash.update(await readFile(file));
  }
  return hash.digest('hex').slice(0, 16);
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/**
 * The Java sources stay in runtime/embedded-db/java/ of the package. This module runs either from
 * there (tsx, vitest) or compiled from dist/runtime/embedded-db/; both sit under the same package
 * root, so the sources are found from it rather than from this file's own directory.
 */
function findLauncherSource(): string {
  const candidate = path.join(findPackageRoot(), 'runtime', 'embedded-db', 'java');
  if (!existsSync(path.join(candidate, 'pom.xml'))) {
    // LIMITATION: the published package ships only dist/; the fallback works from a checkout.
    throw new Error(`java wire server sources not found at ${candidate}`);
  }
  return candidate;
}

/** The nearest directory above this module that holds a package.json. */
function findPackageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('no package.json above the embedded-db module');
    dir = parent;
  }
  return dir;
}
