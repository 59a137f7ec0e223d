import type { ChangeStream, ChangeStreamDocument, Document, ResumeToken } from 'mongodb';
import type { TaskSnapshot } from '../../model.js';
import { TERMINAL_STATUSES, TaskStatus } from '../../model.js';
import type { StoreConnection } from './connection.js';
import { toSnapshot, type TaskDocument } from './documents.js';

/** A change stream over the tasks collection that yields task snapshots. */
export class TaskCursor {
  constructor(private readonly stream: ChangeStream<TaskDocument>) {}

  /**
   * Runs the stream's opening aggregate. Anything committed after this returns is delivered, so
   * a caller may read current state afterwards without a gap.
   */
  async establish(): Promise<TaskSnapshot | null> {
    return this.toSnapshot(await this.stream.tryNext());
  }

  /** The next matching task; null when the event carried no document (deleted since). */
  async next(): Promise<TaskSnapshot | null> {
    return this.toSnapshot(await this.stream.next());
  }

  get closed(): boolean {
    return this.stream.closed;
  }

  /** Where the stream is now; null until the server has given one. */
  get resumeToken(): unknown {
    return this.stream.resumeToken ?? null;
  }

  async close(): Promise<void> {
    await this.stream.close();
  }

  private toSnapshot(change: ChangeStreamDocument<TaskDocument> | null): TaskSnapshot | null {
    if (!change || !('fullDocument' in change) || !change.fullDocument) return null;
    return toSnapshot(change.fullDocument);
  }
}

/** Tasks that reached a final state: what waiters listen to. */
export function watchFinishedTasks(store: StoreConnection): TaskCursor {
  const terminal = { $in: [...TERMINAL_STATUSES] };
  return watch(store, undefined, [
    { $match: changedStatusTo(terminal) },
    { $match: { 'fullDocument.status': terminal } },
  ]);
}

/** Tasks of `parents` that became pending (new, retried or released): what claimers listen to. */
export function watchPendingTasks(
  store: StoreConnection,
  parents: readonly string[],
  startAfter?: unknown,
): TaskCursor {
  return watch(store, startAfter, [
    { $match: { $or: [{ operationType: 'insert' }, changedStatusTo(TaskStatus.Pending)] } },
    {
      $match: {
        'fullDocument.parent': { $in: [...parents] },
        'fullDocument.status': TaskStatus.Pending,
      },
    },
  ]);
}

/**
 * Updates that set `status` to a matching value, and whole-document replacements. Every status
 * change is a `$set` of `status`, so this loses nothing, and it names no `fullDocument` field:
 * MongoDB can then apply it to the oplog before it looks up the updated document, and the
 * claim, renewal, progress and result writes that do not concern a stream cost it no read.
 * The post-image check that follows still decides (the task may have moved on since).
 */
function changedStatusTo(status: unknown): Document {
  return {
    $or: [
      { operationType: 'update', 'updateDescription.updatedFields.status': status },
      { operationType: 'replace' },
    ],
  };
}

function watch(store: StoreConnection, startAfter: unknown, pipeline: Document[]): TaskCursor {
  const stream = store.tasks.watch<TaskDocument>(pipeline, {
    fullDocument: 'updateLookup',
    ...(startAfter ? { startAfter: startAfter as ResumeToken } : {}),
  });
  return new TaskCursor(stream);
}

/** The server cannot run change streams at all (a standalone mongod): fall back to polling. */
export function isChangeStreamUnsupported(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : '';
  return code === 40573 || /only supported on replica sets/i.test(message);
}
