import type { TaskEvent, TaskEventListener, TaskEventType } from '../events.js';
import type { ClientCore } from './client-core.js';
import type { Logger } from './logger.js';
import { followStream } from './stream-follower.js';
import {
  EventCursor,
  findEventsSince,
  findTaskEvents,
  isChangeStreamUnsupported,
  loadPosition,
  savePosition,
  type StoreConnection,
} from './store/index.js';

/** Catch-up reads start this far before a saved position, to cover writers' clock skew. */
const RESUME_OVERLAP_MS = 2_000;
const CATCH_UP_PAGE = 1_000;
const SAVE_POSITION_EVERY_MS = 1_000;
const POLL_INTERVAL_MS = 500;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface SubscriptionFilter {
  parent?: string;
  taskId?: string;
  types: ReadonlySet<TaskEventType>;
}

export interface SubscribeOptions {
  /** Persist the position under this id and resume from it after a restart. */
  subscriberId?: string;
  /** The parent's retention class: a position older than this cannot be fully resumed. */
  retentionDays?: number;
  /** Told when a saved position is older than the retained events: some were lost. */
  onGap?: (info: { since: Date }) => void;
}

/**
 * Delivers lifecycle events to this client's observers through one change stream on the
 * `events` collection. Listener errors are contained and logged; they never stop delivery.
 */
export class EventHub {
  private readonly subscriptions = new Set<Subscription>();
  private opening: Promise<void> | null = null;
  private cursor: EventCursor | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private pollSince = new Date();
  private closed = false;

  constructor(
    private readonly core: ClientCore,
    private readonly logger: Logger,
  ) {}

  subscribe(
    filter: SubscriptionFilter,
    listener: TaskEventListener,
    options: SubscribeOptions = {},
  ) {
    const subscription = new Subscription(filter, listener, options, this, this.logger);
    this.subscriptions.add(subscription);
    subscription.ready = this.start(subscription);
    subscription.ready.catch((error: unknown) =>
      this.logger.error({ err: error }, 'event subscription failed to start'),
    );
    return subscription;
  }

  unsubscribe(subscription: Subscription): void {
    this.subscriptions.delete(subscription);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    await Promise.allSettled([...this.subscriptions].map((s) => s.close()));
    await this.cursor?.close();
  }

  private async start(subscription: Subscription): Promise<void> {
    const store = await this.core.connection();
    this.opening ??= this.open(store).catch((error: unknown) => {
      this.opening = null;
      throw error;
    });
    await this.opening;
    await subscription.catchUp(store);
  }

  private async open(store: StoreConnection): Promise<void> {
    const cursor = new EventCursor(store);
    try {
      const first = await cursor.establish();
      if (first) this.dispatch(first);
    } catch (error) {
      await cursor.close().catch(() => undefined);
      if (!isChangeStreamUnsupported(error)) throw error;
      this.logger.warn({ pollIntervalMs: POLL_INTERVAL_MS }, 'change streams unavailable, polling');
      this.pollSince = store.clock.now();
      this.schedulePoll(store);
      return;
    }
    this.cursor = cursor;
    void this.follow(store, cursor);
  }

  /** Follows the stream; after a failure, a fresh stream, then each subscriber catches up. */
  private follow(store: StoreConnection, cursor: EventCursor): Promise<void> {
    return followStream(cursor, {
      name: 'event',
      open: () => new EventCursor(store),
      onItem: (event) => this.dispatch(event),
      onReopened: (reopened) => (this.cursor = reopened as EventCursor),
      catchUp: async () => {
        await Promise.allSettled([...this.subscriptions].map((s) => s.catchUp(store)));
      },
      isStopped: () => this.closed,
      logger: this.logger,
    });
  }

  private schedulePoll(store: StoreConnection): void {
    if (this.closed) return;
    this.pollTimer = setTimeout(() => {
      void Promise.allSettled([...this.subscriptions].map((s) => s.catchUp(store))).finally(() =>
        this.schedulePoll(store),
      );
    }, POLL_INTERVAL_MS);
  }

  private dispatch(event: TaskEvent): void {
    for (const subscription of this.subscriptions) subscription.offer(event);
  }
}

/** One observer: its filter, its listener, and (with a subscriber id) its saved position. */
export class Subscription {
  ready: Promise<void> = Promise.resolve();
  private catchingUp = false;
  private readonly buffered: TaskEvent[] = [];
  /** Ids delivered since the last position, to skip overlap when catching up again. */
  private readonly delivered = new Set<string>();
  private position: { at: Date; eventId: string } | null = null;
  private positionDirty = false;
  private saveTimer: NodeJS.Timeout | null = null;
  private store: StoreConnection | null = null;
  private closed = false;

  constructor(
    private readonly filter: SubscriptionFilter,
    private readonly listener: TaskEventListener,
    private readonly options: SubscribeOptions,
    private readonly hub: EventHub,
    private readonly logger: Logger,
  ) {}

  async close(): Promise<void> {
    this.closed = true;
    this.hub.unsubscribe(this);
    if (this.saveTimer) clearTimeout(this.saveTimer);
    await this.savePosition();
  }

  offer(event: TaskEvent): void {
    if (this.closed || !this.matches(event)) return;
    if (this.catchingUp) this.buffered.push(event);
    else this.deliver(event);
  }

  /** Reads what this subscriber missed (since its saved position, or since it last saw one). */
  async catchUp(store: StoreConnection): Promise<void> {
    this.store = store;
    if (this.filter.taskId) return this.replayTask(store, this.filter.taskId);
    const since = await this.resumePoint(store);
    if (!since || !this.filter.parent) return;

    this.catchingUp = true;
    try {
      let from = since;
      for (;;) {
        const page = await findEventsSince(store, this.filter.parent, from, CATCH_UP_PAGE);
        for (const event of page) if (this.matches(event)) this.deliver(event);
        if (page.length < CATCH_UP_PAGE) break;
        from = page.at(-1)!.at;
      }
    } finally {
      this.catchingUp = false;
      for (const event of this.buffered.splice(0)) this.deliver(event);
    }
  }

  /** A one-task observer first gets the task's recorded events, then live ones. */
  private async replayTask(store: StoreConnection, taskId: string): Promise<void> {
    this.catchingUp = true;
    try {
      for (const event of await findTaskEvents(store, taskId)) {
        if (this.matches(event)) this.deliver(event);
      }
    } finally {
      this.catchingUp = false;
      for (const event of this.buffered.splice(0)) this.deliver(event);
    }
  }

  private async resumePoint(store: StoreConnection): Promise<Date | null> {
    if (this.position) return new Date(this.position.at.getTime() - RESUME_OVERLAP_MS);
    if (!this.options.subscriberId) {
      // A new observer starts from now; remembering "now" lets a later reconnect catch up
      // even before its first event arrives.
      this.position = { at: store.clock.now(), eventId: '' };
      return null;
    }

    const saved = await loadPosition(store, this.options.subscriberId);
    if (!saved) {
      this.position = { at: store.clock.now(), eventId: '' };
      return null;
    }
    this.position = saved;
    this.delivered.add(saved.eventId);

    const retainedFrom = store.clock.now().getTime() - (this.options.retentionDays ?? 30) * DAY_MS;
    if (saved.at.getTime() < retainedFrom) {
      this.logger.warn(
        { subscriberId: this.options.subscriberId, since: saved.at },
        'event history lost',
      );
      this.options.onGap?.({ since: saved.at });
    }
    return new Date(saved.at.getTime() - RESUME_OVERLAP_MS);
  }

  private matches(event: TaskEvent): boolean {
    const { parent, taskId, types } = this.filter;
    return (
      types.has(event.type) &&
      (parent === undefined || event.parent === parent) &&
      (taskId === undefined || event.taskId === taskId)
    );
  }

  private deliver(event: TaskEvent): void {
    if (this.delivered.has(event.id)) return;
    this.delivered.add(event.id);
    if (this.delivered.size > 10_000) this.delivered.clear();
    this.advance(event);

    try {
      const returned = this.listener(event);
      if (returned instanceof Promise) {
        returned.catch((error: unknown) => this.reportListenerError(error, event));
      }
    } catch (error) {
      this.reportListenerError(error, event);
    }
  }

  private reportListenerError(error: unknown, event: TaskEvent): void {
    this.logger.error(
      { err: error, event: event.type, taskId: event.taskId },
      'event listener failed',
    );
  }

  private advance(event: TaskEvent): void {
    if (this.position && event.at < this.position.at) return;
    this.position = { at: event.at, eventId: event.id };
    if (!this.options.subscriberId) return;
    this.positionDirty = true;
    this.saveTimer ??= setTimeout(() => {
      this.saveTimer = null;
      void this.savePosition();
    }, SAVE_POSITION_EVERY_MS);
  }

  private async savePosition(): Promise<void> {
    const id = this.options.subscriberId;
    if (!id || !this.position || !this.positionDirty || !this.store) return;
    this.positionDirty = false;
    try {
      await savePosition(this.store, id, this.position, this.options.retentionDays ?? 30);
    } catch (error) {
      this.logger.warn({ err: error, subscriberId: id }, 'subscriber position not saved');
    }
  }
}
