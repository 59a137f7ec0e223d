import { hostname } from 'node:os';
import {
  heartbeatSupervisor,
  removeSupervisor,
  type StoreConnection,
} from '../sdk/internal/store/index.js';
import type { Logger } from './logger.js';

/** How often a running supervisor refreshes its record in the `supervisors` collection. */
export const HEARTBEAT_INTERVAL_MS = 5_000;

export interface RegistrationInfo {
  /** The supervisor's lease owner id, so operators can match leases to the runtime holding them. */
  id: string;
  poolSize: number;
  /** The parents its handlers serve. */
  parents: string[];
}

/**
 * A supervisor's record in `supervisors`, so that operators (`tumnus-runtime status`) see which
 * runtimes are alive: written at start, refreshed every HEARTBEAT_INTERVAL_MS, removed on a clean
 * stop. A runtime that dies simply stops refreshing it; `status` then stops counting it as live,
 * and a TTL index removes the record a day later.
 *
 * The record is for people, not for correctness (leases decide who runs what), so a failed write
 * is logged and retried at the next beat, never fatal.
 */
export class SupervisorRegistration {
  private timer: NodeJS.Timeout | null = null;
  private beating: Promise<void> = Promise.resolve();
  private inFlight = false;
  private readonly startedAt = new Date();

  private constructor(
    private readonly store: StoreConnection,
    private readonly info: RegistrationInfo,
    private readonly logger: Logger,
  ) {}

  /** Writes the record once (so `status` sees the runtime as soon as it is ready), then beats. */
  static async start(
    store: StoreConnection,
    info: RegistrationInfo,
    logger: Logger,
  ): Promise<SupervisorRegistration> {
    const registration = new SupervisorRegistration(store, info, logger);
    await registration.beat();
    registration.timer = setInterval(() => registration.tick(), HEARTBEAT_INTERVAL_MS);
    registration.timer.unref();
    return registration;
  }

  /** Stops beating and removes the record. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.beating;
    try {
      await removeSupervisor(this.store, this.info.id);
    } catch (error) {
      // It stops looking live once its heartbeat ages; the TTL index removes it later.
      this.logger.warn(
        { err: error, supervisor: this.info.id },
        'supervisor deregistration failed',
      );
    }
  }

  private tick(): void {
    // A beat slower than the interval (an overloaded server) is not stacked on.
    if (this.inFlight) return;
    this.inFlight = true;
    this.beating = this.beat().finally(() => (this.inFlight = false));
  }

  private async beat(): Promise<void> {
    try {
      await heartbeatSupervisor(this.store, {
        _id: this.info.id,
        host: hostname(),
        pid: process.pid,
        poolSize: this.info.poolSize,
        parents: this.info.parents,
        startedAt: this.startedAt,
      });
    } catch (error) {
      this.logger.warn({ err: error, supervisor: this.info.id }, 'supervisor heartbeat failed');
    }
  }
}
