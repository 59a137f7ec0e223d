import type {
  MongoClient,
  ServerHeartbeatFailedEvent,
  ServerHeartbeatStartedEvent,
  ServerHeartbeatSucceededEvent,
} from 'mongodb';
import { reconnectDelayMs } from '../backoff.js';
import type { Logger } from '../logger.js';

/**
 * A polling heartbeat is bounded by the driver's own timeouts: `connectTimeoutMS` for a new
 * socket and again for the handshake or `hello` on it. One pending for longer than both plus this
 * margin cannot be a slow server any more; it is the hang described below.
 */
const STUCK_MARGIN_MS = 5_000;
const DRIVER_CONNECT_TIMEOUT_MS = 30_000;
const CHECK_EVERY_MS = 1_000;

/**
 * Rebuilds a MongoClient's topology when its server monitor hangs.
 *
 * With the polling monitor (servers that send no `topologyVersion`, FaaS hosts, or
 * `serverMonitoringMode: 'poll'`), MongoDB Node driver 7.9.1 can start a heartbeat on a monitor
 * connection in the instant the server closed it: the write goes to a socket already destroyed,
 * the driver waits for a `drain` event that never comes, and the connection's later `close` does
 * not end that wait. The monitor then never checks again and every operation fails server
 * selection, even once the server is back. It happens when the server drops every connection at
 * once (a restart) while an operation is in flight, and was reproduced with the fault suite's
 * wire proxy. `close()` then `connect()` on the same client builds a fresh topology and monitor;
 * the client's collections stay valid, and streams on the old topology fail and are reopened by
 * their owners.
 */
export class MonitorWatchdog {
  private readonly pending = new Map<string, number>();
  private readonly stuckAfterMs: number;
  private timer: NodeJS.Timeout | null = null;
  private restarting: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly client: MongoClient,
    private readonly logger: Logger,
  ) {
    const connectTimeoutMs = client.options.connectTimeoutMS || DRIVER_CONNECT_TIMEOUT_MS;
    this.stuckAfterMs = 2 * connectTimeoutMs + STUCK_MARGIN_MS;
  }

  start(): void {
    this.client.on('serverHeartbeatStarted', this.onStarted);
    this.client.on('serverHeartbeatSucceeded', this.onEnded);
    this.client.on('serverHeartbeatFailed', this.onEnded);
    this.timer = setInterval(() => this.check(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  /** Stops watching and waits for a rebuild in progress, so the caller can close the client. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.client.off('serverHeartbeatStarted', this.onStarted);
    this.client.off('serverHeartbeatSucceeded', this.onEnded);
    this.client.off('serverHeartbeatFailed', this.onEnded);
    await this.restarting;
  }

  private readonly onStarted = (event: ServerHeartbeatStartedEvent): void => {
    // A streaming (awaited) heartbeat waits for the server by design, reading all along; a
    // closed socket fails it. Only polling heartbeats can hang this way.
    if (!event.awaited) this.pending.set(event.connectionId, Date.now());
  };

  private readonly onEnded = (
    event: ServerHeartbeatSucceededEvent | ServerHeartbeatFailedEvent,
  ): void => {
    this.pending.delete(event.connectionId);
  };

  private check(): void {
    if (this.restarting || this.stopped) return;
    const now = Date.now();
    const stuck = [...this.pending].find(([, since]) => now - since > this.stuckAfterMs);
    if (!stuck) return;

    this.pending.clear();
    this.logger.warn(
      { address: stuck[0], pendingMs: now - stuck[1] },
      'database monitor stuck, reconnecting',
    );
    this.restarting = this.rebuild().finally(() => (this.restarting = null));
  }

  private async rebuild(): Promise<void> {
    try {
      await this.client.close();
    } catch (error) {
      this.logger.warn({ err: error }, 'stuck database client did not close cleanly');
    }
    for (let failures = 1; !this.stopped; failures++) {
      try {
        await this.client.connect();
        this.logger.info('database reconnected');
        return;
      } catch (error) {
        this.logger.warn({ err: error, failuresInARow: failures }, 'database reconnect failed');
        await new Promise((resolve) => setTimeout(resolve, reconnectDelayMs(failures)));
      }
    }
  }
}
