import type { Db } from 'mongodb';

/**
 * The database's clock, estimated from `hello.localTime`. Lease expiry and `runAt` are judged
 * against it so that two supervisors whose local clocks disagree still agree on who owns a task.
 *
 * LIMITATION: the estimate is only as good as half the round trip of the sample (sub-millisecond
 * on a LAN); comparisons stay on the client so that claim queries keep using plain indexes.
 */
export class ServerClock {
  private offsetMs = 0;
  private sampledAt = -Infinity;

  constructor(
    private readonly db: Db,
    private readonly resampleEveryMs = 60_000,
  ) {}

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** Re-samples the offset when the last sample is older than `resampleEveryMs`. */
  async refresh(force = false): Promise<void> {
    if (!force && performance.now() - this.sampledAt < this.resampleEveryMs) return;

    const sentAt = Date.now();
    const reply = await this.helloOrIsMaster();
    const receivedAt = Date.now();

    const serverTime = reply.localTime;
    if (serverTime instanceof Date) {
      this.offsetMs = serverTime.getTime() - (sentAt + receivedAt) / 2;
    }
    this.sampledAt = performance.now();
  }

  private async helloOrIsMaster(): Promise<{ localTime?: unknown }> {
    try {
      return await this.db.admin().command({ hello: 1 });
    } catch (error) {
      // Servers older than 4.4.2 (and some wire-compatible servers) only know `isMaster`.
      if ((error as { code?: number }).code !== 59) throw error;
      return await this.db.admin().command({ isMaster: 1 });
    }
  }
}
