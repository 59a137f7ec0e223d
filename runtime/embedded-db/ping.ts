// The embedded database is infrastructure, not task storage: its readiness check talks to the
// server it just started through the same driver the store uses, so a server the driver would
// refuse (e.g. an unsupported wire version) fails here, at start, instead of in the first test.
// eslint-disable-next-line no-restricted-imports
import { MongoClient } from 'mongodb';

const ATTEMPT_TIMEOUT_MS = 2_000;
const RETRY_DELAY_MS = 100;

/**
 * Resolves once the server at `uri` answers `ping`; rejects with the last error after
 * `timeoutMs`. Each attempt uses a fresh client that is always closed.
 */
export async function waitForPing(uri: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await pingOnce(uri);
      return;
    } catch (error) {
      if (Date.now() + RETRY_DELAY_MS >= deadline) {
        throw new Error(`server at ${uri} did not answer ping within ${timeoutMs} ms`, {
          cause: error,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    }
  }
}

async function pingOnce(uri: string): Promise<void> {
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: ATTEMPT_TIMEOUT_MS,
    connectTimeoutMS: ATTEMPT_TIMEOUT_MS,
  });
  try {
    await client.db('admin').command({ ping: 1 });
  } finally {
    await client.close();
  }
}
