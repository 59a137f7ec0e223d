import { inspect } from 'node:util';
import { ErrorCode, TumnusError } from '../errors.js';
import type { TaskParentRecord } from '../model.js';
import { CompletionWatcher } from './completion-watcher.js';
import { EventHub } from './event-hub.js';
import { RecentParents } from './recent-parents.js';
import { redactUri } from './redact-uri.js';
import type { Logger } from './logger.js';
import { findParent, StoreConnection, type ConnectionSettings } from './store/index.js';

/**
 * Shared state of one `Tumnus` client: the lazily opened connection, the single completion
 * watcher all waiters share, and everything that must be closed with the client.
 */
export class ClientCore {
  readonly completions: CompletionWatcher;
  readonly events: EventHub;
  readonly recentParents = new RecentParents();
  private connecting: Promise<StoreConnection> | null = null;
  private readonly closables = new Set<{ close(): Promise<void> }>();
  private closed = false;

  constructor(
    readonly settings: ConnectionSettings,
    readonly logger: Logger,
  ) {
    this.completions = new CompletionWatcher(this, logger.child({ component: 'waiters' }));
    this.events = new EventHub(this, logger.child({ component: 'events' }));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The open connection; the first call connects. A failed attempt is retried by the next call. */
  connection(): Promise<StoreConnection> {
    if (this.closed) return Promise.reject(clientClosedError());
    const settings = { ...this.settings, logger: this.logger.child({ component: 'store' }) };
    this.connecting ??= StoreConnection.open(settings).then(
      (store) => {
        store.onEventWriteError = (error, lost) =>
          this.logger.warn({ err: error, lost }, 'event write failed');
        return store;
      },
      (error: unknown) => {
        this.connecting = null;
        throw error;
      },
    );
    return this.connecting;
  }

  /** What `console.log` and `JSON.stringify` show of a client: never the URI's credentials. */
  [inspect.custom](): string {
    return `ClientCore { uri: '${redactUri(this.settings.uri)}', closed: ${this.closed} }`;
  }

  toJSON(): { uri: string; closed: boolean } {
    return { uri: redactUri(this.settings.uri), closed: this.closed };
  }

  /** The parent as stored now; PARENT_NOT_FOUND when it does not exist or is being deleted. */
  async requireParent(name: string): Promise<TaskParentRecord> {
    const store = await this.connection();
    const parent = await findParent(store, name);
    if (!parent || parent.deleting) {
      this.recentParents.forget(name);
      throw parentNotFound(name, parent?.deleting === true);
    }
    this.recentParents.remember(parent);
    return parent;
  }

  /**
   * Like requireParent, but a parent found within the last second is not read again. Only for
   * checks that are repeated after the write they guard (see Task.send).
   */
  async requireRecentParent(name: string): Promise<TaskParentRecord> {
    return this.recentParents.get(name) ?? this.requireParent(name);
  }

  /** Registers something (a responder group, a stream) that `close()` must close first. */
  own(closable: { close(): Promise<void> }): void {
    this.closables.add(closable);
  }

  disown(closable: { close(): Promise<void> }): void {
    this.closables.delete(closable);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;

    const closing = [...this.closables, this.completions, this.events].map((c) => c.close());
    const results = await Promise.allSettled(closing);
    for (const result of results) {
      if (result.status === 'rejected') {
        this.logger.warn({ err: result.reason }, 'close step failed');
      }
    }

    const connection = await this.connecting?.catch(() => null);
    await connection?.close();
  }
}

export function parentNotFound(name: string, beingDeleted = false): TumnusError {
  return new TumnusError(
    ErrorCode.ParentNotFound,
    beingDeleted
      ? `task parent ${JSON.stringify(name)} is being deleted, so it takes no tasks; a delete ` +
          'that was interrupted is finished by calling taskParent.delete() again'
      : `task parent ${JSON.stringify(name)} does not exist; create it with taskParent.create()`,
  );
}

export function clientClosedError(): TumnusError {
  return new TumnusError(ErrorCode.ClientClosed, 'this Tumnus client is closed');
}
