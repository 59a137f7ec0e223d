import { reconnectDelayMs } from './backoff.js';
import type { Logger } from './logger.js';

/** A change-stream cursor as the followers use it. */
export interface FollowedCursor<T> {
  /** Runs the opening aggregate; what is committed afterwards will be delivered. */
  establish(): Promise<T | null>;
  next(): Promise<T | null>;
  close(): Promise<void>;
}

export interface StreamFollower<T> {
  /** Which stream this is, for logs: `task`, `completion`, `event`. */
  name: string;
  /** A fresh cursor, not yet established. */
  open(): FollowedCursor<T>;
  /** Each item the stream delivers. */
  onItem(item: T): void;
  /** The new cursor after a reopen, before catching up (to close it later, read its position). */
  onReopened(cursor: FollowedCursor<T>): void;
  /** Reads what the stream missed while it was down; runs after the new stream is open. */
  catchUp(): Promise<void>;
  isStopped(): boolean;
  logger: Logger;
}

/**
 * Follows a change stream until stopped. When it fails for good (the driver already resumes what
 * it can), the stream is reopened after a backoff that doubles per failure in a row, the new
 * stream is established first and only then is the gap read — so nothing committed in between
 * is missed, and a server that keeps refusing costs a few attempts a second, not a tight loop.
 */
export async function followStream<T>(
  initial: FollowedCursor<T>,
  follower: StreamFollower<T>,
): Promise<void> {
  let cursor = initial;
  let failuresInARow = 0;
  while (!follower.isStopped()) {
    try {
      const item = await cursor.next();
      failuresInARow = 0;
      if (item) follower.onItem(item);
    } catch (error) {
      if (follower.isStopped()) return;
      failuresInARow += 1;
      follower.logger.warn(
        { err: error, stream: follower.name, failuresInARow },
        'change stream failed, reopening',
      );
      await cursor.close().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, reconnectDelayMs(failuresInARow)));
      cursor = await reopen(cursor, follower);
    }
  }
}

async function reopen<T>(
  previous: FollowedCursor<T>,
  follower: StreamFollower<T>,
): Promise<FollowedCursor<T>> {
  const cursor = follower.open();
  try {
    const first = await cursor.establish();
    follower.onReopened(cursor);
    if (first) follower.onItem(first);
    await follower.catchUp();
    return cursor;
  } catch (error) {
    follower.logger.warn({ err: error, stream: follower.name }, 'change stream reopen failed');
    await cursor.close().catch(() => undefined);
    return previous;
  }
}
