import {
  MongoClientClosedError,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';

/**
 * Server error codes that mean "this server cannot answer right now" (restarting, stepping down,
 * unreachable) rather than "this request is wrong": the codes MongoDB's retryable-writes
 * specification lists, which a later attempt of the same request may get past.
 */
const TRANSIENT_CODES: ReadonlySet<number> = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/**
 * True for a failure the database may not have when asked again: a dropped connection, no
 * reachable primary, a primary stepping down or shutting down, or a client being rebuilt (see
 * MonitorWatchdog). Such a write may or may not have been applied, so only idempotent or fenced
 * writes may be repeated after one. A client closed on purpose fails the same way as one being
 * rebuilt: callers check that their own connection is still open before trying again.
 */
export function isTransientError(error: unknown): boolean {
  if (error instanceof MongoNetworkError || error instanceof MongoServerSelectionError) return true;
  if (
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoClientClosedError
  ) {
    return true;
  }
  if (!(error instanceof MongoError)) return false;
  if (error.hasErrorLabel('RetryableWriteError') || error.hasErrorLabel('PoolRequestedRetry')) {
    return true;
  }
  return typeof error.code === 'number' && TRANSIENT_CODES.has(error.code);
}
