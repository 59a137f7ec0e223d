/** Upper bound for one retry delay, whatever the attempt count. */
const MAX_RETRY_DELAY_MS = 60 * 60 * 1000;

/**
 * Exponential backoff with jitter: `baseMs · 2^(attempt-1)`, scaled by a random factor in
 * [0.8, 1.2) so that tasks that failed together do not retry together.
 */
export function retryDelayMs(baseMs: number, attempt: number, random = Math.random): number {
  const exponential = baseMs * 2 ** Math.max(0, attempt - 1);
  return Math.min(MAX_RETRY_DELAY_MS, Math.round(exponential * (0.8 + 0.4 * random())));
}

/** Delay before reconnecting a change stream or retrying a failed claim: 100 ms doubling to 5 s. */
export function reconnectDelayMs(failuresInARow: number): number {
  return Math.min(5_000, 100 * 2 ** Math.max(0, failuresInARow - 1));
}
