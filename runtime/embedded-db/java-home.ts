import { execFile } from 'node:child_process';
import { access, constants, readFile, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** mongo-java-server 1.47 is compiled for Java 17; the launcher is compiled with --release 17. */
export const MIN_JAVA_VERSION = 17;

export interface Jdk {
  home: string;
  java: string;
  javac: string;
  /** Feature release number: 17, 21, 25. */
  version: number;
}

/** Where to look for a JDK; every field is optional so tests can point at fake trees. */
export interface JdkSearch {
  /** Checked first. Default: `process.env.JAVA_HOME`. */
  javaHome?: string | undefined;
  /** Every directory inside is a candidate, newest version first. Default: `/usr/lib/jvm`. */
  jvmRoot?: string | undefined;
  /** `javac` is looked up along this list last. Default: `process.env.PATH`. */
  pathEnv?: string | undefined;
}

export interface JdkSearchResult {
  jdk: Jdk | undefined;
  /** One line per candidate that was looked at and refused, for the error message. */
  rejected: string[];
}

const EXE = process.platform === 'win32' ? '.exe' : '';

/**
 * Finds a JDK (not just a JRE: the launcher is compiled on first use) of version 17 or newer, in
 * the order JAVA_HOME, the system's JVM directory, then PATH. Never throws for a missing JDK; the
 * caller turns `jdk: undefined` plus `rejected` into an actionable error.
 */
export async function findJdk(search: JdkSearch = {}): Promise<JdkSearchResult> {
  const javaHome = 'javaHome' in search ? search.javaHome : process.env.JAVA_HOME;
  const jvmRoot = 'jvmRoot' in search ? search.jvmRoot : '/usr/lib/jvm';
  const pathEnv = 'pathEnv' in search ? search.pathEnv : process.env.PATH;
  const rejected: string[] = [];

  const groups = [
    javaHome ? [javaHome] : [],
    jvmRoot ? await listJvmRoot(jvmRoot) : [],
    pathEnv ? await homesOnPath(pathEnv) : [],
  ];
  const seen = new Set<string>();
  for (const homes of groups) {
    const candidates: Jdk[] = [];
    for (const home of homes) {
      const resolved = await realpath(home).catch(() => home);
      if (seen.has(resolved)) continue;
      seen.add(resolved);
      const checked = await inspectJdk(resolved);
      if (typeof checked === 'string') rejected.push(`${home}: ${checked}`);
      else candidates.push(checked);
    }
    candidates.sort((a, b) => b.version - a.version);
    if (candidates[0]) return { jdk: candidates[0], rejected };
  }
  return { jdk: undefined, rejected };
}

/** Returns the JDK, or a short reason why this directory is not a usable one. */
async function inspectJdk(home: string): Promise<Jdk | string> {
  const java = path.join(home, 'bin', `java${EXE}`);
  const javac = path.join(home, 'bin', `javac${EXE}`);
  if (!(await isExecutable(java))) return 'no bin/java';
  if (!(await isExecutable(javac))) return 'no bin/javac (a JRE, not a JDK)';

  const version = (await versionFromReleaseFile(home)) ?? (await versionFromJavac(javac));
  if (version === undefined) return 'could not tell its version';
  if (version < MIN_JAVA_VERSION) return `version ${version} is older than ${MIN_JAVA_VERSION}`;
  return { home, java, javac, version };
}

async function listJvmRoot(root: string): Promise<string[]> {
  try {
    const entries = await readdir(root, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory() || e.isSymbolicLink())
      .map((e) => path.join(root, e.name));
  } catch (error) {
    // A machine without this directory is normal (macOS, Windows, containers).
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function homesOnPath(pathEnv: string): Promise<string[]> {
  const homes: string[] = [];
  for (const dir of pathEnv.split(path.delimiter).filter(Boolean)) {
    const javac = path.join(dir, `javac${EXE}`);
    if (!(await isExecutable(javac))) continue;
    // /usr/bin/javac is usually a chain of symlinks into the JDK's own bin/ directory.
    const real = await realpath(javac);
    homes.push(path.dirname(path.dirname(real)));
  }
  return homes;
}

async function versionFromReleaseFile(home: string): Promise<number | undefined> {
  const text = await readFile(path.join(home, 'release'), 'utf8').catch(() => undefined);
  const match = text?.match(/^JAVA_VERSION="([^"]+)"/m);
  return match?.[1] ? parseFeatureVersion(match[1]) : undefined;
}

async function versionFromJavac(javac: string): Promise<number | undefined> {
  try {
    const { stdout, stderr } = await execFileAsync(javac, ['-version'], { timeout: 10_000 });
    const match = `${stdout}${stderr}`.match(/javac\s+(\S+)/);
    return match?.[1] ? parseFeatureVersion(match[1]) : undefined;
  } catch {
    // A javac that cannot even print its version is as good as absent; the caller reports that.
    return undefined;
  }
}

/** "17.0.15" → 17, "25" → 25, "1.8.0_412" → 8. */
export function parseFeatureVersion(version: string): number | undefined {
  const parts = version.split(/[.+_-]/).map((p) => Number.parseInt(p, 10));
  const feature = parts[0] === 1 ? parts[1] : parts[0];
  return feature !== undefined && Number.isInteger(feature) ? feature : undefined;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    // Missing or not executable: both mean "not this one", which the caller records.
    return false;
  }
}
