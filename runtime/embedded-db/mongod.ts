import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DryMongoBinary, MongoMemoryReplSet } from 'mongodb-memory-server-core';
import { waitForPing } from './ping.js';

const REPLICA_SET_NAME = 'rs0';
const PING_TIMEOUT_MS = 10_000;

export interface RunningMongod {
  uri: string;
  stop(): Promise<void>;
}

/** Thrown when no mongod can be had without downloading one (the expected case offline). */
export class MongodBinaryMissingError extends Error {
  override readonly name = 'MongodBinaryMissingError';
}

/**
 * Starts a single-node replica set with mongodb-memory-server, storing data in `<dataDir>/mongod`.
 *
 * The binary is MONGOMS_SYSTEM_BINARY or one mongodb-memory-server downloaded earlier into its
 * cache. Downloading is opt-in (MONGOMS_RUNTIME_DOWNLOAD=true set explicitly): its default target
 * is a public download host, and on a machine without that network the attempt would only cost
 * time before the fallback. Without a binary this fails at once with MongodBinaryMissingError.
 */
export async function startMongodReplSet(
  dataDir: string,
  port: number | undefined,
): Promise<RunningMongod> {
  await assertBinaryAvailable();

  const dbPath = path.resolve(dataDir, 'mongod');
  await mkdir(dbPath, { recursive: true });
  const replSet = await MongoMemoryReplSet.create({
    replSet: { count: 1, name: REPLICA_SET_NAME, storageEngine: 'wiredTiger', ip: '127.0.0.1' },
    // LIMITATION: restarting on existing data with a different port keeps the old member host in
    // the replica set config; pass a fixed port to reuse a data directory.
    instanceOpts: [{ dbPath, ...(port === undefined ? {} : { port }) }],
  });
  const stop = async (): Promise<void> => {
    // doCleanup without force removes only temporary directories, never the caller's dataDir.
    await replSet.stop({ doCleanup: true, force: false });
  };

  try {
    const uri = replSet.getUri();
    await waitForPing(uri, PING_TIMEOUT_MS);
    return { uri, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function assertBinaryAvailable(): Promise<void> {
  const options = await DryMongoBinary.generateOptions();
  // Throws BinaryNotFoundError itself when MONGOMS_SYSTEM_BINARY names a missing file.
  const binary = await DryMongoBinary.locateBinary(options);
  if (binary !== undefined || downloadAllowed()) return;
  throw new MongodBinaryMissingError(
    `no mongod binary for version ${options.version} in ${options.downloadDir} and ` +
      'MONGOMS_SYSTEM_BINARY is not set (downloads are off unless MONGOMS_RUNTIME_DOWNLOAD=true)',
  );
}

function downloadAllowed(): boolean {
  const value = process.env.MONGOMS_RUNTIME_DOWNLOAD?.trim().toLowerCase();
  return value === 'true' || value === '1' || value === 'yes' || value === 'on';
}
