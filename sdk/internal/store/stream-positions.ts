import type { ResumeToken } from 'mongodb';
import type { StoreConnection } from './connection.js';

/** Where a named change stream stopped, so that a restarted process can continue from there. */
export interface StreamPositionDocument {
  _id: string;
  token: ResumeToken;
  savedAt: Date;
  /** A week after the last save the position is useless (the oplog has moved on) and expires. */
  expiresAt: Date;
}

const KEEP_MS = 7 * 24 * 60 * 60 * 1000;

export async function loadStreamPosition(
  store: StoreConnection,
  name: string,
): Promise<ResumeToken | null> {
  const doc = await store.streamPositions.findOne({ _id: name });
  return doc?.token ?? null;
}

export async function saveStreamPosition(
  store: StoreConnection,
  name: string,
  token: ResumeToken,
): Promise<void> {
  const now = store.clock.now();
  await store.streamPositions.updateOne(
    { _id: name },
    { $set: { token, savedAt: now, expiresAt: new Date(now.getTime() + KEEP_MS) } },
    { upsert: true },
  );
}

/** The server no longer has the history a resume token points into (code 286). */
export function isHistoryLost(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : '';
  return code === 286 || code === 280 || /resume (point|token)|history.*lost/i.test(message);
}
